package io.qwen4j.core;

import io.qwen4j.tensor.FloatMatrix;
import java.util.Arrays;

/**
 * Interleaved multimodal RoPE ("TM-RoPE", omni.md §6.2): each token has three position components
 * (t, h, w) and frequency slot {@code i} of a head turns with the h component when {@code i % 3 == 1} and
 * {@code i < 3·section[1]}, with w when {@code i % 3 == 2} and {@code i < 3·section[2]}, and with t otherwise.
 * The tables it fills are the {@code [T, headDim/2]} cos/sin that {@link io.qwen4j.tensor.Ops#rope} takes; with
 * t = h = w they equal plain {@link Rope} tables. Mirrors {@code Qwen3OmniMoeThinkerTextRotaryEmbedding.forward}
 * and its {@code recomposition_frequencies} (angles {@code position·inv_freq} in float32).
 */
public final class MRope {
    private final float[] invFreq; // (headDim/2)
    private final int[] axis;      // (headDim/2): 0 = t, 1 = h, 2 = w

    /** {@code section} is {@code rope_parameters.mrope_section}, e.g. [24, 20, 20] for head_dim 128. */
    public MRope(int headDim, double theta, int[] section) {
        if (section.length != 3) {
            throw new IllegalArgumentException("mrope_section needs 3 entries (t, h, w), got " + Arrays.toString(section));
        }
        invFreq = Rope.inverseFrequencies(headDim, theta);
        axis = new int[invFreq.length];
        for (int dim = 1; dim <= 2; dim++) {
            for (int i = dim; i < Math.min(3 * section[dim], axis.length); i += 3) {
                axis[i] = dim;
            }
        }
    }

    public int half() {
        return invFreq.length;
    }

    /** Which position component (0 = t, 1 = h, 2 = w) frequency slot {@code i} turns with. */
    public int axis(int i) {
        return axis[i];
    }

    /**
     * Fills {@code cos}/{@code sin} ({@code [n, headDim/2]}) for tokens with position components {@code t[i]},
     * {@code h[i]}, {@code w[i]} (floats, as transformers keeps them).
     */
    public void table(float[] t, float[] h, float[] w, FloatMatrix cos, FloatMatrix sin) {
        int n = t.length;
        if (h.length != n || w.length != n || cos.rows() < n || cos.cols() != invFreq.length || sin.rows() < n || sin.cols() != invFreq.length) {
            throw new IllegalArgumentException("TM-RoPE table for " + n + " positions into " + cos + " / " + sin);
        }
        float[][] components = {t, h, w};
        for (int r = 0; r < n; r++) {
            for (int i = 0; i < invFreq.length; i++) {
                float angle = components[axis[i]][r] * invFreq[i];
                cos.set(r, i, (float) Math.cos(angle));
                sin.set(r, i, (float) Math.sin(angle));
            }
        }
    }
}
