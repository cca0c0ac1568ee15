package io.qwen4j.cli;

import static io.qwen4j.cli.BadInputTest.assertOneLineError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.formats.Json;
import io.qwen4j.formats.Npy;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GGUF files through the CLI: loading, converting, quantizing at load, and one-line errors for broken files. */
class GgufCliTest {
    @TempDir
    Path tmp;

    static Path referenceGguf() {
        return CliRunner.fixture("qwen3-tied").resolve("model-bf16.gguf");
    }

    static String promptIds() {
        JsonNode meta = Json.read(CliRunner.fixture("qwen3-tied").resolve("golden.json"));
        return String.join(",", meta.get("prompt_ids").valueStream().map(JsonNode::asText).toList());
    }

    Path brokenCopy(java.util.function.Consumer<byte[]> damage) throws IOException {
        byte[] b = Files.readAllBytes(referenceGguf());
        damage.accept(b);
        Path p = tmp.resolve("model.gguf");
        Files.write(p, b);
        return p;
    }

    static int indexOf(byte[] hay, String s) {
        byte[] needle = s.getBytes(StandardCharsets.UTF_8);
        outer:
        for (int i = 0; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError(s + " not found");
    }

    @Test
    void generateFromAGgufGivesTheGreedyContinuation() {
        JsonNode meta = Json.read(CliRunner.fixture("qwen3-tied").resolve("golden.json"));
        CliRunner r = CliRunner.run("generate", "--model", referenceGguf().toString(), "--ids", promptIds(), "--max-tokens", "16",
                "--ignore-eos", "--json");
        assertEquals(0, r.status(), r.toString());
        int[] expected = meta.get("generated_ids").valueStream().limit(16).mapToInt(JsonNode::asInt).toArray();
        int[] actual = Json.parse(r.out(), "output").get("token_ids").valueStream().mapToInt(JsonNode::asInt).toArray();
        assertTrue(Arrays.equals(expected, Arrays.copyOf(actual, Math.min(actual.length, expected.length))), r.out());
    }

    @Test
    void convertThenLogitsMatchTheCheckpoint() throws IOException {
        Path out = tmp.resolve("q8.gguf");
        CliRunner c = CliRunner.run("convert", "--model", CliRunner.fixture("qwen3-tied").toString(), "--out", out.toString(), "--type", "q8_0", "--threads", "2");
        assertEquals(0, c.status(), c.toString());
        assertTrue(c.out().contains("wrote"), c.out());
        Path a = tmp.resolve("a.npy");
        Path b = tmp.resolve("b.npy");
        CliRunner r1 = CliRunner.run("logits", "--model", out.toString(), "--ids", promptIds(), "--out", a.toString());
        CliRunner r2 = CliRunner.run("logits", "--model", CliRunner.fixture("qwen3-tied").toString(), "--quantize", "q8_0", "--ids", promptIds(), "--out", b.toString());
        assertEquals(0, r1.status(), r1.toString());
        assertEquals(0, r2.status(), r2.toString());
        // The same weight bytes (convert and --quantize run one quantizer); only the summation order may differ,
        // as the Vector API's lane reductions differ between JIT tiers: the golden tests' 2e-5 of max|logit|.
        float[] x = Npy.read(a).data();
        float[] y = Npy.read(b).data();
        double maxDiff = 0;
        double maxRef = 0;
        for (int i = 0; i < x.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(x[i] - y[i]));
            maxRef = Math.max(maxRef, Math.abs(y[i]));
        }
        assertTrue(maxDiff <= 2e-5 * maxRef, "converted q8_0 GGUF vs checkpoint quantized at load: max diff " + maxDiff + " of " + maxRef);
    }

    @Test
    void klOfAModelAgainstItselfIsZero() {
        CliRunner r = CliRunner.run("kl", "--reference", CliRunner.fixture("qwen3-tied").toString(), "--model", referenceGguf().toString(),
                "--tokens", "8", "--sequences", "2", "--json", "--threads", "1");
        assertEquals(0, r.status(), r.toString());
        JsonNode o = Json.parse(r.out(), "kl output");
        assertTrue(o.get("mean_kl").asDouble() < 1e-9, r.out());
        assertEquals(1.0, o.get("top1_agreement").asDouble());
    }

    @Test
    void corruptGgufBadMagic() throws IOException {
        Path p = brokenCopy(b -> b[0] = 'X');
        assertOneLineError(CliRunner.run("generate", "--model", p.toString(), "--ids", "1"), "model.gguf", "not a GGUF file");
    }

    @Test
    void truncatedGguf() throws IOException {
        byte[] full = Files.readAllBytes(referenceGguf());
        Path p = tmp.resolve("model.gguf");
        Files.write(p, Arrays.copyOf(full, full.length - 1000));
        assertOneLineError(CliRunner.run("logits", "--model", p.toString(), "--ids", "1,2", "--out", tmp.resolve("x.npy").toString()),
                "model.gguf", "truncated");
    }

    @Test
    void unknownTensorTypeId() throws IOException {
        Path p = brokenCopy(b -> {
            int at = indexOf(b, "token_embd.weight") + "token_embd.weight".length() + 4 + 2 * 8; // n_dims, two dims
            ByteBuffer.wrap(b, at, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(99);
        });
        assertOneLineError(CliRunner.run("generate", "--model", p.toString(), "--ids", "1"), "token_embd.weight", "99");
    }

    @Test
    void unsupportedArchitecture() throws IOException {
        Path p = brokenCopy(b -> {
            int at = indexOf(b, "general.architecture") + "general.architecture".length() + 4 + 8; // type, length
            System.arraycopy("llama".getBytes(StandardCharsets.UTF_8), 0, b, at, 5);
        });
        assertOneLineError(CliRunner.run("generate", "--model", p.toString(), "--ids", "1"), "llama", "qwen3");
    }

    @Test
    void convertRefusesAnUnknownModelType() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("m"));
        Path src = CliRunner.fixture("qwen3-tied");
        for (String f : new String[] {"config.json", "model.safetensors"}) {
            Files.copy(src.resolve(f), dir.resolve(f));
        }
        Files.writeString(dir.resolve("config.json"), Files.readString(dir.resolve("config.json")).replace("\"model_type\": \"qwen3\"", "\"model_type\": \"llama\""));
        assertOneLineError(CliRunner.run("convert", "--model", dir.toString(), "--out", tmp.resolve("x.gguf").toString()), "llama", "qwen3");
    }
}
