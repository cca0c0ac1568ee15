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
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
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
    private static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

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

    @Override
    int metaInts() {
        return 18;
    }

    /** Block b's eight 6-bit scales, eight mins, d and dmin (float bits) at {@code meta[18b ..]}. */
    private void decodeScales(long base, int[] meta) {
        for (int b = 0; b < blocksPerRow; b++) {
            long bo = base + 144L * b;
            long lo = data.get(LONG_LE, bo + 4);   // scale bytes 0..7
            int hi = data.get(INT_LE, bo + 12);    // scale bytes 8..11
            int m = 18 * b;
            for (int j = 0; j < 4; j++) {
                int sj = (int) (lo >>> (8 * j)) & 0xFF;
                int sj4 = (int) (lo >>> (8 * j + 32)) & 0xFF;
                int sj8 = (hi >>> (8 * j)) & 0xFF;
                meta[m + j] = sj & 63;
                meta[m + 8 + j] = sj4 & 63;
                meta[m + 4 + j] = (sj8 & 0xF) | ((sj >> 6) << 4);
                meta[m + 12 + j] = (sj8 >> 4) | ((sj4 >> 6) << 4);
            }
            meta[m + 16] = Float.floatToRawIntBits(QuantKernels.f16(data, bo));
            meta[m + 17] = Float.floatToRawIntBits(QuantKernels.f16(data, bo + 2));
        }
    }

    @Override
    void rowDots(long base, Q8Activations x, int tokens, float[] os, int o, int oc, int[] meta) {
        decodeScales(base, meta);
        for (int t = 0; t < tokens; t++) {
            os[o + t * oc] = dot(base, x, t, meta);
        }
    }

    @Override
    float rowDot(long base, Q8Activations x, int t) {
        int[] meta = new int[18 * blocksPerRow];
        decodeScales(base, meta);
        return dot(base, x, t, meta);
    }

    /**
     * Mirrors {@code ggml_vec_dot_q4_K_q8_K}: per sub-block integer sums times its 6-bit scale, one float
     * scale per block; the mins come off through the activation's per-16 sums. Products are multiplied in
     * 16-bit lanes and adjacent pairs summed into 32-bit lanes ((p + (p << 16)) >> 16: the pair fits in 16
     * bits, see {@link Q8Activations}).
     */
    private float dot(long base, Q8Activations x, int t, int[] meta) {
        short[] xq = x.qs;
        int[] sums16 = x.sums16;
        FloatVector acc = FloatVector.zero(F);
        float mins = 0f;
        for (int b = 0; b < blocksPerRow; b++) {
            long q = base + 144L * b + 16;
            int xo = t * cols + 256 * b;
            int m = 18 * b;
            IntVector sum = IntVector.zero(I);
            for (int g = 0; g < 4; g++) {
                int sc0 = meta[m + 2 * g];
                int sc1 = meta[m + 2 * g + 1];
                for (int c = 0; c < 32; c += W) {
                    ShortVector raw = (ShortVector) ByteVector.fromMemorySegment(B, data, q + 32L * g + c, LE).convertShape(B2S, S, 0);
                    IntVector p0 = raw.and((short) 0xF).mul(ShortVector.fromArray(S, xq, xo + 64 * g + c)).reinterpretAsInts();
                    IntVector p1 = raw.lanewise(ASHR, 4).and((short) 0xF).mul(ShortVector.fromArray(S, xq, xo + 64 * g + 32 + c)).reinterpretAsInts();
                    p0 = p0.add(p0.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                    p1 = p1.add(p1.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                    sum = sum.add(p0.mul(sc0)).add(p1.mul(sc1));
                }
            }
            int s16 = xo >> 4;
            int minSum = 0;
            for (int j = 0; j < 8; j++) {
                minSum += meta[m + 8 + j] * (sums16[s16 + 2 * j] + sums16[s16 + 2 * j + 1]);
            }
            float dx = x.d[t * blocksPerRow + b];
            acc = ((FloatVector) sum.convert(I2F, 0)).fma(FloatVector.broadcast(F, Float.intBitsToFloat(meta[m + 16]) * dx), acc);
            mins += Float.intBitsToFloat(meta[m + 17]) * dx * minSum;
        }
        float s;
        if (QuantKernels.BUTTERFLY) { // VectorKernels.sumLanes's order, inline: a helper taking a vector risks boxing
            FloatVector v = acc;
            if (F.length() > 8) {
                v = v.add(v.rearrange(VectorKernels.SWAP8));
            }
            if (F.length() > 4) {
                v = v.add(v.rearrange(VectorKernels.SWAP4));
            }
            if (F.length() > 2) {
                v = v.add(v.rearrange(VectorKernels.SWAP2));
            }
            if (F.length() > 1) {
                v = v.add(v.rearrange(VectorKernels.SWAP1));
            }
            s = v.reduceLanes(jdk.incubator.vector.VectorOperators.MAX);
        } else {
            float[] lanes = VectorKernels.lanes();
            acc.intoArray(lanes, 0);
            s = VectorKernels.sumLanes(lanes, 0, F.length());
        }
        return s - mins;
    }
}
