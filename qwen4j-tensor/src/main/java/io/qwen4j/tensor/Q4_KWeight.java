package io.qwen4j.tensor;

import static io.qwen4j.tensor.QuantKernels.B;
import static io.qwen4j.tensor.QuantKernels.LE;
import static io.qwen4j.tensor.VectorKernels.F;
import static io.qwen4j.tensor.VectorKernels.I32;
import static jdk.incubator.vector.VectorOperators.B2F;
import static jdk.incubator.vector.VectorOperators.B2I;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHR;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;

/**
 * ggml's {@code block_q4_K}: f16 d, f16 dmin, 12 bytes packing eight 6-bit scales and mins, 128 bytes of
 * nibbles. Each group of 64 values takes 32 bytes: low nibbles are sub-block 2g, high nibbles 2g+1; value
 * = fma(q, d·sc, −dmin·m), one rounding (as ggml's {@code d1 * q - m1} compiles with FMA contraction, GCC's
 * default), which the kernels compute in one instruction.
 */
public final class Q4_KWeight extends QuantizedWeight {
    /** 32 bytes: one group's nibbles in the 16-lane kernel. */
    private static final jdk.incubator.vector.VectorSpecies<Byte> B32 = ByteVector.SPECIES_256;

    public Q4_KWeight(String name, long[] shape, MemorySegment data) {
        super(name, DType.Q4_K, shape, data);
    }

    /** Mirrors {@code dequantize_row_q4_K} (with the multiply-subtract fused). */
    @Override
    public void dequantizeRow(int row, float[] dst, int dstOffset) {
        long base = row * rowBytes;
        for (int b = 0; b < blocksPerRow; b++) {
            long bo = base + 144L * b;
            float d = QuantKernels.f16(data, bo);
            float min = QuantKernels.f16(data, bo + 2);
            int y = dstOffset + 256 * b;
            for (int g = 0; g < 4; g++) {
                int sm0 = QuantKernels.scaleMinK4(data, bo + 4, 2 * g);
                int sm1 = QuantKernels.scaleMinK4(data, bo + 4, 2 * g + 1);
                float d1 = d * (sm0 & 0xFF);
                float m1 = min * (sm0 >> 8);
                float d2 = d * (sm1 & 0xFF);
                float m2 = min * (sm1 >> 8);
                long q = bo + 16 + 32L * g;
                for (int l = 0; l < 32; l++) {
                    dst[y + 64 * g + l] = Math.fma(QuantKernels.u8(data, q + l) & 0xF, d1, -m1);
                    dst[y + 64 * g + 32 + l] = Math.fma(QuantKernels.u8(data, q + l) >> 4, d2, -m2);
                }
            }
        }
    }

    @Override
    boolean fused() {
        return QuantKernels.FUSED;
    }

    @Override
    void widenRow(int row, float[] dst, int dstOffset) {
        widen(data, row * rowBytes, blocksPerRow, dst, dstOffset);
    }

    @Override
    float rowDot(int row, float[] x, int xo, float[] lanes) {
        return dot(data, row * rowBytes, blocksPerRow, x, xo, lanes);
    }

    private static void widen(MemorySegment data, long base, int blocksPerRow, float[] dst, int dstOffset) {
        int step = F.length();
        for (int b = 0; b < blocksPerRow; b++) {
            long bo = base + 144L * b;
            float d = QuantKernels.f16(data, bo);
            float min = QuantKernels.f16(data, bo + 2);
            long lo = data.get(VectorKernels.LONG_LE, bo + 4);
            int hi = data.get(VectorKernels.INT_LE, bo + 12);
            long scales = QuantKernels.scalesK4(lo, hi);
            long mins = QuantKernels.minsK4(lo, hi);
            int y = dstOffset + 256 * b;
            for (int g = 0; g < 4; g++) {
                float d1 = d * (int) ((scales >>> (16 * g)) & 0xFF);
                float m1 = min * (int) ((mins >>> (16 * g)) & 0xFF);
                float d2 = d * (int) ((scales >>> (16 * g + 8)) & 0xFF);
                float m2 = min * (int) ((mins >>> (16 * g + 8)) & 0xFF);
                long q = bo + 16 + 32L * g;
                for (int c = 0; c < 32; c += step) {
                    IntVector raw = (IntVector) ByteVector.fromMemorySegment(B, data, q + c, LE).convertShape(B2I, I32, 0);
                    ((FloatVector) raw.and(0xF).convert(I2F, 0)).fma(d1, -m1).intoArray(dst, y + 64 * g + c);
                    ((FloatVector) raw.lanewise(LSHR, 4).and(0xF).convert(I2F, 0)).fma(d2, -m2).intoArray(dst, y + 64 * g + 32 + c);
                }
            }
        }
    }

