package io.qwen4j.tensor;

import static io.qwen4j.tensor.QuantKernels.B;
import static io.qwen4j.tensor.QuantKernels.LE;
import static io.qwen4j.tensor.VectorKernels.F;
import static jdk.incubator.vector.VectorOperators.B2F;
import static jdk.incubator.vector.VectorOperators.LSHR;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;

/** ggml's {@code block_q4_0}: f16 d, then 16 bytes; value j is the low nibble of byte j, j+16 the high one; x = d·(q − 8). */
public final class Q4_0Weight extends QuantizedWeight {
    public Q4_0Weight(String name, long[] shape, MemorySegment data) {
        super(name, DType.Q4_0, shape, data);
    }

    /** Mirrors {@code dequantize_row_q4_0}. */
    @Override
    public void dequantizeRow(int row, float[] dst, int dstOffset) {
        long base = row * rowBytes;
        for (int b = 0; b < blocksPerRow; b++) {
            long bo = base + 18L * b;
            float d = QuantKernels.f16(data, bo);
            int o = dstOffset + 32 * b;
            for (int j = 0; j < 16; j++) {
                int q = QuantKernels.u8(data, bo + 2 + j);
                dst[o + j] = ((q & 0xF) - 8) * d;
                dst[o + j + 16] = ((q >> 4) - 8) * d;
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
            long bo = base + 18L * b;
            float d = QuantKernels.f16(data, bo);
            for (int c = 0; c < 16; c += step) {
                ByteVector raw = ByteVector.fromMemorySegment(B, data, bo + 2 + c, LE);
                ((FloatVector) raw.and((byte) 0xF).sub((byte) 8).convertShape(B2F, F, 0)).mul(d).intoArray(dst, dstOffset + 32 * b + c);
                ((FloatVector) raw.lanewise(LSHR, 4).sub((byte) 8).convertShape(B2F, F, 0)).mul(d).intoArray(dst, dstOffset + 32 * b + 16 + c);
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
            long bo = base + 18L * b;
            float d = QuantKernels.f16(data, bo);
            int xb = xo + 32 * b;
            // values 0..15 are the low nibbles, 16..31 the high ones; step i of the block goes to accumulator i & 1
            for (int h = 0; h < 2; h++) {
                for (int c = 0; c < 16; c += step) {
                    ByteVector raw = ByteVector.fromMemorySegment(B, data, bo + 2 + c, LE);
                    ByteVector q = h == 0 ? raw.and((byte) 0xF) : raw.lanewise(LSHR, 4);
                    FloatVector w = ((FloatVector) q.sub((byte) 8).convertShape(B2F, F, 0)).mul(d);
                    FloatVector xv = FloatVector.fromArray(F, x, xb + 16 * h + c);
                    if ((((16 * h + c) / step) & 1) == 0) {
                        acc0 = w.fma(xv, acc0);
                    } else {
                        acc1 = w.fma(xv, acc1);
                    }
                }
            }
        }
        acc0.add(acc1).intoArray(lanes, 0);
        return VectorKernels.sumLanes(lanes, 0, step);
    }
}
