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
 * ggml's {@code block_q4_K}: f16 d, f16 dmin, 12 bytes packing eight 6-bit scales and mins, 128 bytes of
 * nibbles. Each group of 64 values takes 32 bytes: low nibbles are sub-block 2g, high nibbles 2g+1; value
 * = d·sc·q − dmin·m.
 */
public final class Q4_KWeight extends QuantizedWeight {
    public Q4_KWeight(String name, long[] shape, MemorySegment data) {
        super(name, DType.Q4_K, shape, data);
    }

    @Override
    int activationBlock() {
        return DType.QK_K;
    }

    /** Mirrors {@code dequantize_row_q4_K}. */
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
                    dst[y + 64 * g + l] = d1 * (QuantKernels.u8(data, q + l) & 0xF) - m1;
                    dst[y + 64 * g + 32 + l] = d2 * (QuantKernels.u8(data, q + l) >> 4) - m2;
                }
            }
        }
    }

    /**
     * Mirrors {@code ggml_vec_dot_q4_K_q8_K}: per sub-block integer sums times its 6-bit scale, one float
     * scale per block; the mins come off through the activation's per-16 sums.
     */
    @Override
    float rowDot(long base, Q8Activations x, int t) {
        byte[] xq = x.q;
        FloatVector acc = FloatVector.zero(F);
        float mins = 0f;
        for (int b = 0; b < blocksPerRow; b++) {
            long bo = base + 144L * b;
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
                    ShortVector raw = (ShortVector) ByteVector.fromMemorySegment(B, data, bo + 16 + 32L * g + c, LE).convertShape(B2S, S, 0);
                    ShortVector x0 = (ShortVector) ByteVector.fromArray(B, xq, xo + 64 * g + c).convertShape(B2S, S, 0);
                    ShortVector x1 = (ShortVector) ByteVector.fromArray(B, xq, xo + 64 * g + 32 + c).convertShape(B2S, S, 0);
                    IntVector p0 = raw.and((short) 0xF).mul(x0).reinterpretAsInts();
                    IntVector p1 = raw.lanewise(ASHR, 4).and((short) 0xF).mul(x1).reinterpretAsInts();
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
        return VectorKernels.sum(acc) - mins;
    }
}
