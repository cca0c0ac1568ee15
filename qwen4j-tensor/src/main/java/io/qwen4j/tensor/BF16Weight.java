package io.qwen4j.tensor;

import java.lang.foreign.MemorySegment;

/** bfloat16 storage: the high 16 bits of a float32, widened exactly. */
public final class BF16Weight extends StoredWeight {
    public BF16Weight(String name, long[] shape, MemorySegment data) {
        super(name, DType.BF16, shape, data);
    }

    @Override
    public DType dtype() {
        return DType.BF16;
    }

    @Override
    public void dequantizeRow(int row, float[] dst, int dstOffset) {
        long base = 2L * row * cols;
        for (int c = 0; c < cols; c++) {
            dst[dstOffset + c] = VectorKernels.bf16ToFloat(data.get(VectorKernels.SHORT_LE, base + 2L * c));
        }
    }

    @Override
    public void matmulRows(FloatMatrix x, FloatMatrix out, int rowStart, int rowEnd) {
        checkMatmul(x, out, rowStart, rowEnd);
        if (x.rows() == 1) {
            FloatGemm.bf16Rows(data, cols, x.data(), 0, out.data(), 0, rowStart, rowEnd);
        } else {
            FloatGemm.matmul((row, dst, off) -> VectorKernels.bf16ToFloats(data, 2L * row * cols, dst, off, cols), cols, x, out, rowStart, rowEnd);
        }
    }
}
