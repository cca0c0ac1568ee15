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
        float[] xs = x.data();
        float[] os = out.data();
        int oc = out.cols();
        float[] row = BF16Weight.scratch(cols);
        for (int r = rowStart; r < rowEnd; r++) {
            VectorKernels.f16ToFloats(data, 2L * r * cols, row, 0, cols);
            for (int t = 0; t < x.rows(); t++) {
                os[t * oc + r] = VectorKernels.dot(row, 0, xs, t * cols, cols);
            }
        }
    }
}
