package io.qwen4j.tensor;

import java.lang.foreign.MemorySegment;

/**
 * A block-quantized weight: rows are whole blocks ({@code cols} a multiple of the block size), so row
 * {@code r} starts at byte {@code r · rowBytes}. Subclasses own the block layout: {@link #dequantizeRow}
 * is the oracle, {@link #matmulRows(MatmulInput, FloatMatrix, int, int)} the fast kernel.
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

    /** Values per block of the activation this kernel wants (32 or 256); 0 for plain floats. */
    abstract int activationBlock();

    @Override
    public MatmulInput prepare(FloatMatrix x) {
        int block = activationBlock();
        return block == 0 ? MatmulInput.of(x) : Q8Activations.of(MatmulInput.of(x), block);
    }

    @Override
    public void matmulRows(FloatMatrix x, FloatMatrix out, int rowStart, int rowEnd) {
        matmulRows(prepare(x), out, rowStart, rowEnd);
    }

    @Override
    public void matmulRows(MatmulInput in, FloatMatrix out, int rowStart, int rowEnd) {
        checkMatmul(in.floats(), out, rowStart, rowEnd);
        int block = activationBlock();
        if (block == 0) {
            matmulFloats(in.floats(), out, rowStart, rowEnd);
        } else {
            matmulQ8(Q8Activations.of(in, block), out, rowStart, rowEnd);
        }
    }

    /** Per-thread scratch of {@link #rowDots}: a row's block scales decoded once for all tokens. */
    private static final ThreadLocal<int[]> META = ThreadLocal.withInitial(() -> new int[0]);

    /** The integer kernels: one scalar result per (weight row, token), so no vector crosses a call. */
    void matmulQ8(Q8Activations x, FloatMatrix out, int rowStart, int rowEnd) {
        float[] os = out.data();
        int oc = out.cols();
        int tokens = x.x.rows();
        int[] meta = META.get();
        int need = metaInts() * blocksPerRow;
        if (meta.length < need) {
            meta = new int[need];
            META.set(meta);
        }
        for (int r = rowStart; r < rowEnd; r++) {
            rowDots(r * rowBytes, x, tokens, os, r, oc, meta);
        }
    }

    /** Ints per block of the decoded scales {@link #rowDots} keeps; 0 for types that decode as they go. */
    int metaInts() {
        return 0;
    }

    /**
     * {@code os[o + t·oc]} = weight row at byte {@code rowOffset} · token {@code t}, for every token;
     * {@code meta} holds {@link #metaInts()} ints per block for the row's decoded scales.
     */
    void rowDots(long rowOffset, Q8Activations x, int tokens, float[] os, int o, int oc, int[] meta) {
        for (int t = 0; t < tokens; t++) {
            os[o + t * oc] = rowDot(rowOffset, x, t);
        }
    }

    /** Weight row at byte {@code rowOffset} · token {@code t} of the quantized activation; for {@code activationBlock() > 0}. */
    float rowDot(long rowOffset, Q8Activations x, int t) {
        throw new UnsupportedOperationException(dtype + " has no integer kernel");
    }

    /** Dequantizes each row once into a float tile, then the tiled float kernel. */
    void matmulFloats(FloatMatrix x, FloatMatrix out, int rowStart, int rowEnd) {
        FloatGemm.matmul(this::dequantizeRow, cols, x, out, rowStart, rowEnd);
    }
}
