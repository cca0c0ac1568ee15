package io.qwen4j.tensor;

import static io.qwen4j.tensor.QuantKernels.B;
import static io.qwen4j.tensor.QuantKernels.F;
import static io.qwen4j.tensor.QuantKernels.I;
import static io.qwen4j.tensor.QuantKernels.LE;
import static io.qwen4j.tensor.QuantKernels.S;
import static io.qwen4j.tensor.QuantKernels.W;
import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.B2S;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHL;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;

/**
 * ggml's {@code block_q5_K}: f16 d, f16 dmin, 12 bytes of 6-bit scales and mins, 32 bytes of fifth bits
 * (bit 2g of byte l for value 64g+l, bit 2g+1 for 64g+32+l), 128 bytes of nibbles laid out as in Q4_K.
 */
public final class Q5_KWeight extends QuantizedWeight {
    public Q5_KWeight(String name, long[] shape, MemorySegment data) {
        super(name, DType.Q5_K, shape, data);
    }

    @Override
    int activationBlock() {
        return DType.QK_K;
    }

    /** Mirrors {@code dequantize_row_q5_K}. */
    @Override
    public void dequantizeRow(int row, float[] dst, int dstOffset) {
        long base = row * rowBytes;
        for (int b = 0; b < blocksPerRow; b++) {
            long bo = base + 176L * b;
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
                long ql = bo + 48 + 32L * g;
                for (int l = 0; l < 32; l++) {
                    int qh = QuantKernels.u8(data, bo + 16 + l);
                    int q = QuantKernels.u8(data, ql + l);
                    dst[y + 64 * g + l] = d1 * ((q & 0xF) + ((qh >> (2 * g)) & 1) * 16) - m1;
                    dst[y + 64 * g + 32 + l] = d2 * ((q >> 4) + ((qh >> (2 * g + 1)) & 1) * 16) - m2;
                }
            }
        }
    }

    /** Mirrors {@code ggml_vec_dot_q5_K_q8_K}; as Q4_K with the fifth bit or-ed into each value. */
    @Override
    float rowDot(long base, Q8Activations x, int t) {
        byte[] xq = x.q;
        FloatVector acc = FloatVector.zero(F);
        float mins = 0f;
        for (int b = 0; b < blocksPerRow; b++) {
            long bo = base + 176L * b;
            int xo = t * cols + 256 * b;
            int s16 = xo >> 4;
            IntVector sum = IntVector.zero(I);
            int minSum = 0;
            for (int g = 0; g < 4; g++) {
                int sm0 = QuantKernels.scaleMinK4(data, bo + 4, 2 * g);
                int sm1 = QuantKernels.scaleMinK4(data, bo + 4, 2 * g + 1);
                IntVector s0 = IntVector.zero(I);
                IntVector s1 = IntVector.zero(I);
                for (int c = 0; c < 32; c += W) {
                    ShortVector raw = (ShortVector) ByteVector.fromMemorySegment(B, data, bo + 48 + 32L * g + c, LE).convertShape(B2S, S, 0);
                    ShortVector qh = (ShortVector) ByteVector.fromMemorySegment(B, data, bo + 16 + c, LE).convertShape(B2S, S, 0);
                    ShortVector x0 = (ShortVector) ByteVector.fromArray(B, xq, xo + 64 * g + c).convertShape(B2S, S, 0);
                    ShortVector x1 = (ShortVector) ByteVector.fromArray(B, xq, xo + 64 * g + 32 + c).convertShape(B2S, S, 0);
                    ShortVector lo = raw.and((short) 0xF).or(qh.lanewise(ASHR, 2 * g).and((short) 1).lanewise(LSHL, 4));
                    ShortVector hi = raw.lanewise(ASHR, 4).and((short) 0xF).or(qh.lanewise(ASHR, 2 * g + 1).and((short) 1).lanewise(LSHL, 4));
                    IntVector p0 = lo.mul(x0).reinterpretAsInts();
                    IntVector p1 = hi.mul(x1).reinterpretAsInts();
                    s0 = s0.add(p0.lanewise(LSHL, 16).lanewise(ASHR, 16)).add(p0.lanewise(ASHR, 16));
                    s1 = s1.add(p1.lanewise(LSHL, 16).lanewise(ASHR, 16)).add(p1.lanewise(ASHR, 16));
                }
                sum = sum.add(s0.mul(sm0 & 0xFF)).add(s1.mul(sm1 & 0xFF));
                minSum += (sm0 >> 8) * (x.sums16[s16 + 4 * g] + x.sums16[s16 + 4 * g + 1])
                        + (sm1 >> 8) * (x.sums16[s16 + 4 * g + 2] + x.sums16[s16 + 4 * g + 3]);
            }
            float dx = x.d[t * blocksPerRow + b];
            acc = ((FloatVector) sum.convert(I2F, 0)).fma(FloatVector.broadcast(F, QuantKernels.f16(data, bo) * dx), acc);
            mins += QuantKernels.f16(data, bo + 2) * dx * minSum;
        }
        float[] lanes = VectorKernels.lanes();
        acc.intoArray(lanes, 0);
        return VectorKernels.sumLanes(lanes, 0, F.length()) - mins;
    }
}
