package io.qwen4j.cli;

import static io.qwen4j.cli.BadInputTest.assertOneLineError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.formats.GgufFile;
import io.qwen4j.formats.Json;
import io.qwen4j.tensor.DType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code qwen4j bench}: the JSON it prints, the synthetic GGUF it saves for llama-bench, its one-line errors. */
class BenchCommandTest {
    @TempDir
    Path tmp;

    @Test
    void jsonHasOneObjectPerTestWithMedianMinMaxAndWeightTraffic() throws Exception {
        Path gguf = CliRunner.fixture("qwen3-tied").resolve("model-q8_0.gguf");
        CliRunner r = CliRunner.run("bench", "--model", gguf.toString(), "-p", "8", "-n", "4", "-t", "1", "-r", "3", "--json",
                "--no-bandwidth");
        assertEquals(0, r.status(), r.toString());
        JsonNode a = Json.MAPPER.readTree(r.out());
        assertEquals(2, a.size(), r.out());
        assertEquals(List.of("pp8", "tg4"), List.of(a.get(0).get("test").asText(), a.get(1).get("test").asText()));
        for (JsonNode o : a) {
            assertEquals(1, o.get("threads").asInt());
            assertTrue(o.get("type").asText().contains("Q8_0"), o.toString());
            double median = o.get("tokens_per_second").asDouble();
            assertTrue(o.get("min").asDouble() <= median && median <= o.get("max").asDouble(), o.toString());
            assertEquals(3, o.get("samples").size());
            assertTrue(o.get("model_size").asLong() > 0 && o.get("n_params").asLong() > 0, o.toString());
        }
        JsonNode tg = a.get(1);
        assertEquals(tg.get("tokens_per_second").asDouble() * tg.get("decode_bytes_per_token").asLong() / 1e9, tg.get("gbps").asDouble(),
                1e-9);
        assertTrue(!a.get(0).has("gbps"), "no weight traffic for prompt processing");
    }

    @Test
    void saveGgufWritesLlamaCppNamesTypesAndATokenizer() throws Exception {
        Path out = tmp.resolve("synthetic.gguf");
        CliRunner r = CliRunner.run("bench", "--synthetic", "qwen3-0.6b:layers=1", "--type", "q4_0", "--save-gguf", out.toString(),
                "-p", "0", "-n", "0");
        assertEquals(0, r.status(), r.toString());
        try (GgufFile f = GgufFile.open(out)) {
            assertEquals("qwen3", f.string("general.architecture").orElseThrow());
            assertEquals(2L, f.integer("general.file_type").orElseThrow());
            assertEquals(1L, f.integer("qwen3.block_count").orElseThrow());
            assertEquals(151936, f.array("tokenizer.ggml.tokens").orElseThrow().size());
            assertTrue(f.array("tokenizer.ggml.merges").isPresent());
            // llama-quantize's Q4_0 mixture: the (tied) output tensor in Q6_K, matrices in Q4_0, norms in F32
            assertEquals(DType.Q6_K, f.tensors().get("token_embd.weight").dtype());
            assertEquals(DType.Q4_0, f.tensors().get("blk.0.attn_q.weight").dtype());
            assertEquals(DType.Q4_0, f.tensors().get("blk.0.ffn_down.weight").dtype());
            assertEquals(DType.F32, f.tensors().get("blk.0.attn_norm.weight").dtype());
        }
        CliRunner b = CliRunner.run("bench", "--model", out.toString(), "-p", "4", "-n", "2", "-t", "1", "-r", "1", "--no-bandwidth");
        assertEquals(0, b.status(), b.toString());
        assertTrue(b.out().contains("| tg2 |"), b.out());
    }

    @Test
    void typeAndSaveGgufNeedASyntheticModel() {
        Path gguf = CliRunner.fixture("qwen3-tied").resolve("model-q8_0.gguf");
        assertOneLineError(CliRunner.run("bench", "--model", gguf.toString(), "--type", "q8_0"), "--synthetic");
        assertOneLineError(CliRunner.run("bench", "--model", gguf.toString(), "-p", "0", "-n", "0"), "nothing to measure");
        assertOneLineError(CliRunner.run("bench", "--synthetic", "qwen3-0.6b", "--save-gguf", tmp.toString()), "folder");
        assertTrue(Files.isDirectory(tmp));
    }
}
