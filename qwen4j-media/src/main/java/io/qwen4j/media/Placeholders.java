package io.qwen4j.media;

/**
 * How many placeholder tokens a media item becomes in the prompt (tokenizer.md 6): {@code <|audio_pad|>}
 * per audio-encoder output frame, {@code <|image_pad|>} / {@code <|video_pad|>} per merged 2x2 patch block.
 */
public final class Placeholders {
    /** The audio encoder's chunk: {@code 2 * n_window} mel frames (n_window 50). */
    public static final int AUDIO_CHUNK_FRAMES = 100;
    /** Output frames of one full chunk after the three stride-2 convolutions. */
    public static final int TOKENS_PER_AUDIO_CHUNK = 13;

    private Placeholders() {}

    /**
     * {@code <|audio_pad|>} tokens for {@code featureLen} valid mel frames. Mirrors
     * {@code _get_feat_extract_output_lengths} in transformers' {@code processing_qwen3_omni_moe.py}.
     */
    public static int audioTokens(int featureLen) {
        int leave = featureLen % AUDIO_CHUNK_FRAMES;
        int feat = Math.floorDiv(leave - 1, 2) + 1;
        return Math.floorDiv(Math.floorDiv(feat - 1, 2) + 1 - 1, 2) + 1 + (featureLen / AUDIO_CHUNK_FRAMES) * TOKENS_PER_AUDIO_CHUNK;
    }

    /** {@code <|image_pad|>} or {@code <|video_pad|>} tokens for a patch grid. */
    public static int visionTokens(int gridT, int gridH, int gridW, int mergeSize) {
        return gridT * gridH * gridW / (mergeSize * mergeSize);
    }
}
