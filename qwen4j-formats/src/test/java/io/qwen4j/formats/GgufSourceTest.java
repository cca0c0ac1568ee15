package io.qwen4j.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.tensor.DType;
import io.qwen4j.tensor.Weight;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** GGUF files written by the reference writer, seen through the name table as HF checkpoints. */
class GgufSourceTest {
    @ParameterizedTest
    @ValueSource(strings = {"qwen3-tied", "qwen3-untied-sharded"})
    void bf16GgufHoldsTheCheckpointUnderItsHfNames(String fixture) {
        Path dir = Fixtures.path("golden/" + fixture);
        try (GgufSource gguf = GgufSource.open(dir.resolve("model-bf16.gguf")); SafeTensorsSource st = SafeTensorsSource.open(dir)) {
            assertEquals(new TreeSet<>(st.names()), new TreeSet<>(gguf.names()), "the name table maps gguf-py's names back");
            for (String name : st.names()) {
                TensorInfo a = st.info(name).orElseThrow();
                TensorInfo b = gguf.info(name).orElseThrow();
                assertArrayEquals(a.shape(), b.shape(), name);
                Weight wa = st.weight(name);
                Weight wb = gguf.weight(name);
                DType expectedType = a.shape().length == 1 ? DType.F32 : DType.BF16; // norms are written F32
                assertEquals(expectedType, wb.dtype(), name);
                assertArrayEquals(wa.toFloatArray(), wb.toFloatArray(), name);
            }
            ConfigJson hf = ConfigJson.read(dir.resolve("config.json"));
            ConfigJson derived = gguf.config();
            assertEquals("qwen3", derived.string("model_type").orElseThrow());
            for (String key : new String[] {"hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
                    "num_key_value_heads", "head_dim", "max_position_embeddings", "vocab_size"}) {
                assertEquals(hf.requireInt(key), derived.requireInt(key), key);
            }
            assertEquals((float) hf.doubleOr(1e-6, "rms_norm_eps"), (float) derived.requireDouble("rms_norm_eps"));
            double theta = hf.section("rope_parameters").flatMap(r -> r.optionalDouble("rope_theta")).orElseThrow();
            assertEquals(theta, derived.requireDouble("rope_theta"));
            assertEquals(hf.boolOr(true, "tie_word_embeddings"), derived.boolOr(false, "tie_word_embeddings"));
        }
    }

    @Test
    void stackedExpertsReadAsOneTensorPerExpert() {
        Path dir = Fixtures.path("gguf");
        try (GgufSource gguf = GgufSource.open(dir.resolve("moe.gguf")); SafeTensorsFile expected = SafeTensorsFile.open(dir.resolve("moe-expected.safetensors"))) {
            Set<String> names = new TreeSet<>(gguf.names());
            assertEquals(new TreeSet<>(expected.tensors().keySet()), names);
            for (String name : expected.tensors().keySet()) {
                Weight w = gguf.weight(name);
                assertArrayEquals(expected.tensors().get(name).shape(), w.shape(), name);
                assertArrayEquals(expected.weight(name).toFloatArray(), w.toFloatArray(), name);
            }
            assertEquals(DType.Q4_K, gguf.weight("model.layers.0.mlp.experts.2.gate_proj.weight").dtype());
            assertEquals(DType.F32, gguf.weight("model.layers.0.mlp.gate.weight").dtype());
            ConfigJson c = gguf.config();
            assertEquals("qwen3_moe", c.string("model_type").orElseThrow());
            assertEquals(3, c.requireInt("num_experts"));
            assertEquals(2, c.requireInt("num_experts_per_tok"));
            assertEquals(32, c.requireInt("moe_intermediate_size"));
            assertEquals(64, c.requireInt("head_dim"));
            assertTrue(c.boolOr(false, "norm_topk_prob"));
            assertArrayEquals(new int[] {7}, gguf.generationConfig().intList("eos_token_id"));
        }
    }

    @Test
    void theNameTableGoesBothWays() {
        for (TensorNames.Rule r : TensorNames.RULES) {
            String gguf = r.gguf().replace("{i}", "5");
            String hf = r.hf().replace("{i}", "5").replace("{e}", "7");
            TensorNames.Match m = TensorNames.fromHf(hf).orElseThrow();
            assertEquals(gguf, m.gguf());
            assertEquals(hf, TensorNames.fromGguf(gguf).orElseThrow().hf(r.experts() ? 7 : -1));
            assertEquals(r.experts() ? 7 : -1, m.expert());
        }
    }
}
