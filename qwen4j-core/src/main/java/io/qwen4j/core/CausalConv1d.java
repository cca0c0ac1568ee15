package io.qwen4j.core;

import io.qwen4j.tensor.FloatMatrix;
import io.qwen4j.tensor.Ops;
import io.qwen4j.tensor.Weight;

/**
 * A causal 1-D convolution of stride 1: {@code (k−1)·dilation} zeros on the left, none on the right, so output
 * {@code t} sees inputs {@code t−(k−1)·d … t} and the length is kept (mirrors {@code Qwen3OmniMoeCausalConvNet.forward}
 * with stride 1, where the "extra padding" is always 0). Signals are channels-last: {@code [T, C]}, row {@code t}
 * holding the channels of sample {@code t}.
 *
 * <p>Runs as matmuls over im2col tiles: the weight {@code [out, in, k]} is repacked once, tap-major ({@code [out, k·in]},
 * column {@code j·in + c}), so with dilation 1 the im2col row of sample {@code t} is the contiguous run of input rows
 * {@code t−k+1 … t}.
 */
public final class CausalConv1d {

    private final PackedLinear weight; // (out, k·in) tap-major
    private final float[] bias;  // (out)
    private final int in;
    private final int kernel;
    private final int dilation;

    /** {@code weight} as stored by {@code nn.Conv1d}: {@code [out, in, k]}. */
    public CausalConv1d(Weight weight, float[] bias, int in, int kernel, int dilation) {
        long[] s = weight.shape();
        if (s.length != 3 || s[0] != bias.length || s[1] != in || s[2] != kernel) {
            throw new IllegalArgumentException(weight.name() + " is " + java.util.Arrays.toString(s) + ", not [" + bias.length + ", " + in + ", " + kernel + "]");
        }
        float[] w = weight.toFloatArray();
        int out = bias.length;
        float[] packed = new float[w.length];
        for (int o = 0; o < out; o++) {
            for (int c = 0; c < in; c++) {
                for (int j = 0; j < kernel; j++) {
                    packed[(o * kernel + j) * in + c] = w[(o * in + c) * kernel + j];
                }
            }
        }
        this.weight = new PackedLinear(packed, bias, out, kernel * in);
        this.bias = bias;
        this.in = in;
        this.kernel = kernel;
        this.dilation = dilation;
    }

    public int inChannels() {
        return in;
    }

    public int outChannels() {
        return bias.length;
    }

    /** Weights and biases. */
    public long parameters() {
        return weight.parameters();
    }

    /** {@code x} is {@code [T, in]}; returns {@code [T, out]}. */
    public FloatMatrix forward(Ops ops, FloatMatrix x) {
        if (x.cols() != in) {
            throw new IllegalArgumentException("a convolution of " + in + " input channels cannot take " + x);
        }
        int t = x.rows();
        int out = bias.length;
        int width = kernel * in;
        FloatMatrix y = new FloatMatrix(t, out);
        int tile = TiledLinear.tileRows(t, width);
        FloatMatrix cols = new FloatMatrix(tile, width);
        FloatMatrix part = new FloatMatrix(tile, out);
        float[] xs = x.data();
        for (int start = 0; start < t; start += tile) {
            int n = Math.min(tile, t - start);
            FloatMatrix c = n == tile ? cols : new FloatMatrix(n, width);
            FloatMatrix p = n == tile ? part : new FloatMatrix(n, out);
            float[] cs = c.data();
            java.util.Arrays.fill(cs, 0f);
            for (int r = 0; r < n; r++) {
                for (int j = 0; j < kernel; j++) {
                    int src = start + r - (kernel - 1 - j) * dilation;
                    if (src >= 0) {
                        System.arraycopy(xs, src * in, cs, r * width + j * in, in);
                    }
                }
            }
            weight.forward(ops, c, p);
            System.arraycopy(p.data(), 0, y.data(), start * out, n * out);
        }
        return y;
    }
}
