package io.qwen4j.core;

import io.qwen4j.tensor.FloatMatrix;
import io.qwen4j.tensor.Ops;
import io.qwen4j.tensor.Weight;

/**
 * A 2-D convolution with square kernel, equal stride and zero padding on both axes, as one matmul over an
 * im2col matrix (mirrors {@code nn.Conv2d.forward}). Images are channels-last: {@code [h·w, c]}, row
 * {@code y·w + x} holding the {@code c} channels of pixel (y, x).
 */
public final class Conv2d {
    private final Weight weight; // (out, in·k·k), columns in PyTorch order (c, ky, kx)
    private final float[] bias;  // (out)
    private final int in;
    private final int kernel;
    private final int stride;
    private final int padding;

    /** {@code weight} as stored, {@code [out, in, k, k]}. */
    public Conv2d(Weight weight, float[] bias, int in, int kernel, int stride, int padding) {
        this.weight = Linear.asMatrix(weight, bias.length, (long) in * kernel * kernel);
        this.bias = bias;
        this.in = in;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
    }

    public int outChannels() {
        return bias.length;
    }

    /** Output size along an axis of {@code n} input pixels. */
    public int outSize(int n) {
        return (n + 2 * padding - kernel) / stride + 1;
    }

    /** {@code x} is {@code [h·w, in]}; returns {@code [outSize(h)·outSize(w), out]}. */
    public FloatMatrix forward(Ops ops, FloatMatrix x, int h, int w) {
        if (x.rows() != h * w || x.cols() != in) {
            throw new IllegalArgumentException("a " + h + "x" + w + " image of " + in + " channels cannot be " + x);
        }
        int ho = outSize(h);
        int wo = outSize(w);
        int k2 = kernel * kernel;
        FloatMatrix cols = new FloatMatrix(ho * wo, in * k2); // zeros where the kernel overlaps the padding
        float[] xs = x.data();
        float[] cs = cols.data();
        for (int oy = 0; oy < ho; oy++) {
            for (int ox = 0; ox < wo; ox++) {
                int row = (oy * wo + ox) * in * k2;
                for (int ky = 0; ky < kernel; ky++) {
                    int iy = oy * stride - padding + ky;
                    if (iy < 0 || iy >= h) {
                        continue;
                    }
                    for (int kx = 0; kx < kernel; kx++) {
                        int ix = ox * stride - padding + kx;
                        if (ix < 0 || ix >= w) {
                            continue;
                        }
                        int src = (iy * w + ix) * in;
                        int dst = row + ky * kernel + kx;
                        for (int c = 0; c < in; c++) {
                            cs[dst + c * k2] = xs[src + c];
                        }
                    }
                }
            }
        }
        FloatMatrix out = new FloatMatrix(ho * wo, bias.length);
        Linear.forward(ops, weight, bias, cols, out);
        return out;
    }
}
