package io.qwen4j.media;

import io.qwen4j.tensor.FloatMatrix;

/**
 * One audio clip ready for the audio encoder: HF's {@code input_features} and the sum of its
 * {@code feature_attention_mask}.
 *
 * @param features    {@code (128, frames)}: log-mel bins by 10 ms frames, as HF lays them out
 * @param validFrames frames the encoder reads (the rest is padding of a batch; all of them for one clip)
 */
public record AudioFeatures(FloatMatrix features, int validFrames) {
    public int frames() {
        return features.cols();
    }

    /** How many {@code <|audio_pad|>} tokens the clip becomes. */
    public int tokens() {
        return Placeholders.audioTokens(validFrames);
    }
}
