package io.qwen4j.models;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.formats.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ArchitecturesTest {
    /** Adding an architecture means adding a golden fixture for it (ARCHITECTURE.md). */
    @Test
    void everyRegisteredArchitectureHasAGoldenFixture() throws IOException {
        Set<String> covered = new TreeSet<>();
        try (Stream<Path> dirs = Files.list(Golden.root().resolve("golden"))) {
            dirs.map(d -> d.resolve("config.json")).filter(Files::isRegularFile)
                    .forEach(c -> covered.add(Json.read(c).get("model_type").asText()));
        }
        assertTrue(covered.containsAll(Architectures.modelTypes()),
                "registered " + Architectures.modelTypes() + " but fixtures/golden covers only " + covered);
    }
}
