package io.qwen4j.models;

import io.qwen4j.core.CausalLm;
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
        try (Golden g = Golden.open(fixture); CausalLm model = Golden.load(g.dir)) {
            g.assertPrefillMatches(model, REL_TOL);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3-tied", "qwen3-untied-sharded"})
    void decodeStepsThroughTheCacheMatch(String fixture) {
        try (Golden g = Golden.open(fixture); CausalLm model = Golden.load(g.dir)) {
            g.assertDecodeMatches(model, REL_TOL);
        }
    }
}
