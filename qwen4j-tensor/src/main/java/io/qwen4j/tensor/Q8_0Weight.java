package io.qwen4j.tensor;

import static io.qwen4j.tensor.QuantKernels.B;
import static io.qwen4j.tensor.QuantKernels.LE;
import static io.qwen4j.tensor.VectorKernels.F;
import static jdk.incubator.vector.VectorOperators.B2F;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;

/** ggml's {@code block_q8_0}: f16 d, then 32 signed bytes; value = q·d. */
public final class Q8_0Weight extends QuantizedWeight {
    /** A block's 32 bytes in the 16-lane kernel. */
    private static final jdk.incubator.vector.VectorSpecies<Byte> B32 = ByteVector.SPECIES_256;

    public Q8_0Weight(String name, long[] shape, MemorySegment data) {
        super(name, DType.Q8_0, shape, data);
    }

    /** Mirrors {@code dequantize_row_q8_0}. */
    @Override
    public void dequantizeRow(int row, float[] dst, int dstOffset) {
        long base = row * rowBytes;
        for (int b = 0; b < blocksPerRow; b++) {
            long bo = base + 34L * b;
            float d = QuantKernels.f16(data, bo);
            for (int j = 0; j < 32; j++) {
                dst[dstOffset + 32 * b + j] = data.get(ValueLayout.JAVA_BYTE, bo + 2 + j) * d;
            }
        }
    }

    @Override
    boolean fused() {
        return QuantKernels.FUSED;
    }

    @Override
    void widenRow(int row, float[] dst, int dstOffset) {
        long base = row * rowBytes;
        int step = F.length();
        for (int b = 0; b < blocksPerRow; b++) {
            long bo = base + 34L * b;
            float d = QuantKernels.f16(data, bo);
            for (int c = 0; c < 32; c += step) {
                ((FloatVector) ByteVector.fromMemorySegment(B, data, bo + 2 + c, LE).convertShape(B2F, F, 0)).mul(d)
                        .intoArray(dst, dstOffset + 32 * b + c);
            }
        }
    }

    @Override
    float rowDot(int row, float[] x, int xo, float[] lanes) {
        return dot(data, row * rowBytes, blocksPerRow, x, xo, lanes);
    }

    private static float dot(MemorySegment data, long base, int blocksPerRow, float[] x, int xo, float[] lanes) {
        int step = F.length();
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        for (int b = 0; b < blocksPerRow; b++) {
            long bo = base + 34L * b + 2;
            float d = QuantKernels.f16(data, bo - 2);
            int xb = xo + 32 * b;
            if (step == 16) { // the block's 32 bytes in one load, widened 16 at a time
                ByteVector q = ByteVector.fromMemorySegment(B32, data, bo, LE);
                acc0 = ((FloatVector) q.convertShape(B2F, F, 0)).mul(d).fma(FloatVector.fromArray(F, x, xb), acc0);
                acc1 = ((FloatVector) q.convertShape(B2F, F, 1)).mul(d).fma(FloatVector.fromArray(F, x, xb + 16), acc1);
                continue;
            }
            for (int c = 0; c < 32; c += 2 * step) {
                FloatVector w0 = ((FloatVector) ByteVector.fromMemorySegment(B, data, bo + c, LE).convertShape(B2F, F, 0)).mul(d);
                FloatVector w1 = ((FloatVector) ByteVector.fromMemorySegment(B, data, bo + c + step, LE).convertShape(B2F, F, 0)).mul(d);
                acc0 = w0.fma(FloatVector.fromArray(F, x, xb + c), acc0);
                acc1 = w1.fma(FloatVector.fromArray(F, x, xb + c + step), acc1);
            }
        }
        acc0.add(acc1).intoArray(lanes, 0);
        return VectorKernels.sumLanes(lanes, 0, step);
    }
}
