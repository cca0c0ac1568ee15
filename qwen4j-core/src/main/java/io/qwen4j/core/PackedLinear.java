package io.qwen4j.core;

import io.qwen4j.tensor.DType;
import io.qwen4j.tensor.FloatMatrix;
import io.qwen4j.tensor.Ops;
import io.qwen4j.tensor.Weight;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A float32 weight matrix built in memory (a convolution kernel repacked at load) and its bias:
 * {@code out[t, r] = bias[r] + Σ_c w[r, c]·x[t, c]}, one {@link Ops#matmul} (the weight is an F32 {@link Weight} off
 * the heap, so the tensor module's float kernels run it).
 */
public final class PackedLinear {
    private final Weight weight;  // (rows, cols) F32
    private final float[] bias;   // (rows)
    private final int rows;
    private final int cols;

    public PackedLinear(float[] weight, float[] bias, int rows, int cols) {
        if ((long) rows * cols != weight.length || bias.length != rows) {
            throw new IllegalArgumentException(weight.length + " weights and " + bias.length + " biases are not " + rows + "x" + cols);
        }
        MemorySegment data = Arena.ofAuto().allocate(4L * weight.length, 64);
        MemorySegment.copy(weight, 0, data, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, weight.length);
        this.weight = Weight.of("packed", DType.F32, new long[] {rows, cols}, data);
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
        Linear.forward(ops, weight, bias, x, out);
    }
}
