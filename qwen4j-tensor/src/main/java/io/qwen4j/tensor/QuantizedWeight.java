package io.qwen4j.tensor;

import java.lang.foreign.MemorySegment;

/**
 * A block-quantized weight: rows are whole blocks ({@code cols} a multiple of the block size), so row
 * {@code r} starts at byte {@code r · rowBytes}. Subclasses own the block layout: {@link #dequantizeRow} is
 * the oracle; the fast path multiplies full-precision activations by the dequantized weights in
 * {@link FloatGemm}'s canonical order, so a token's result has the same bits alone or in a batch:
 * <ul>
 *   <li>one token (decode): {@link #rowDot}, which unpacks each block in registers and multiplies it at
 *       once, reading the stored bytes once in one sequential stream;</li>
 *   <li>several tokens (prefill, batched decode): {@link #widenRow} into a float tile once per block of
 *       tokens, then {@link FloatGemm}'s register tiles, so each weight block is unpacked once for
 *       {@link FloatGemm#TOKEN_BLOCK} tokens rather than once per token.</li>
 * </ul>
 * Activations are not quantized (llama.cpp quantizes them to 8 bits per block for its integer kernels):
 * the Vector API has no widening byte dot product, so integer kernels bought no speed in Java, and float
 * activations make the product more exact.
 */
abstract class QuantizedWeight extends StoredWeight {
    protected final DType dtype;
    protected final long rowBytes;
    protected final int blocksPerRow;

    QuantizedWeight(String name, DType dtype, long[] shape, MemorySegment data) {
        super(name, dtype, checkRowBlocks(name, dtype, shape), data);
        this.dtype = dtype;
        this.blocksPerRow = cols / dtype.blockSize();
        this.rowBytes = (long) blocksPerRow * dtype.blockBytes();
    }

    private static long[] checkRowBlocks(String name, DType dtype, long[] shape) {
        long cols = shape.length == 0 ? 1 : shape[shape.length - 1];
        if (cols % dtype.blockSize() != 0) {
            throw new IllegalArgumentException(name + ": " + dtype + " rows must be multiples of " + dtype.blockSize()
                    + " values, but the row length is " + cols);
        }
        return shape;
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    /** Whether this type has vectorized {@link #widenRow} and {@link #rowDot} kernels on this machine. */
    boolean fused() {
        return false;
    }

    /** {@link #dequantizeRow}, vectorized, with the same bits; for {@link #fused()} types. */
    void widenRow(int row, float[] dst, int dstOffset) {
        dequantizeRow(row, dst, dstOffset);
    }

    /**
     * Row {@code row} · {@code x[xo .. xo+cols)} in the canonical order, unpacking as it goes, for
     * {@link #fused()} types; {@code lanes} is {@link VectorKernels#lanes()}, fetched once per matmul.
     */
    float rowDot(int row, float[] x, int xo, float[] lanes) {
        throw new UnsupportedOperationException(dtype + " has no fused kernel");
    }

    @Override
    public void matmulRows(FloatMatrix x, FloatMatrix out, int rowStart, int rowEnd) {
        checkMatmul(x, out, rowStart, rowEnd);
        if (!fused()) {
            FloatGemm.matmul(this::dequantizeRow, cols, x, out, rowStart, rowEnd);
        } else if (x.rows() == 1) {
            float[] xs = x.data();
            float[] os = out.data();
            float[] lanes = VectorKernels.lanes();
            for (int r = rowStart; r < rowEnd; r++) {
                os[r] = rowDot(r, xs, 0, lanes);
            }
        } else {
            FloatGemm.matmul(this::widenRow, cols, x, out, rowStart, rowEnd);
        }
    }
}
