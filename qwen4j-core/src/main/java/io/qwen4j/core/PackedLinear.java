package io.qwen4j.core;

import io.qwen4j.tensor.FloatMatrix;
import io.qwen4j.tensor.Ops;

/**
 * A float32 weight matrix held in a Java array (a convolution kernel repacked at load) and its bias:
 * {@code out[t, r] = bias[r] + Σ_c w[r, c]·x[t, c]}, parallel over weight rows, each row's dot products through
 * {@link Ops#dot}. The caller keeps {@code x} small enough to stay in cache (see {@link TiledLinear}).
 */
public final class PackedLinear {
    private final float[] weight; // (rows, cols) row-major
    private final float[] bias;   // (rows)
    private final int rows;
    private final int cols;

    public PackedLinear(float[] weight, float[] bias, int rows, int cols) {
        if ((long) rows * cols != weight.length || bias.length != rows) {
            throw new IllegalArgumentException(weight.length + " weights and " + bias.length + " biases are not " + rows + "x" + cols);
        }
        this.weight = weight;
        this.bias = bias;
        this.rows = rows;
        this.cols = cols;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public long parameters() {
        return (long) rows * cols + rows;
    }

    /** {@code out} ({@code [x.rows, rows]}) {@code = x·Wᵀ + bias}. */
    public void forward(Ops ops, FloatMatrix x, FloatMatrix out) {
        if (x.cols() != cols || out.cols() != rows || out.rows() != x.rows()) {
            throw new IllegalArgumentException("a " + rows + "x" + cols + " matrix cannot map " + x + " to " + out);
        }
        int n = x.rows();
        float[] xs = x.data();
        float[] os = out.data();
        ops.pool().parallelFor(rows, 4, (start, end) -> {
            for (int r = start; r < end; r++) {
                int w = r * cols;
                float b = bias[r];
                for (int t = 0; t < n; t++) {
                    os[t * rows + r] = ops.dot(weight, w, xs, t * cols, cols) + b;
                }
            }
        });
    }
}
