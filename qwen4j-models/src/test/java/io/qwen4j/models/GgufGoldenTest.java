package io.qwen4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.core.Batch;
import io.qwen4j.core.CausalLm;
import io.qwen4j.formats.GgufConverter;
import io.qwen4j.formats.Progress;
import io.qwen4j.tensor.FloatMatrix;
import io.qwen4j.tensor.ThreadPool;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Qwen3 loaded from GGUF files: the reference converter's bf16 GGUF gives transformers' logits (the same
 * weights under llama.cpp's names and shapes), its q8_0 GGUF gives the logits of the safetensors checkpoint
 * quantized to Q8_0 at load (the same bytes), and a GGUF written by our convert loads back and matches.
 */
class GgufGoldenTest {
    /** As Qwen3GoldenTest: fp32 compute from the same bf16 weights, only summation order differs. */
    private static final double REL_TOL = 2e-5;

    static FloatMatrix prefillLogits(CausalLm model, int[] prompt) {
        return model.forward(Batch.of(model.newCache(64), prompt, true));
    }

    static void assertLogitsMatchGolden(Golden g, Path modelPath, String what) {
        try (CausalLm model = Architectures.load(modelPath, LoadOptions.defaults().withThreads(2))) {
            int[] prompt = g.ids("prompt_ids");
            List<Golden.Error> errors = new ArrayList<>();
            errors.add(Golden.compare("logits", Golden.rows(prefillLogits(model, prompt)), g.tensor("logits")));
            var cache = model.newCache(64);
            model.forward(Batch.of(cache, prompt, false));
            int[] steps = g.ids("decode_ids");
            float[] expected = g.tensor("decode_logits");
            int vocab = model.info().vocabSize();
            for (int s = 0; s < steps.length; s++) {
                FloatMatrix logits = model.forward(Batch.of(cache, new int[] {steps[s]}, false));
                errors.add(Golden.compare("decode step " + s, Golden.rows(logits), java.util.Arrays.copyOfRange(expected, s * vocab, (s + 1) * vocab)));
            }
            Golden.assertAllClose(errors, REL_TOL, what);
            assertArrayEqualsEos(g, model);
        }
    }

    static void assertArrayEqualsEos(Golden g, CausalLm model) {
        int[] eos = g.ids("eos_token_ids");
        assertTrue(eos.length > 0);
        // a GGUF stores one eos id (tokenizer.ggml.eos_token_id); the fixtures' converter writes none, so none is known
        assertTrue(model.info().eosTokenIds().length <= eos.length);
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3-tied", "qwen3-untied-sharded"})
    void referenceBf16GgufGivesTransformersLogits(String fixture) {
        try (Golden g = Golden.open(fixture)) {
            assertLogitsMatchGolden(g, g.dir.resolve("model-bf16.gguf"), fixture + " model-bf16.gguf");
        }
    }

    @Test
    void referenceQ8GgufEqualsTheCheckpointQuantizedAtLoad() {
        try (Golden g = Golden.open("qwen3-tied");
             CausalLm gguf = Architectures.load(g.dir.resolve("model-q8_0.gguf"), LoadOptions.defaults().withThreads(2));
             CausalLm quantized = Architectures.load(g.dir, LoadOptions.defaults().withThreads(2).withQuantize(LoadOptions.Quantize.Q8_0))) {
            assertEquals("Q8_0", gguf.info().weightTypes());
            assertEquals("Q8_0", quantized.info().weightTypes());
            int[] prompt = g.ids("prompt_ids");
            FloatMatrix a = prefillLogits(gguf, prompt);
            FloatMatrix b = prefillLogits(quantized, prompt);
            // the same weight bytes; only summation order may differ (lane reductions differ between JIT tiers)
            Golden.assertAllClose(List.of(Golden.compare("logits", Golden.rows(a), Golden.rows(b))), REL_TOL, "q8_0 GGUF vs --quantize q8_0");
        }
    }

    @Test
    void ourConvertLoadsBackAndMatches(@TempDir Path tmp) {
        try (Golden g = Golden.open("qwen3-untied-sharded"); ThreadPool pool = ThreadPool.create(2)) {
            Path out = tmp.resolve("converted.gguf");
            GgufConverter.convert(g.dir, out, GgufConverter.Target.BF16, pool, Progress.NONE);
            assertLogitsMatchGolden(g, out, "converted bf16 GGUF");
        }
    }

    @Test
    void q4KMConvertLoadsAndRuns(@TempDir Path tmp) {
        try (Golden g = Golden.open("qwen3-tied"); ThreadPool pool = ThreadPool.create(2)) {
            Path out = tmp.resolve("q4km.gguf");
            GgufConverter.convert(g.dir, out, GgufConverter.Target.Q4_K_M, pool, Progress.NONE);
            try (CausalLm model = Architectures.load(out, LoadOptions.defaults().withThreads(2))) {
                assertEquals("Q5_0+Q8_0", model.info().weightTypes(), "hidden 64: every K type falls back");
                // how far quantization moves the logits is measured by `qwen4j kl`, not asserted here
                for (float v : Golden.rows(prefillLogits(model, g.ids("prompt_ids")))) {
                    assertTrue(Float.isFinite(v));
                }
            }
        }
    }
}
