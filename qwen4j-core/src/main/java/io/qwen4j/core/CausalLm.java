package io.qwen4j.core;

import io.qwen4j.tensor.FloatMatrix;

/** A decoder-only language model, ready to run: whatever the architecture, this is what engines see. */
public interface CausalLm extends AutoCloseable {
    ModelInfo info();

    /** An empty cache for one sequence of at most {@code maxTokens} tokens. */
    KvCache newCache(int maxTokens);

    /**
     * Runs the batch, appending its tokens to each chunk's cache, and returns logits {@code [rows, vocab]}:
     * for each chunk in order, one row per token when it asks for all logits, else one for its last token.
     */
    FloatMatrix forward(Batch batch, Taps taps);

    /**
     * Bytes of weights one decoded token reads (every active matmul weight once, one embedding row):
     * the numerator of the memory-bandwidth bound on decode speed.
     */
    default long decodeBytesPerToken() {
        return info().weightBytes();
    }

    /**
     * Prepares the media of a fully expanded prompt (its placeholders exactly as many as the media make, as
     * transformers' processor expands them) for chunks of that prompt to carry: positions now, encoders on first
     * use. Text-only models refuse media.
     */
    default PromptMedia prepare(int[] prompt, MediaInputs media) {
        if (media.isEmpty()) {
            return PromptMedia.NONE;
        }
        throw new io.qwen4j.common.InvalidInputException(info().architecture() + " reads text only; images, audio and video need"
                + " a Qwen3-Omni model");
    }

    /**
     * The placeholder and start ids of the media blocks {@link #prepare} reads, when the model takes images, audio
     * or video (what turns media files into {@link MediaInputs} in placeholder order needs them); empty for text models.
     */
    default java.util.Optional<MropePositions.TokenIds> mediaTokens() {
        return java.util.Optional.empty();
    }

    default FloatMatrix forward(Batch batch) {
        return forward(batch, Taps.NONE);
    }

    @Override
    void close();
}
