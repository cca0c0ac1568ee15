package io.qwen4j.core;

/**
 * Bilinear resampling weights with aligned corners along one axis: target index {@code i} of {@code size}
 * reads source {@code src = i·(side−1)/(size−1)} (0 when {@code size} is 1) from its two neighbours
 * {@code floor(src)} and {@code floor(src)+1} (clamped to the border) with weights {@code 1 − |src − tap|}.
 * Mirrors {@code transformers.vision_utils._interpolation_axis_taps_weights(mode="bilinear",
 * align_corners=True)}, in float32 and in the same order of operations, so the weights are bit-identical.
 */
public record Bilinear(int[] lo, int[] hi, float[] loWeight, float[] hiWeight) {

    /** The taps of every target index {@code 0..size-1} into a source axis of {@code side} values. */
    public static Bilinear alignCorners(int size, int side) {
        if (size < 1 || side < 1) {
            throw new IllegalArgumentException("resampling " + side + " values to " + size);
        }
        int[] lo = new int[size];
        int[] hi = new int[size];
        float[] wLo = new float[size];
        float[] wHi = new float[size];
        float denominator = Math.max(size - 1, 1);
        for (int i = 0; i < size; i++) {
            float src = (float) i * (side - 1) / denominator;
            float floor = (float) Math.floor(src);
            lo[i] = Math.clamp((long) floor, 0, side - 1);
            hi[i] = Math.clamp((long) floor + 1, 0, side - 1);
            wLo[i] = Math.max(1f - Math.abs(src - floor - 0f), 0f);
            wHi[i] = Math.max(1f - Math.abs(src - floor - 1f), 0f);
        }
        return new Bilinear(lo, hi, wLo, wHi);
    }
}
