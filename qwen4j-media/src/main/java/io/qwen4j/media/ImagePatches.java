package io.qwen4j.media;

import io.qwen4j.tensor.FloatMatrix;

/**
 * One image ready for the vision encoder: HF's {@code pixel_values} rows and {@code image_grid_thw}.
 *
 * @param pixelValues {@code (gridT*gridH*gridW, 3*temporal*patch*patch)}: one row per patch, listed 2x2
 *                    merge-block by block, each row {@code (channel, t, y, x)} with the image repeated in time
 * @param gridT       1 for an image
 * @param gridH       patch rows
 * @param gridW       patch columns
 * @param mergeSize   patches per side merged into one LLM token
 */
public record ImagePatches(FloatMatrix pixelValues, int gridT, int gridH, int gridW, int mergeSize) {
    /** How many {@code <|image_pad|>} tokens the image becomes. */
    public int tokens() {
        return Placeholders.visionTokens(gridT, gridH, gridW, mergeSize);
    }
}
