package io.qwen4j.tensor;

import java.lang.foreign.MemorySegment;

/** IEEE half-precision storage. */
public final class F16Weight extends StoredWeight {
    public F16Weight(String name, long[] shape, MemorySegment data) {
        super(name, DType.F16, shape, data);
    }

    @Override
    public DType dtype() {
        return DType.F16;
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOffset) {
        long base = 2L * row * cols;
        for (int c = 0; c < cols; c++) {
            dst[dstOffset + c] = Float.float16ToFloat(data.get(VectorKernels.SHORT_LE, base + 2L * c));
        }
    }

    @Override
    public void matmulRows(FloatMatrix x, FloatMatrix out, int rowStart, int rowEnd) {
        checkMatmul(x, out, rowStart, rowEnd);
        FloatGemm.matmul((row, dst, off) -> VectorKernels.f16ToFloats(data, 2L * row * cols, dst, off, cols), cols, x, out, rowStart, rowEnd);
    }
}
