package io.qwen4j.core;

import io.qwen4j.tensor.FloatMatrix;
import io.qwen4j.tensor.Ops;
import io.qwen4j.tensor.Weight;

/** {@code nn.Linear} and convolution weights seen as matrices: plain functions over {@link Ops}. */
public final class Linear {
    private Linear() {}

    /** {@code out = x·Wᵀ + bias} (mirrors {@code nn.Linear.forward}); {@code out} is {@code [x.rows, w.rows]}. */
    public static void forward(Ops ops, Weight w, float[] bias, FloatMatrix x, FloatMatrix out) {
        ops.matmul(w, x, out);
        addBias(ops, bias, out);
    }

    /** {@code x[t] += bias} for every row. */
    public static void addBias(Ops ops, float[] bias, FloatMatrix x) {
        if (bias.length != x.cols()) {
            throw new IllegalArgumentException("a bias of " + bias.length + " added to " + x);
        }
        for (int t = 0; t < x.rows(); t++) {
            ops.axpy(1f, bias, 0, x.data(), x.offset(t), x.cols());
        }
    }

    /**
     * The same stored tensor seen as a {@code [rows, cols]} matrix, e.g. a Conv weight {@code [out, in, kh, kw]}
     * as {@code [out, in·kh·kw]} (PyTorch's row-major order is kept: column {@code (c·kh + y)·kw + x}).
     */
    public static Weight asMatrix(Weight w, long rows, long cols) {
        if ((long) w.rows() * w.cols() != rows * cols) {
            throw new IllegalArgumentException(w.name() + " has " + (long) w.rows() * w.cols() + " elements, not " + rows + "x" + cols);
        }
        return Weight.of(w.name(), w.dtype(), new long[] {rows, cols}, w.data());
    }
}
