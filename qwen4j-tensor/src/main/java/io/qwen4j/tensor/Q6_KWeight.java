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
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml's {@code block_q6_K}: 128 bytes of low nibbles, 64 bytes of high 2-bit pairs, 16 signed 8-bit scales
 * (one per 16 values), f16 d; value = d·sc·(q − 32). Each half of 128 values: bytes l of ql[0..63] and
 * qh[0..31] hold values l, l+32, l+64, l+96.
 */
public final class Q6_KWeight extends QuantizedWeight {
    /** Lanes of a chunk's 32-bit sums that belong to its second 16 values (only when a chunk spans 32). */
    private static final VectorMask<Integer> SECOND_SIXTEEN = IntVector.zero(I).addIndex(1).compare(VectorOperators.GE, 8);

    public Q6_KWeight(String name, long[] shape, MemorySegment data) {
        super(name, DType.Q6_K, shape, data);
    }

    @Override
    int activationBlock() {
        return DType.QK_K;
    }

    private int scale(long bo, int i) {
        return data.get(ValueLayout.JAVA_BYTE, bo + 192 + i);
    }

    /** Mirrors {@code dequantize_row_q6_K}. */
    @Override
    public void dequantizeRow(int row, float[] dst, int dstOffset) {
        long base = row * rowBytes;
        for (int b = 0; b < blocksPerRow; b++) {
            long bo = base + 210L * b;
            float d = QuantKernels.f16(data, bo + 208);
            for (int n = 0; n < 2; n++) {
                long ql = bo + 64L * n;
                long qh = bo + 128 + 32L * n;
                int y = dstOffset + 256 * b + 128 * n;
                for (int l = 0; l < 32; l++) {
                    int is = 8 * n + l / 16;
                    int h = QuantKernels.u8(data, qh + l);
                    int a = QuantKernels.u8(data, ql + l);
                    int c = QuantKernels.u8(data, ql + l + 32);
                    dst[y + l] = d * scale(bo, is) * (((a & 0xF) | ((h & 3) << 4)) - 32);
                    dst[y + l + 32] = d * scale(bo, is + 2) * (((c & 0xF) | (((h >> 2) & 3) << 4)) - 32);
                    dst[y + l + 64] = d * scale(bo, is + 4) * (((a >> 4) | (((h >> 4) & 3) << 4)) - 32);
                    dst[y + l + 96] = d * scale(bo, is + 6) * (((c >> 4) | (((h >> 6) & 3) << 4)) - 32);
                }
            }
        }
    }

    @Override
    int metaInts() {
        return 17;
    }

    /** Block b's sixteen 8-bit scales and d (float bits) at {@code meta[17b ..]}. */
    private void decodeScales(long base, int[] meta) {
        for (int b = 0; b < blocksPerRow; b++) {
            long bo = base + 210L * b;
            for (int i = 0; i < 16; i++) {
                meta[17 * b + i] = scale(bo, i);
            }
            meta[17 * b + 16] = Float.floatToRawIntBits(QuantKernels.f16(data, bo + 208));
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
        int[] meta = new int[17 * blocksPerRow];
        decodeScales(base, meta);
        return dot(base, x, t, meta);
    }

    /**
     * Mirrors {@code ggml_vec_dot_q6_K_q8_K}: the 6-bit values minus 32, scaled per 16 values. Products in
     * 16-bit lanes, adjacent pairs summed into 32-bit lanes ((p + (p << 16)) >> 16, exact).
     */
    private float dot(long base, Q8Activations x, int t, int[] meta) {
        short[] xq = x.qs;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocksPerRow; b++) {
            long bo = base + 210L * b;
            int xo = t * cols + 256 * b;
            int m = 17 * b;
            IntVector sum = IntVector.zero(I);
            for (int n = 0; n < 2; n++) {
                for (int c = 0; c < 32; c += W) {
                    ShortVector qlA = (ShortVector) ByteVector.fromMemorySegment(B, data, bo + 64L * n + c, LE).convertShape(B2S, S, 0);
                    ShortVector qlB = (ShortVector) ByteVector.fromMemorySegment(B, data, bo + 64L * n + 32 + c, LE).convertShape(B2S, S, 0);
                    ShortVector qh = (ShortVector) ByteVector.fromMemorySegment(B, data, bo + 128 + 32L * n + c, LE).convertShape(B2S, S, 0);
                    int v = 128 * n + c;
                    for (int k = 0; k < 4; k++) {
                        ShortVector low = (k & 1) == 0 ? qlA : qlB;
                        ShortVector q = (k < 2 ? low.and((short) 0xF) : low.lanewise(ASHR, 4).and((short) 0xF))
                                .or(qh.lanewise(ASHR, 2 * k).and((short) 3).lanewise(LSHL, 4)).sub((short) 32);
                        IntVector p = q.mul(ShortVector.fromArray(S, xq, xo + v + 32 * k)).reinterpretAsInts();
                        IntVector pairs = p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16);
                        int first = (v + 32 * k) / 16;
                        IntVector scales = IntVector.broadcast(I, meta[m + first]);
                        if (W > 16) { // a chunk of 32 spans two scales: its upper 8 int lanes take the second
                            scales = scales.blend(meta[m + first + 1], SECOND_SIXTEEN);
                        }
                        sum = sum.add(pairs.mul(scales));
                    }
                }
            }
            acc = ((FloatVector) sum.convert(I2F, 0)).fma(FloatVector.broadcast(F, Float.intBitsToFloat(meta[m + 16]) * x.d[t * blocksPerRow + b]), acc);
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
        return s;
    }
}
