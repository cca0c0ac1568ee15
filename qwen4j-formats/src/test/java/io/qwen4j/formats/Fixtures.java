package io.qwen4j.formats;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Committed fixtures, found through the system property the build sets; a missing one is a failure. */
final class Fixtures {
    private Fixtures() {}

    static Path path(String relative) {
        String prop = System.getProperty("qwen4j.fixtures");
        assertTrue(prop != null, "system property qwen4j.fixtures is not set (the build sets it)");
        Path p = Path.of(prop).resolve(relative);
        assertTrue(Files.exists(p), "missing fixture " + p + " (run tools/golden/generate-fixtures.sh)");
        return p;
    }
}
