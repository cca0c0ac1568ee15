package io.qwen4j.tensor;

import java.lang.foreign.MemorySegment;

/** bfloat16 storage: the high 16 bits of a float32, widened exactly. */
public final class BF16Weight extends StoredWeight {
    private static final ThreadLocal<float[]> ROW = ThreadLocal.withInitial(() -> new float[0]);

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
        float[] xs = x.data();
        float[] os = out.data();
        int oc = out.cols();
        int tokens = x.rows();
        if (tokens == 1) {
            for (int r = rowStart; r < rowEnd; r++) {
                os[r] = VectorKernels.dotBf16(data, 2L * r * cols, xs, 0, cols);
            }
            return;
        }
        // Several tokens: widen each weight row once, then reuse it for every token.
        float[] row = scratch(cols);
        for (int r = rowStart; r < rowEnd; r++) {
            VectorKernels.bf16ToFloats(data, 2L * r * cols, row, 0, cols);
            for (int t = 0; t < tokens; t++) {
                os[t * oc + r] = VectorKernels.dot(row, 0, xs, t * cols, cols);
            }
        }
    }

    static float[] scratch(int n) {
        float[] buf = ROW.get();
        if (buf.length < n) {
            buf = new float[n];
            ROW.set(buf);
        }
        return buf;
    }
}
