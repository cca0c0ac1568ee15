package io.qwen4j.core;

import io.qwen4j.tensor.FloatMatrix;

/**
 * Rotary position tables for the rotate-half layout: {@code inv_freq[i] = 1 / theta^(2i/d)} and, for
 * position p, angles {@code p·inv_freq[i]}, all in float32 as transformers computes them
 * (mirrors {@code Qwen3RotaryEmbedding.compute_default_rope_parameters} and {@code forward}).
 */
public final class Rope {
    /** The cos and sin of every row's angles, {@code [rows, headDim/2]} each. */
    public record Table(FloatMatrix cos, FloatMatrix sin) {}

    private final float[] invFreq; // (headDim/2)
    private final Scratch scratch = new Scratch();

    public Rope(int headDim, double theta) {
        invFreq = inverseFrequencies(headDim, theta);
    }

    /** {@code inv_freq[i] = 1 / theta^(2i/d)} for {@code i < d/2}, the exponent in float32 as torch computes it. */
    public static float[] inverseFrequencies(int headDim, double theta) {
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("head_dim must be even for RoPE, got " + headDim);
        }
        float[] inv = new float[headDim / 2];
        for (int i = 0; i < inv.length; i++) {
            float exponent = (float) (2 * i) / headDim;
            inv[i] = 1.0f / (float) Math.pow(theta, exponent);
        }
        return inv;
    }

    public int half() {
        return invFreq.length;
    }

    /** The table of the given positions, in buffers this Rope reuses: valid until its next call. */
    public Table table(int[] positions) {
        FloatMatrix cos = scratch.get(0, positions.length, half());
        FloatMatrix sin = scratch.get(1, positions.length, half());
        table(positions, cos, sin);
        return new Table(cos, sin);
    }

    /** Fills {@code cos}/{@code sin} ({@code [positions.length, headDim/2]}) for the given positions. */
    public void table(int[] positions, FloatMatrix cos, FloatMatrix sin) {
        int half = invFreq.length;
        for (int t = 0; t < positions.length; t++) {
            float p = positions[t];
            for (int i = 0; i < half; i++) {
                float angle = p * invFreq[i];
                cos.set(t, i, (float) Math.cos(angle));
                sin.set(t, i, (float) Math.sin(angle));
            }
        }
    }
}
