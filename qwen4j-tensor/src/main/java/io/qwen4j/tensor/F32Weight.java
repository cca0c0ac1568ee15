package io.qwen4j.tensor;

import java.lang.foreign.MemorySegment;

/** Little-endian IEEE float32 storage. */
public final class F32Weight extends StoredWeight {
    public F32Weight(String name, long[] shape, MemorySegment data) {
        super(name, DType.F32, shape, data);
    }

    /** An in-memory weight over a copy of {@code values}. */
    public static F32Weight of(String name, long[] shape, float[] values) {
        MemorySegment seg = MemorySegment.ofArray(new byte[values.length * 4]);
        for (int i = 0; i < values.length; i++) {
            seg.set(VectorKernels.FLOAT_LE, 4L * i, values[i]);
        }
        return new F32Weight(name, shape, seg);
    }

    @Override
    public DType dtype() {
        return DType.F32;
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOffset) {
        long base = 4L * row * cols;
        for (int c = 0; c < cols; c++) {
            dst[dstOffset + c] = data.get(VectorKernels.FLOAT_LE, base + 4L * c);
        }
    }

    @Override
    public void matmulRows(FloatMatrix x, FloatMatrix out, int rowStart, int rowEnd) {
        checkMatmul(x, out, rowStart, rowEnd);
        if (x.rows() == 1) {
            FloatGemm.f32Rows(data, cols, x.data(), 0, out.data(), 0, rowStart, rowEnd);
        } else {
            FloatGemm.matmul((row, dst, off) -> MemorySegment.copy(data, VectorKernels.FLOAT_LE, 4L * row * cols, dst, off, cols), cols, x, out, rowStart, rowEnd);
        }
    }
}