    /** Nibbles widened in 32-bit lanes (x86 has no byte shift), scaled as {@code dequantizeRow} scales them. */
    private static float dot(MemorySegment data, long base, int blocksPerRow, float[] x, int xo, float[] lanes) {
        int step = F.length();
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        for (int b = 0; b < blocksPerRow; b++) {
            long bo = base + 144L * b;
            float d = QuantKernels.f16(data, bo);
            float min = QuantKernels.f16(data, bo + 2);
            long lo = data.get(VectorKernels.LONG_LE, bo + 4);
            int hi = data.get(VectorKernels.INT_LE, bo + 12);
            long scales = QuantKernels.scalesK4(lo, hi);
            long mins = QuantKernels.minsK4(lo, hi);
            int y = xo + 256 * b;
            for (int g = 0; g < 4; g++) {
                float d1 = d * (int) ((scales >>> (16 * g)) & 0xFF);
                float m1 = min * (int) ((mins >>> (16 * g)) & 0xFF);
                float d2 = d * (int) ((scales >>> (16 * g + 8)) & 0xFF);
                float m2 = min * (int) ((mins >>> (16 * g + 8)) & 0xFF);
                long q = bo + 16 + 32L * g;
                int xl = y + 64 * g;
                if (step == 16) {
                    // all 32 bytes at once: low nibbles by a mask, high ones by a 16-bit shift and the mask (x86 has
                    // no byte shift), each widened 16 at a time; steps in value order, alternating accumulators
                    ByteVector raw = ByteVector.fromMemorySegment(B32, data, q, LE);
                    ByteVector lo4 = raw.and((byte) 0xF);
                    ByteVector hi4 = raw.reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes().and((byte) 0xF);
                    acc0 = ((FloatVector) lo4.convertShape(B2F, F, 0)).fma(d1, -m1).fma(FloatVector.fromArray(F, x, xl), acc0);
                    acc1 = ((FloatVector) lo4.convertShape(B2F, F, 1)).fma(d1, -m1).fma(FloatVector.fromArray(F, x, xl + 16), acc1);
                    acc0 = ((FloatVector) hi4.convertShape(B2F, F, 0)).fma(d2, -m2).fma(FloatVector.fromArray(F, x, xl + 32), acc0);
                    acc1 = ((FloatVector) hi4.convertShape(B2F, F, 1)).fma(d2, -m2).fma(FloatVector.fromArray(F, x, xl + 48), acc1);
                    continue;
                }
                // steps in value order: the low nibbles (values 64g ..) then the high ones (64g+32 ..), alternating accumulators
                for (int c = 0; c < 32; c += 2 * step) {
                    IntVector r0 = (IntVector) ByteVector.fromMemorySegment(B, data, q + c, LE).convertShape(B2I, I32, 0);
                    IntVector r1 = (IntVector) ByteVector.fromMemorySegment(B, data, q + c + step, LE).convertShape(B2I, I32, 0);
                    acc0 = ((FloatVector) r0.and(0xF).convert(I2F, 0)).fma(d1, -m1).fma(FloatVector.fromArray(F, x, xl + c), acc0);
                    acc1 = ((FloatVector) r1.and(0xF).convert(I2F, 0)).fma(d1, -m1).fma(FloatVector.fromArray(F, x, xl + c + step), acc1);
                }
                for (int c = 0; c < 32; c += 2 * step) {
                    IntVector r0 = (IntVector) ByteVector.fromMemorySegment(B, data, q + c, LE).convertShape(B2I, I32, 0);
                    IntVector r1 = (IntVector) ByteVector.fromMemorySegment(B, data, q + c + step, LE).convertShape(B2I, I32, 0);
                    acc0 = ((FloatVector) r0.lanewise(LSHR, 4).and(0xF).convert(I2F, 0)).fma(d2, -m2).fma(FloatVector.fromArray(F, x, xl + 32 + c), acc0);
                    acc1 = ((FloatVector) r1.lanewise(LSHR, 4).and(0xF).convert(I2F, 0)).fma(d2, -m2).fma(FloatVector.fromArray(F, x, xl + 32 + c + step), acc1);
                }
            }
        }
        acc0.add(acc1).intoArray(lanes, 0);
        return VectorKernels.sumLanes(lanes, 0, step);
    }
}
