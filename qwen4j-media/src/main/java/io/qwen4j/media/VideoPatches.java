package io.qwen4j.media;

import io.qwen4j.tensor.FloatMatrix;

/**
 * One video ready for the vision encoder: HF's {@code pixel_values_videos}, {@code video_grid_thw} and
 * {@code video_second_per_grid}.
 *
 * @param pixelValues   {@code (gridT*gridH*gridW, 1536)}: temporal patch by temporal patch, each as an image
 * @param gridT         temporal patches (frame pairs; an odd last frame is repeated)
 * @param gridH         patch rows
 * @param gridW         patch columns
 * @param mergeSize     patches per side merged into one LLM token
 * @param secondPerGrid seconds one temporal patch spans: temporal patch size / sampling fps
 */
public record VideoPatches(FloatMatrix pixelValues, int gridT, int gridH, int gridW, int mergeSize, double secondPerGrid) {
    /** How many {@code <|video_pad|>} tokens the video becomes (without audio interleaving). */
    public int tokens() {
        return Placeholders.visionTokens(gridT, gridH, gridW, mergeSize);
    }
}
