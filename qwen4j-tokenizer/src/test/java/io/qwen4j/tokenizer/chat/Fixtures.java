package io.qwen4j.tokenizer.chat;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository's fixtures/chat folder; a missing fixture fails the test, it never skips it. */
final class Fixtures {
    private Fixtures() {
    }

    static Path chat() {
        String root = System.getProperty("qwen4j.fixtures");
        if (root == null) {
            fail("system property qwen4j.fixtures is not set: run the tests through Maven (./test)");
        }
        Path dir = Path.of(root, "chat");
        if (!Files.isDirectory(dir)) {
            fail("missing fixtures " + dir + ": run tools/golden/make_chat_goldens.py");
        }
        return dir;
    }

    /** Where two strings first differ, with escaped context from both, for a readable failure. */
    static String diff(String expected, String actual) {
        int i = 0;
        while (i < expected.length() && i < actual.length() && expected.charAt(i) == actual.charAt(i)) {
            i++;
        }
        int from = Math.max(0, i - 60);
        return "first difference at char " + i + " (expected length " + expected.length() + ", actual "
                + actual.length() + ")\n  expected: …" + escape(expected.substring(from, Math.min(expected.length(), i + 60)))
                + "\n  actual:   …" + escape(actual.substring(from, Math.min(actual.length(), i + 60)));
    }

    static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t");
    }
}
