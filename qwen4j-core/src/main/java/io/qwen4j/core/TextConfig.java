package io.qwen4j.core;

import io.qwen4j.common.ModelFileException;
import io.qwen4j.formats.ConfigJson;

/**
 * The hyperparameters every Qwen3-family text decoder shares (dense, MoE, the Omni thinker's text
 * model): text.md §1.1. Each architecture's own config record holds one of these next to its MLP fields.
 *
 * @param vocabSize      rows of embed_tokens / lm_head
 * @param hidden         H
 * @param layers         decoder layers
 * @param heads          query heads
 * @param kvHeads        GQA groups
 * @param headDim        explicit: NOT hidden/heads in Qwen3 (0.6B: 128 vs 64)
 * @param rmsEps         ε of every RMSNorm, q/k norms included
 * @param ropeTheta      RoPE base
 * @param tiedEmbeddings the LM head is the embedding matrix
 * @param contextLength  max_position_embeddings
 * @param eosTokenIds    from generation_config.json, else config.json
 */
public record TextConfig(
        int vocabSize,
        int hidden,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        float rmsEps,
        double ropeTheta,
        boolean tiedEmbeddings,
        int contextLength,
        int[] eosTokenIds) {

    /** Reads the shared fields, accepting the transformers 4.x and 5.x spellings. */
    public static TextConfig read(ConfigJson c, ConfigJson generation) {
        int hidden = c.requireInt("hidden_size");
        int heads = c.requireInt("num_attention_heads");
        // transformers falls back to hidden/heads when head_dim is absent; released Qwen3 configs set it.
        int headDim = c.optionalInt("head_dim").orElse(hidden / heads);
        double theta = c.section("rope_parameters").flatMap(r -> r.optionalDouble("rope_theta"))
                .orElseGet(() -> c.doubleOr(10000.0, "rope_theta"));
        String ropeType = c.section("rope_parameters").flatMap(r -> r.string("rope_type", "type"))
                .or(() -> c.section("rope_scaling").flatMap(r -> r.string("rope_type", "type")))
                .orElse("default");
        if (!ropeType.equals("default")) {
            throw new ModelFileException(c.where() + ": rope_type '" + ropeType + "' is not supported yet (only 'default')");
        }
        int[] eos = generation.intList("eos_token_id");
        if (eos.length == 0) {
            eos = c.intList("eos_token_id");
        }
        return new TextConfig(
                c.requireInt("vocab_size"), hidden, c.requireInt("num_hidden_layers"), heads, c.intOr(heads, "num_key_value_heads"),
                headDim, (float) c.doubleOr(1e-6, "rms_norm_eps"), theta, c.boolOr(true, "tie_word_embeddings"),
                c.intOr(40960, "max_position_embeddings"), eos);
    }
}
