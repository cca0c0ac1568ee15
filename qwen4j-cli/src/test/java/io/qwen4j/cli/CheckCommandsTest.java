package io.qwen4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.formats.Json;
import io.qwen4j.formats.Npy;
import io.qwen4j.formats.SafeTensorsFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The machine-readable commands other checks build on: {@code logits} and {@code generate --json}. */
class CheckCommandsTest {
    @TempDir
    Path tmp;

    @Test
    void logitsWritesTheSameNpyAsNumpy() throws Exception {
        Path dir = CliRunner.fixture("qwen3-untied-sharded");
        JsonNode meta = Json.read(dir.resolve("golden.json"));
        String ids = String.join(",", meta.get("prompt_ids").valueStream().map(JsonNode::asText).toList());
        Path out = tmp.resolve("logits.npy");
        CliRunner r = CliRunner.run("logits", "--model", dir.toString(), "--ids", ids, "--out", out.toString());
        assertEquals(0, r.status(), r.toString());

        Npy.Array actual = Npy.read(out);
        Npy.Array expected = Npy.read(dir.resolve("logits.npy")); // written by numpy from transformers' logits
        assertArrayEquals(expected.shape(), actual.shape());
        float max = 0;
        float maxErr = 0;
        for (int i = 0; i < expected.data().length; i++) {
            max = Math.max(max, Math.abs(expected.data()[i]));
            maxErr = Math.max(maxErr, Math.abs(expected.data()[i] - actual.data()[i]));
        }
        assertTrue(maxErr <= 2e-5 * max, "max abs error " + maxErr + " vs max |logit| " + max);
        // Byte-identical header: numpy's own format, so any .npy reader accepts the file.
        byte[] ours = Files.readAllBytes(out);
        byte[] theirs = Files.readAllBytes(dir.resolve("logits.npy"));
        assertEquals(theirs.length, ours.length);
        int headerLen = 10 + (theirs[8] & 0xff) + ((theirs[9] & 0xff) << 8);
        assertArrayEquals(Arrays.copyOf(theirs, headerLen), Arrays.copyOf(ours, headerLen));
    }

    @Test
    void generateJsonGivesTheGreedyContinuation() throws Exception {
        Path dir = CliRunner.fixture("qwen3-tied");
        JsonNode meta = Json.read(dir.resolve("golden.json"));
        String ids = String.join(",", meta.get("prompt_ids").valueStream().map(JsonNode::asText).toList());
        CliRunner r = CliRunner.run("generate", "--model", dir.toString(), "--ids", ids, "--max-tokens", "16",
                "--temperature", "0", "--json");
        assertEquals(0, r.status(), r.toString());
        JsonNode o = Json.MAPPER.readTree(r.out());
        int[] expected = meta.get("generated_ids").valueStream().limit(16).mapToInt(JsonNode::asInt).toArray();
        int[] actual = o.get("token_ids").valueStream().mapToInt(JsonNode::asInt).toArray();
        assertArrayEquals(expected, actual, r.out());
        assertEquals(1, r.out().strip().lines().count(), "one JSON object on one line");
    }

    @Test
    void demoRunsOnTheEmbeddedModel() {
        CliRunner r = CliRunner.run("demo", "--max-tokens", "8", "--threads", "1");
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("8 tokens"), r.out());
        assertTrue(r.out().contains("tok/s"), r.out());
        String[] generated = r.out().lines().filter(l -> l.startsWith("generated ids:")).findFirst().orElseThrow()
                .substring("generated ids:".length()).strip().split(" ");
        assertEquals(8, generated.length);
    }

    @Test
    void goldenTensorsAreFloat32() {
        try (SafeTensorsFile f = SafeTensorsFile.open(CliRunner.fixture("qwen3-tied").resolve("golden.safetensors"))) {
            f.tensors().values().forEach(t -> assertEquals("F32", t.fileDType(), t.name()));
        }
    }
}
