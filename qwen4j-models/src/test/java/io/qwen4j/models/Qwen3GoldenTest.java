package io.qwen4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.core.Batch;
import io.qwen4j.core.CausalLm;
import io.qwen4j.core.KvCache;
import io.qwen4j.tensor.FloatMatrix;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Qwen3 dense against transformers: every tap of a prefill, its logits, then cached decode steps. */
class Qwen3GoldenTest {
    /**
     * fp32 compute from bf16 weights on both sides, so only summation order differs: observed errors are
     * about 1e-6 of max|ref| (tools/golden fixtures, 2-3 layers); 2e-5 leaves a 10x margin.
     */
    private static final double REL_TOL = 2e-5;

    @ParameterizedTest
    @ValueSource(strings = {"qwen3-tied", "qwen3-untied-sharded"})
    void prefillTapsAndLogitsMatch(String fixture) {
        try (Golden g = Golden.open(fixture); CausalLm model = Architectures.load(g.dir, LoadOptions.defaults().withThreads(2))) {
            int[] prompt = g.ids("prompt_ids");
            Map<String, float[]> taps = new LinkedHashMap<>();
            KvCache cache = model.newCache(64);
            FloatMatrix logits = model.forward(Batch.of(cache, prompt, true), (name, value) -> taps.put(name, Golden.rows(value)));

            List<Golden.Error> errors = new ArrayList<>();
            List<String> expectedTaps = new ArrayList<>();
            g.meta.get("taps").forEach(t -> expectedTaps.add(t.asText()));
            for (String tap : expectedTaps) {
                assertTrue(taps.containsKey(tap), "the forward pass never reported tap " + tap + "; it reported " + taps.keySet());
                errors.add(Golden.compare(tap, taps.get(tap), g.tensor(tap)));
            }
            errors.sort(java.util.Comparator.comparing(e -> tapOrder(e.name())));
            errors.add(Golden.compare("logits", Golden.rows(logits), g.tensor("logits")));
            Golden.assertAllClose(errors, REL_TOL, fixture + " prefill");
            assertEquals(prompt.length, cache.length());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3-tied", "qwen3-untied-sharded"})
    void decodeStepsThroughTheCacheMatch(String fixture) {
        try (Golden g = Golden.open(fixture); CausalLm model = Architectures.load(g.dir, LoadOptions.defaults().withThreads(2))) {
            KvCache cache = model.newCache(64);
            model.forward(Batch.of(cache, g.ids("prompt_ids"), false));
            int[] steps = g.ids("decode_ids");
            float[] expected = g.tensor("decode_logits");
            int vocab = model.info().vocabSize();
            List<Golden.Error> errors = new ArrayList<>();
            for (int s = 0; s < steps.length; s++) {
                FloatMatrix logits = model.forward(Batch.of(cache, new int[] {steps[s]}, false));
                errors.add(Golden.compare("decode step " + s, Golden.rows(logits), java.util.Arrays.copyOfRange(expected, s * vocab, (s + 1) * vocab)));
            }
            Golden.assertAllClose(errors, REL_TOL, fixture + " decode");
        }
    }

    /** Sorts blk.N.* taps by layer and then in forward order, so the first failure is the first divergence. */
    static String tapOrder(String tap) {
        List<String> order = List.of("attn_norm", "q_norm", "k_norm", "attn_out", "ffn_norm", "ffn_out", "l_out");
        if (tap.equals("inp_embd")) {
            return "0";
        }
        if (tap.startsWith("blk.")) {
            String[] parts = tap.split("\\.", 3);
            return String.format("1%04d%02d", Integer.parseInt(parts[1]), order.indexOf(parts[2]));
        }
        return "2" + tap;
    }
}
