package io.qwen4j.tensor;

import static io.qwen4j.tensor.QuantKernels.B;
import static io.qwen4j.tensor.QuantKernels.LE;
import static io.qwen4j.tensor.VectorKernels.F;
import static io.qwen4j.tensor.VectorKernels.I32;
import static jdk.incubator.vector.VectorOperators.B2F;
import static jdk.incubator.vector.VectorOperators.B2I;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;

/**
 * ggml's {@code block_q6_K}: 128 bytes of low nibbles, 64 bytes of high 2-bit pairs, 16 signed 8-bit scales
 * (one per 16 values), f16 d; value = (d·sc)·(q − 32). Each half of 128 values: bytes l of ql[0..63] and
 * qh[0..31] hold values l, l+32, l+64, l+96.
 */
public final class Q6_KWeight extends QuantizedWeight {
    /** 32 bytes: one q-vector of the 16-lane kernel. */
    private static final jdk.incubator.vector.VectorSpecies<Byte> B32 = ByteVector.SPECIES_256;

    public Q6_KWeight(String name, long[] shape, MemorySegment data) {
        super(name, DType.Q6_K, shape, data);
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
    boolean fused() {
        return QuantKernels.FUSED;
    }

    @Override
    void widenRow(int row, float[] dst, int dstOffset) {
        long base = row * rowBytes;
        int step = F.length();
        for (int b = 0; b < blocksPerRow; b++) {
            long bo = base + 210L * b;
            float d = QuantKernels.f16(data, bo + 208);
            for (int n = 0; n < 2; n++) {
                long ql = bo + 64L * n;
                long qh = bo + 128 + 32L * n;
                long sc = data.get(VectorKernels.LONG_LE, bo + 192 + 8L * n);
                int y = dstOffset + 256 * b + 128 * n;
                if (step == 16) { // as dot's 16-lane path
                    ByteVector la = ByteVector.fromMemorySegment(B32, data, ql, LE);
                    ByteVector lb = ByteVector.fromMemorySegment(B32, data, ql + 32, LE);
                    ByteVector h = ByteVector.fromMemorySegment(B32, data, qh, LE);
                    for (int k = 0; k < 4; k++) {
                        ByteVector l = k == 0 ? la : k == 1 ? lb : (k == 2 ? la : lb).reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes();
                        ByteVector hk = k == 2 ? h : k < 2 ? h.reinterpretAsShorts().lanewise(LSHL, 4 - 2 * k).reinterpretAsBytes()
                                : h.reinterpretAsShorts().lanewise(LSHR, 2).reinterpretAsBytes();
                        ByteVector q = l.and((byte) 0xF).or(hk.and((byte) 0x30)).sub((byte) 32);
                        ((FloatVector) q.convertShape(B2F, F, 0)).mul(d * (byte) (sc >>> (16 * k))).intoArray(dst, y + 32 * k);
                        ((FloatVector) q.convertShape(B2F, F, 1)).mul(d * (byte) (sc >>> (16 * k + 8))).intoArray(dst, y + 32 * k + 16);
                    }
                    continue;
                }
                for (int c = 0; c < 32; c += step) {
                    IntVector la = (IntVector) ByteVector.fromMemorySegment(B, data, ql + c, LE).convertShape(B2I, I32, 0);
                    IntVector lb = (IntVector) ByteVector.fromMemorySegment(B, data, ql + 32 + c, LE).convertShape(B2I, I32, 0);
                    IntVector h = (IntVector) ByteVector.fromMemorySegment(B, data, qh + c, LE).convertShape(B2I, I32, 0);
                    for (int k = 0; k < 4; k++) {
                        IntVector l = k == 0 ? la.and(0xF) : k == 1 ? lb.and(0xF) : k == 2 ? la.lanewise(LSHR, 4).and(0xF) : lb.lanewise(LSHR, 4).and(0xF);
                        IntVector hk = (k < 2 ? h.lanewise(LSHL, 4 - 2 * k) : k == 2 ? h : h.lanewise(LSHR, 2)).and(0x30);
                        float s = d * (byte) (sc >>> (8 * (c / 16 + 2 * k)));
                        ((FloatVector) l.or(hk).sub(32).convert(I2F, 0)).mul(s).intoArray(dst, y + 32 * k + c);
                    }
                }
            }
        }
    }

    @Override
    float rowDot(int row, float[] x, int xo, float[] lanes) {
        return dot(data, row * rowBytes, blocksPerRow, x, xo, lanes);
    }

    /**
     * Unpacked in 32-bit lanes (x86 has no byte shift). With 16-value steps the ql and qh bytes of a step are
     * loaded once for the four values they hold (k = 0..3), which keeps each accumulator's order: accumulator
     * 0 takes the steps at c = 0 of k = 0, 1, 2, 3, accumulator 1 those at c = 16. Narrower steps go k by k.
     */
    private static float dot(MemorySegment data, long base, int blocksPerRow, float[] x, int xo, float[] lanes) {
        int step = F.length();
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        for (int b = 0; b < blocksPerRow; b++) {
            long bo = base + 210L * b;
            float d = QuantKernels.f16(data, bo + 208);
            for (int n = 0; n < 2; n++) {
                long ql = bo + 64L * n;
                long qh = bo + 128 + 32L * n;
                long sc = data.get(VectorKernels.LONG_LE, bo + 192 + 8L * n); // this half's eight scales
                int y = xo + 256 * b + 128 * n;
                if (step == 16) {
                    // 32 values a byte vector, unpacked with byte masks and 16-bit shifts (x86 has no byte shift;
                    // each mask drops what a shift brings in from the neighbouring byte), then widened 16 at a time
                    ByteVector la = ByteVector.fromMemorySegment(B32, data, ql, LE);
                    ByteVector lb = ByteVector.fromMemorySegment(B32, data, ql + 32, LE);
                    ByteVector h = ByteVector.fromMemorySegment(B32, data, qh, LE);
                    for (int k = 0; k < 4; k++) {
                        ByteVector l = k == 0 ? la : k == 1 ? lb : (k == 2 ? la : lb).reinterpretAsShorts().lanewise(LSHR, 4).reinterpretAsBytes();
                        ByteVector hk = k == 2 ? h : k < 2 ? h.reinterpretAsShorts().lanewise(LSHL, 4 - 2 * k).reinterpretAsBytes()
                                : h.reinterpretAsShorts().lanewise(LSHR, 2).reinterpretAsBytes();
                        ByteVector q = l.and((byte) 0xF).or(hk.and((byte) 0x30)).sub((byte) 32);
                        float s0 = d * (byte) (sc >>> (16 * k));
                        float s1 = d * (byte) (sc >>> (16 * k + 8));
                        acc0 = ((FloatVector) q.convertShape(B2F, F, 0)).mul(s0).fma(FloatVector.fromArray(F, x, y + 32 * k), acc0);
                        acc1 = ((FloatVector) q.convertShape(B2F, F, 1)).mul(s1).fma(FloatVector.fromArray(F, x, y + 32 * k + 16), acc1);
                    }
                } else {
                    for (int k = 0; k < 4; k++) {
                        for (int c = 0; c < 32; c += 2 * step) {
                            IntVector l0 = (IntVector) ByteVector.fromMemorySegment(B, data, ql + 32 * (k & 1) + c, LE).convertShape(B2I, I32, 0);
                            IntVector l1 = (IntVector) ByteVector.fromMemorySegment(B, data, ql + 32 * (k & 1) + c + step, LE).convertShape(B2I, I32, 0);
                            IntVector h0 = (IntVector) ByteVector.fromMemorySegment(B, data, qh + c, LE).convertShape(B2I, I32, 0);
                            IntVector h1 = (IntVector) ByteVector.fromMemorySegment(B, data, qh + c + step, LE).convertShape(B2I, I32, 0);
                            IntVector q0 = (k < 2 ? l0.and(0xF) : l0.lanewise(LSHR, 4).and(0xF)).or(h0.lanewise(LSHR, 2 * k).and(3).lanewise(LSHL, 4)).sub(32);
                            IntVector q1 = (k < 2 ? l1.and(0xF) : l1.lanewise(LSHR, 4).and(0xF)).or(h1.lanewise(LSHR, 2 * k).and(3).lanewise(LSHL, 4)).sub(32);
                            float s0 = d * (byte) (sc >>> (8 * (c / 16 + 2 * k)));
                            float s1 = d * (byte) (sc >>> (8 * ((c + step) / 16 + 2 * k)));
                            acc0 = ((FloatVector) q0.convert(I2F, 0)).mul(s0).fma(FloatVector.fromArray(F, x, y + 32 * k + c), acc0);
                            acc1 = ((FloatVector) q1.convert(I2F, 0)).mul(s1).fma(FloatVector.fromArray(F, x, y + 32 * k + c + step), acc1);
                        }
                    }
                }
            }
        }
        acc0.add(acc1).intoArray(lanes, 0);
        return VectorKernels.sumLanes(lanes, 0, step);
    }
}
