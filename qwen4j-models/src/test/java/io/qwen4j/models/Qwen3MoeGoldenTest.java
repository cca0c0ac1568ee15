package io.qwen4j.models;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.core.CausalLm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Qwen3-MoE against transformers: every tap of a prefill (router logits {@code blk.N.ffn_moe_logits}
 * included), its logits, cached decode steps, and a prefill split into chunks. Fixtures: 8 experts top-2
 * with norm_topk_prob, every layer sparse; 6 experts top-3 without it, layers 1 and 5 sparse, the others dense.
 */
class Qwen3MoeGoldenTest {
    /**
     * As for Qwen3 (fp32 from bf16 on both sides, only summation order differs), and make_qwen3_moe.py
     * rejects fixtures whose routing decisions are within 1e-4 of a tie, so rounding never picks another expert.
     */
    private static final double REL_TOL = 2e-5;

    @ParameterizedTest
    @ValueSource(strings = {"qwen3-moe-e8k2-tied", "qwen3-moe-e6k3-mixed"})
    void prefillTapsRouterLogitsAndLogitsMatch(String fixture) {
        try (Golden g = Golden.open(fixture); CausalLm model = Golden.load(g.dir)) {
            assertTrue(g.meta.get("taps").toString().contains("ffn_moe_logits"), fixture + " should carry router logits");
            g.assertPrefillMatches(model, REL_TOL);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3-moe-e8k2-tied", "qwen3-moe-e6k3-mixed"})
    void decodeStepsThroughTheCacheMatch(String fixture) {
        try (Golden g = Golden.open(fixture); CausalLm model = Golden.load(g.dir)) {
            g.assertDecodeMatches(model, REL_TOL);
        }
    }

    /** Other row sets reach each expert than in one prefill; the cache joins the chunks. */
    @ParameterizedTest
    @ValueSource(strings = {"qwen3-moe-e8k2-tied", "qwen3-moe-e6k3-mixed"})
    void chunkedPrefillMatches(String fixture) {
        try (Golden g = Golden.open(fixture); CausalLm model = Golden.load(g.dir)) {
            g.assertChunkedPrefillMatches(model, REL_TOL, 5, 1, 6);
        }
    }

    /** transformers 4.x wrote num_experts where 5.x writes num_local_experts; both load the same model. */
    @Test
    void theTransformers4SpellingOfTheExpertCountLoads(@TempDir Path tmp) throws IOException {
        try (Golden g = Golden.open("qwen3-moe-e8k2-tied")) {
            try (var files = Files.list(g.dir)) {
                for (Path f : files.toList()) {
                    Files.copy(f, tmp.resolve(f.getFileName()));
                }
            }
            Path config = tmp.resolve("config.json");
            String text = Files.readString(config);
            assertTrue(text.contains("\"num_local_experts\""), text);
            Files.writeString(config, text.replace("\"num_local_experts\"", "\"num_experts\""));
            assertFalse(Files.readString(config).contains("num_local_experts"));
            try (CausalLm model = Golden.load(tmp)) {
                g.assertPrefillMatches(model, REL_TOL);
            }
        }
    }
}
