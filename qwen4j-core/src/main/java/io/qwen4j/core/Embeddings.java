package io.qwen4j.core;

import io.qwen4j.common.InvalidInputException;
import io.qwen4j.common.ModelFileException;
import io.qwen4j.formats.WeightSource;
import io.qwen4j.tensor.FloatMatrix;
import io.qwen4j.tensor.Ops;
import io.qwen4j.tensor.Weight;

/**
 * Both ends of a Qwen3-family decoder (text.md §2, §2.6): the token embedding going in (no scaling), the
 * final RMSNorm and the LM head coming out.
 *
 * @param embed   (vocab, H) model.embed_tokens.weight
 * @param outNorm (H)        model.norm.weight
 * @param lmHead  (vocab, H) lm_head.weight, or {@code embed} when tied
 */
record Embeddings(Weight embed, float[] outNorm, Weight lmHead) {

    /** Declares the tensors with their shapes; a missing {@code lm_head.weight} means tied (text.md §1.2). */
    static Embeddings load(WeightSource w, TextConfig c) {
        int h = c.hidden();
        Weight embed = w.require("model.embed_tokens.weight", c.vocabSize(), h);
        Weight lmHead = w.contains("lm_head.weight") ? w.require("lm_head.weight", c.vocabSize(), h) : embed;
        if (!c.tiedEmbeddings() && lmHead == embed) {
            throw new ModelFileException("lm_head.weight is missing from " + w.description() + " and tie_word_embeddings is false");
        }
        return new Embeddings(embed, w.require("model.norm.weight", h).toFloatArray(), lmHead);
    }

    /** Row {@code r} of {@code x} becomes the embedding of {@code tokens[r]}; ids outside the vocabulary are rejected. */
    void lookup(int[] tokens, FloatMatrix x) {
        int vocab = embed.rows();
        for (int r = 0; r < tokens.length; r++) {
            if (tokens[r] < 0 || tokens[r] >= vocab) {
                throw new InvalidInputException("token id " + tokens[r] + " is outside the vocabulary [0, " + vocab + ")");
            }
            embed.dequantizeRow(tokens[r], x.data(), x.offset(r));
        }
    }

    /** Logits {@code [rows.length, vocab]} of the given rows of the normed {@code x}. */
    FloatMatrix logits(Ops ops, FloatMatrix x, int[] rows) {
        int h = x.cols();
        FloatMatrix picked = new FloatMatrix(rows.length, h);
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(x.data(), x.offset(rows[i]), picked.data(), picked.offset(i), h);
        }
        FloatMatrix logits = new FloatMatrix(rows.length, lmHead.rows());
        ops.matmul(lmHead, picked, logits);
        return logits;
    }
}
