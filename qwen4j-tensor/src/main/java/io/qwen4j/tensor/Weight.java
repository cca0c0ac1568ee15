package io.qwen4j.tensor;

import java.lang.foreign.MemorySegment;

/**
 * A read-only tensor, usually a slice of a memory-mapped checkpoint file. A weight of shape
 * {@code [d0, ..., dn]} (outermost first, as in PyTorch) is seen as a matrix of {@link #rows()} =
 * d0·…·d(n-1) rows of {@link #cols()} = dn elements; a Linear weight {@code [out, in]} computes
 * {@code y = x · Wᵀ}.
 *
 * <p>Each storage type owns two kernels: {@link #dequantizeRow} (the simple, obviously right one the
 * scalar {@link Ops} use as the oracle) and {@link #matmulRows} (the fast one). The fast kernels multiply
 * full-precision activations by the stored weights unpacked in registers, in one summation order per
 * (row, token) whatever the number of tokens, so a token's result has the same bits alone or in a batch.
 */
public interface Weight {
    /** The tensor's name in its file, for messages. */
    String name();

    DType dtype();

    /** Dimensions, outermost first. */
    long[] shape();

    int rows();

    int cols();

    /** The bytes, exactly {@code dtype().bytesFor(rows * cols)} of them. */
    MemorySegment data();

    /** Writes row {@code row} as {@link #cols()} floats into {@code dst} at {@code dstOffset}. */
    void dequantizeRow(int row, float[] dst, int dstOffset);

    /**
     * {@code out[t, r] = Σ_c W[r, c] · x[t, c]} for every row {@code x[t]} of {@code x} and every weight
     * row {@code r} in {@code [rowStart, rowEnd)}. Called concurrently for disjoint row ranges.
     */
    void matmulRows(FloatMatrix x, FloatMatrix out, int rowStart, int rowEnd);

    /** Bytes of storage. */
    default long byteSize() {
        return data().byteSize();
    }

    /** A weight of the given storage type over {@code data}; checks that the size fits the shape. */
    static Weight of(String name, DType dtype, long[] shape, MemorySegment data) {
        return switch (dtype) {
            case F32 -> new F32Weight(name, shape, data);
            case F16 -> new F16Weight(name, shape, data);
            case BF16 -> new BF16Weight(name, shape, data);
            case Q8_0 -> new Q8_0Weight(name, shape, data);
            case Q4_0 -> new Q4_0Weight(name, shape, data);
            case Q4_1, Q5_0, Q5_1 -> new LegacyQuantWeight(name, dtype, shape, data);
            case Q4_K -> new Q4_KWeight(name, shape, data);
            case Q5_K -> new Q5_KWeight(name, shape, data);
            case Q6_K -> new Q6_KWeight(name, shape, data);
        };
    }

    /** The whole tensor as floats (small tensors only: norms, biases). */
    default float[] toFloatArray() {
        long n = (long) rows() * cols();
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException(name() + " has " + n + " elements, too many for one array");
        }
        float[] out = new float[(int) n];
        for (int r = 0; r < rows(); r++) {
            dequantizeRow(r, out, r * cols());
        }
        return out;
    }
}
