package io.qwen4j.core;

import io.qwen4j.tensor.FloatMatrix;
import io.qwen4j.tensor.Ops;
import io.qwen4j.tensor.Weight;

/**
 * A transposed 1-D convolution of stride {@code s} and kernel {@code k = a·s} trimmed by {@code k−s} samples at
 * both ends (mirrors {@code Qwen3OmniMoeCausalTransConvNet.forward}: {@code ConvTranspose1d} then
 * {@code [..., left_pad : −right_pad]}). {@code L} input samples give {@code (L−a+1)·s} outputs; output sample
 * {@code q·s + p} is {@code bias + Σ_{t<a} W[:, :, p + t·s]ᵀ·x[q+a−1−t]} (input indices relative to the trimmed
 * start), so every kept output sees only whole inputs and no edge needs special handling.
 *
 * <p>Runs as one matmul per tile: the weight {@code [in, out, k]} is repacked to {@code [s·out, a·in]} (row
 * {@code p·out + o}, column {@code u·in + c} for input row {@code q+u}), so the input of output block {@code q} is the
 * contiguous run of rows {@code q … q+a−1} and the output block's {@code s·out} values are {@code s} consecutive
 * channels-last rows.
 */
public final class CausalTransConv1d {
    private final PackedLinear weight; // (s·out, a·in), the bias repeated per phase
    private final int in;
    private final int out;
    private final int stride;
    private final int taps;      // a = k / s

    /** {@code weight} as stored by {@code nn.ConvTranspose1d}: {@code [in, out, k]}, with {@code k} a multiple of {@code stride}. */
    public CausalTransConv1d(Weight weight, float[] bias, int in, int kernel, int stride) {
        long[] sh = weight.shape();
        int out = bias.length;
        if (sh.length != 3 || sh[0] != in || sh[1] != out || sh[2] != kernel) {
            throw new IllegalArgumentException(weight.name() + " is " + java.util.Arrays.toString(sh) + ", not [" + in + ", " + out + ", " + kernel + "]");
        }
        if (kernel % stride != 0) {
            throw new IllegalArgumentException(weight.name() + ": kernel " + kernel + " is not a multiple of stride " + stride);
        }
        int a = kernel / stride;
        float[] w = weight.toFloatArray();
        float[] packed = new float[w.length];
        int width = a * in;
        for (int p = 0; p < stride; p++) {
            for (int o = 0; o < out; o++) {
                int row = (p * out + o) * width;
                for (int u = 0; u < a; u++) {
                    int j = p + (a - 1 - u) * stride;
                    for (int c = 0; c < in; c++) {
                        packed[row + u * in + c] = w[(c * out + o) * kernel + j];
                    }
                }
            }
        }
        float[] b = new float[stride * out];
        for (int p = 0; p < stride; p++) {
            System.arraycopy(bias, 0, b, p * out, out);
        }
        this.weight = new PackedLinear(packed, b, stride * out, width);
        this.in = in;
        this.out = out;
        this.stride = stride;
        this.taps = a;
    }

    /** Weights and biases (the bias counted once). */
    public long parameters() {
        return weight.parameters() - (long) (stride - 1) * out;
    }

    public int outChannels() {
        return out;
    }

    /** Output samples for {@code n} input samples. */
    public int outLength(int n) {
        return Math.max(0, n - taps + 1) * stride;
    }

    /** {@code x} is {@code [L, in]}; returns {@code [(L−a+1)·s, out]}. */
    public FloatMatrix forward(Ops ops, FloatMatrix x) {
        if (x.cols() != in) {
            throw new IllegalArgumentException("a transposed convolution of " + in + " input channels cannot take " + x);
        }
        int blocks = Math.max(0, x.rows() - taps + 1);
        int width = taps * in;
        int rowOut = stride * out;
        FloatMatrix y = new FloatMatrix(blocks * stride, out);
        if (blocks == 0) {
            return y;
        }
        int tile = TiledLinear.tileRows(blocks, width);
        float[] xs = x.data();
        for (int start = 0; start < blocks; start += tile) {
            int n = Math.min(tile, blocks - start);
            FloatMatrix c;
            if (taps == 1) {
                c = new FloatMatrix(java.util.Arrays.copyOfRange(xs, start * in, (start + n) * in), n, width);
            } else {
                c = new FloatMatrix(n, width);
                for (int r = 0; r < n; r++) {
                    System.arraycopy(xs, (start + r) * in, c.data(), r * width, width);
                }
            }
            FloatMatrix p = new FloatMatrix(n, rowOut);
            weight.forward(ops, c, p);
            System.arraycopy(p.data(), 0, y.data(), start * rowOut, n * rowOut);
        }
        return y;
    }
}
