package io.qwen4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broken checkpoints and bad arguments give one clear line on stderr, never a stack trace. */
class BadInputTest {
    @TempDir
    Path tmp;

    /** A copy of a fixture's checkpoint files (not its goldens). */
    Path copyOf(String fixture) throws IOException {
        Path src = CliRunner.fixture(fixture);
        Path dst = Files.createDirectories(tmp.resolve(fixture));
        try (Stream<Path> files = Files.list(src)) {
            for (Path f : files.filter(p -> !p.getFileName().toString().startsWith("golden")).toList()) {
                Files.copy(f, dst.resolve(f.getFileName()));
            }
        }
        return dst;
    }

    static void assertOneLineError(CliRunner r, String... mustContain) {
        assertEquals(1, r.status(), r.toString());
        String err = r.err().strip();
        assertEquals(1, err.lines().count(), "expected one line:\n" + r.err());
        assertTrue(err.startsWith("error: "), err);
        assertFalse(err.contains("Exception"), err);
        for (String s : mustContain) {
            assertTrue(err.contains(s), "'" + s + "' missing from: " + err);
        }
    }

    @Test
    void truncatedSafetensorsNamesTheFileAndTensor() throws IOException {
        Path dir = copyOf("qwen3-tied");
        Path file = dir.resolve("model.safetensors");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 1000);
        }
        CliRunner r = CliRunner.run("logits", "--model", dir.toString(), "--ids", "1,2", "--out", tmp.resolve("x.npy").toString());
        assertOneLineError(r, "model.safetensors", "truncated", "tensor ");
    }

    @Test
    void safetensorsCutInsideItsHeader() throws IOException {
        Path dir = copyOf("qwen3-tied");
        Path file = dir.resolve("model.safetensors");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(100);
        }
        CliRunner r = CliRunner.run("generate", "--model", dir.toString(), "--ids", "1,2");
        assertOneLineError(r, "model.safetensors", "truncated");
    }

    @Test
    void wrongHeadDimInConfigIsNamed() throws IOException {
        Path dir = copyOf("qwen3-tied");
        Path config = dir.resolve("config.json");
        String text = Files.readString(config);
        assertTrue(text.contains("\"head_dim\": 32"), text);
        Files.writeString(config, text.replace("\"head_dim\": 32", "\"head_dim\": 16"));
        CliRunner r = CliRunner.run("logits", "--model", dir.toString(), "--ids", "1,2", "--out", tmp.resolve("x.npy").toString());
        assertOneLineError(r, "head_dim", "config.json");
    }

    @Test
    void shardMissingFromTheIndex() throws IOException {
        Path dir = copyOf("qwen3-untied-sharded");
        Files.delete(dir.resolve("model-00003-of-00005.safetensors"));
        CliRunner r = CliRunner.run("generate", "--model", dir.toString(), "--ids", "1");
        assertOneLineError(r, "model-00003-of-00005.safetensors", "missing");
    }

    @Test
    void mismatchedTensorShapeNamesTheTensor() throws IOException {
        Path dir = copyOf("qwen3-tied");
        Path config = dir.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"intermediate_size\": 128", "\"intermediate_size\": 100"));
        CliRunner r = CliRunner.run("generate", "--model", dir.toString(), "--ids", "1");
        assertOneLineError(r, "mlp.gate_proj.weight", "[128, 64]", "[100, 64]");
    }

    @Test
    void missingModelFolder() {
        CliRunner r = CliRunner.run("generate", "--model", tmp.resolve("nowhere").toString(), "--ids", "1");
        assertOneLineError(r, "nowhere");
    }

    @Test
    void unknownArchitecture() throws IOException {
        Path dir = copyOf("qwen3-tied");
        Path config = dir.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"model_type\": \"qwen3\"", "\"model_type\": \"llama\""));
        CliRunner r = CliRunner.run("generate", "--model", dir.toString(), "--ids", "1");
        assertOneLineError(r, "llama", "qwen3");
    }

    @Test
    void tokenIdOutsideTheVocabulary() {
        CliRunner r = CliRunner.run("generate", "--model", CliRunner.fixture("qwen3-tied").toString(), "--ids", "1,256");
        assertOneLineError(r, "256", "vocabulary");
    }

    @Test
    void malformedIdsAreAUsageError() {
        CliRunner r = CliRunner.run("generate", "--ids", "1,x,3");
        assertEquals(2, r.status(), r.toString());
        assertTrue(r.err().contains("'x' is not a token id"), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void serveOnAPortInUseSaysSoInOneLine() throws IOException {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            CliRunner r = CliRunner.run("serve", "--threads", "1", "--port", Integer.toString(taken.getLocalPort()));
            assertOneLineError(r, "cannot listen on 127.0.0.1:" + taken.getLocalPort(), "--port");
        }
        assertOneLineError(CliRunner.run("serve", "--parallel", "0"), "--parallel");
        assertOneLineError(CliRunner.run("serve", "--port", "70000"), "--port");
        assertOneLineError(CliRunner.run("serve", "--max-media-mb", "0"), "--max-media-mb");
        assertOneLineError(CliRunner.run("serve", "--media-read-timeout", "-1"), "--media-read-timeout");
        assertOneLineError(CliRunner.run("serve", "--max-body-mb", "0"), "--max-body-mb");
        assertOneLineError(CliRunner.run("serve", "--max-body-mb", "8", "--max-body-size", "100"), "not both");
    }
}
