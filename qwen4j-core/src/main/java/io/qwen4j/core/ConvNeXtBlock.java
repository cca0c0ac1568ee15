package io.qwen4j.core;

import io.qwen4j.formats.WeightSource;
import io.qwen4j.tensor.FloatMatrix;
import io.qwen4j.tensor.Ops;
import io.qwen4j.tensor.Weight;
import java.util.List;

/**
 * A ConvNeXt block on a channels-last signal {@code [T, C]} (mirrors {@code Qwen3OmniMoeConvNeXtBlock.forward}):
 * depthwise causal conv (k 7, left pad 6) → LayerNorm over channels (eps 1e-6) → Linear C→4C → exact GELU →
 * Linear 4C→C → {@code ⊙ gamma} → plus the block input.
 */
public final class ConvNeXtBlock {
    private static final int KERNEL = 7;
    private static final float LN_EPS = 1e-6f;

    private final int dim;
    private final float[] dw;      // (C, 7) depthwise kernel
    private final float[] dwBias;  // (C)
    private final float[] normW;
    private final float[] normB;
    private final Weight pw1;      // (4C, C)
    private final float[] pw1B;
    private final Weight pw2;      // (C, 4C)
    private final float[] pw2B;
    private final float[] gamma;

    private ConvNeXtBlock(int dim, float[] dw, float[] dwBias, float[] normW, float[] normB, Weight pw1, float[] pw1B, Weight pw2,
                          float[] pw2B, float[] gamma) {
        this.dim = dim;
        this.dw = dw;
        this.dwBias = dwBias;
        this.normW = normW;
        this.normB = normB;
        this.pw1 = pw1;
        this.pw1B = pw1B;
        this.pw2 = pw2;
        this.pw2B = pw2B;
        this.gamma = gamma;
    }

    /** {@code dwconv.conv.{weight,bias}}, {@code norm.*}, {@code pwconv1.*}, {@code pwconv2.*}, {@code gamma} under {@code prefix}. */
    public static ConvNeXtBlock load(WeightSource w, String prefix, int dim) {
        return new ConvNeXtBlock(dim,
                w.require(prefix + "dwconv.conv.weight", dim, 1, KERNEL).toFloatArray(), vector(w, prefix + "dwconv.conv.bias", dim),
                vector(w, prefix + "norm.weight", dim), vector(w, prefix + "norm.bias", dim),
                w.require(prefix + "pwconv1.weight", 4L * dim, dim), vector(w, prefix + "pwconv1.bias", 4 * dim),
                w.require(prefix + "pwconv2.weight", dim, 4L * dim), vector(w, prefix + "pwconv2.bias", dim),
                vector(w, prefix + "gamma", dim));
    }

    private static float[] vector(WeightSource w, String name, int n) {
        return w.require(name, n).toFloatArray();
    }

    public List<Weight> matrices() {
        return List.of(pw1, pw2);
    }

    /** {@code x} ({@code [T, C]}) is updated in place. */
    public void forward(Ops ops, FloatMatrix x) {
        if (x.cols() != dim) {
            throw new IllegalArgumentException("a ConvNeXt block of " + dim + " channels cannot take " + x);
        }
        int t = x.rows();
        FloatMatrix h = new FloatMatrix(t, dim);
        float[] xs = x.data();
        float[] hs = h.data();
        ops.pool().parallelFor(t, Math.max(1, 4096 / dim), (start, end) -> {
            for (int r = start; r < end; r++) {
                for (int c = 0; c < dim; c++) {
                    float acc = 0f;
                    for (int j = 0; j < KERNEL; j++) {
                        int src = r - (KERNEL - 1 - j);
                        if (src >= 0) {
                            acc += dw[c * KERNEL + j] * xs[src * dim + c];
                        }
                    }
                    hs[r * dim + c] = acc + dwBias[c];
                }
            }
        });
        ops.layerNorm(h, normW, normB, LN_EPS, h);
        FloatMatrix wide = new FloatMatrix(t, 4 * dim);
        TiledLinear.forward(ops, pw1, pw1B, h, wide);
        ops.gelu(wide, wide);
        TiledLinear.forward(ops, pw2, pw2B, wide, h);
        for (int r = 0; r < t; r++) {
            int base = r * dim;
            for (int c = 0; c < dim; c++) {
                xs[base + c] += gamma[c] * hs[base + c];
            }
        }
    }
}
