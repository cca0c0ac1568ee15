package io.qwen4j.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API inner loops shared by the weight types and {@link VectorOps}. Always the preferred species
 * (512 bits on AVX-512 machines, 16 floats), never a fixed width: a fixed 256-bit species runs at half
 * speed there, and a width the hardware lacks silently runs scalar.
 */
final class VectorKernels {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** As many 16-bit lanes as {@link #F} has floats. */
    static final VectorSpecies<Short> S16 = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    static final VectorSpecies<Integer> I32 = VectorSpecies.of(int.class, F.vectorShape());
    static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private VectorKernels() {}

    // Lane i exchanged with lane i ^ d (identity where the species has fewer lanes).
    static final VectorShuffle<Float> SWAP8 = swap(8);
    static final VectorShuffle<Float> SWAP4 = swap(4);
    static final VectorShuffle<Float> SWAP2 = swap(2);
    static final VectorShuffle<Float> SWAP1 = swap(1);
    /** Lanes whose bit d is set (d = 8, 4, 2, 1): what a transposing butterfly level of distance d keeps from its second vector. */
    static final VectorMask<Float> LANE_BIT8 = laneBit(8);
    static final VectorMask<Float> LANE_BIT4 = laneBit(4);
    static final VectorMask<Float> LANE_BIT2 = laneBit(2);
    static final VectorMask<Float> LANE_BIT1 = laneBit(1);

    private static VectorMask<Float> laneBit(int d) {
        boolean[] bits = new boolean[F.length()];
        for (int l = 0; l < bits.length; l++) {
            bits[l] = (l & d) != 0;
        }
        return VectorMask.fromArray(F, bits, 0);
    }

    /** Whether {@link #F} has at most 16 lanes, so the butterfly of SWAP8..SWAP1 sums all of them. */
    static final boolean BUTTERFLY = F.length() <= 16;

    private static VectorShuffle<Float> swap(int d) {
        return VectorShuffle.fromOp(F, i -> d < F.length() ? i ^ d : i);
    }

    /** Per-thread room for the lanes of up to 16 accumulators, for {@link #sumLanes}. */
    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[16 * F.length()]);

    /**
     * This thread's lane scratch. Kernels store an accumulator there ({@code acc.intoArray(lanes, off)}) and
     * add its lanes with {@link #sumLanes}, in a fixed order. {@code reduceLanes(ADD)} is not used
     * anywhere: its order differs between the interpreter and C2, so the same input gave different bits
     * before and after warm-up. (A helper taking the vector is no good either: when C2 does not inline it
     * the vector is boxed and its lane reads run the Java fallback, a hundred times slower.)
     */
    static float[] lanes() {
        return LANES.get();
    }

    /** Σ a[off .. off+n) pairwise: a[i] += a[i + d] for i < d, d = n/2, n/4, …, 1 (n a power of two); overwrites a. */
    static float sumLanes(float[] a, int off, int n) {
        if (n == 16) { // the same order, unrolled: the kernels' row loops call this once per row
            float a0 = a[off] + a[off + 8], a1 = a[off + 1] + a[off + 9], a2 = a[off + 2] + a[off + 10], a3 = a[off + 3] + a[off + 11];
            float a4 = a[off + 4] + a[off + 12], a5 = a[off + 5] + a[off + 13], a6 = a[off + 6] + a[off + 14], a7 = a[off + 7] + a[off + 15];
            float b0 = a0 + a4, b1 = a1 + a5, b2 = a2 + a6, b3 = a3 + a7;
            return (b0 + b2) + (b1 + b3);
        }
        if (n == 8) {
            float b0 = a[off] + a[off + 4], b1 = a[off + 1] + a[off + 5], b2 = a[off + 2] + a[off + 6], b3 = a[off + 3] + a[off + 7];
            return (b0 + b2) + (b1 + b3);
        }
        for (int d = n / 2; d >= 1; d /= 2) {
            for (int i = off; i < off + d; i++) {
                a[i] = a[i] + a[i + d];
            }
        }
        return a[off];
    }

    // Cephes' expf: n = round(x·log2 e), r = x − n·ln 2 in two parts, e^r by a degree-7 polynomial, times 2^n.
    // Spelled with element-wise IEEE operations only, so every tier (and the scalar mirror) gives the same
    // bits; the Vector API's EXP is a different approximation in C2 (SVML) than in the interpreter.
    private static final float EXP_HI = 88.3762626647949f;
    private static final float EXP_OVERFLOW = 88.72283905206835f; // ln(Float.MAX_VALUE): e^x is +∞ above
    private static final float EXP_LO = -87.3365447504f; // e^x is below the smallest normal float: 0
    private static final float LOG2E = 1.44269504088896341f;
    private static final float ROUND = 12582912f; // 1.5·2^23: x + ROUND − ROUND rounds x to an integer
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float P0 = 1.9875691500e-4f;
    private static final float P1 = 1.3981999507e-3f;
    private static final float P2 = 8.3334519073e-3f;
    private static final float P3 = 4.1665795894e-2f;
    private static final float P4 = 1.6666665459e-1f;
    private static final float P5 = 5.0000001201e-1f;

    /**
     * e^x per lane, within 2 ulp; the same bits as {@link #exp(float)} lane by lane. Below the smallest
     * normal float it is 0, above ln(Float.MAX_VALUE) +∞, and the 0.35 just below that saturate at e^88.376.
     */
    static FloatVector exp(FloatVector x) {
        FloatVector c = x.min(EXP_HI).max(EXP_LO);
        FloatVector n = c.mul(LOG2E).add(ROUND).sub(ROUND);
        FloatVector r = n.fma(FloatVector.broadcast(F, -LN2_HI), c);
        r = n.fma(FloatVector.broadcast(F, -LN2_LO), r);
        FloatVector p = r.fma(P0, P1);
        p = p.fma(r, FloatVector.broadcast(F, P2));
        p = p.fma(r, FloatVector.broadcast(F, P3));
        p = p.fma(r, FloatVector.broadcast(F, P4));
        p = p.fma(r, FloatVector.broadcast(F, P5));
        FloatVector y = p.mul(r.mul(r)).add(r).add(1f);
        IntVector e = ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
        y = y.mul(e.reinterpretAsFloats());
        y = y.blend(0f, x.lt(EXP_LO));
        y = y.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, EXP_OVERFLOW));
        return y;
    }

    /**
     * {@code x[off+i] = exp(x[off+i] − shift)} for i < n, returning their sum (vector lanes by {@link #sumLanes},
     * then the tail in order): softmax's pass. {@link #exp(FloatVector)}'s operations are spelled out here so the
     * vector never crosses a call: exp is compiled on its own early (it serves several ops), and C2 then
     * refuses to inline it into a big caller, which boxed the vector and ran exp's Java fallback.
     */
    static float expShiftedInPlace(float[] x, int off, int n, float shift, float[] lanes) {
        FloatVector vsum = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - F.length(); i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, off + i).sub(shift);
            FloatVector c = v.min(EXP_HI).max(EXP_LO);
            FloatVector nn = c.mul(LOG2E).add(ROUND).sub(ROUND);
            FloatVector r = nn.fma(FloatVector.broadcast(F, -LN2_HI), c);
            r = nn.fma(FloatVector.broadcast(F, -LN2_LO), r);
            FloatVector p = r.fma(P0, P1);
            p = p.fma(r, FloatVector.broadcast(F, P2));
            p = p.fma(r, FloatVector.broadcast(F, P3));
            p = p.fma(r, FloatVector.broadcast(F, P4));
            p = p.fma(r, FloatVector.broadcast(F, P5));
            FloatVector y = p.mul(r.mul(r)).add(r).add(1f);
            IntVector e = ((IntVector) nn.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
            y = y.mul(e.reinterpretAsFloats());
            y = y.blend(0f, v.lt(EXP_LO));
            y = y.blend(Float.POSITIVE_INFINITY, v.compare(VectorOperators.GT, EXP_OVERFLOW));
            y.intoArray(x, off + i);
            vsum = vsum.add(y);
        }
        vsum.intoArray(lanes, 0);
        float sum = sumLanes(lanes, 0, F.length());
        for (; i < n; i++) {
            float e = exp(x[off + i] - shift);
            x[off + i] = e;
            sum += e;
        }
        return sum;
    }

    /** The scalar mirror of {@link #exp(FloatVector)}: the same operations in the same order. */
    static float exp(float x) {
        float c = Math.max(Math.min(x, EXP_HI), EXP_LO);
        float n = c * LOG2E + ROUND - ROUND;
        float r = Math.fma(n, -LN2_HI, c);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(r, P0, P1);
        p = Math.fma(p, r, P2);
        p = Math.fma(p, r, P3);
        p = Math.fma(p, r, P4);
        p = Math.fma(p, r, P5);
        float y = p * (r * r) + r + 1f;
        y = y * Float.intBitsToFloat(((int) n + 127) << 23);
        if (x < EXP_LO) {
            y = 0f;
        }
        if (x > EXP_OVERFLOW) {
            y = Float.POSITIVE_INFINITY;
        }
        return y;
    }

    /** Σ a[ao+i]·b[bo+i] for i < n. */
    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        int step = F.length();
        int i = 0;
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        for (; i <= n - 2 * step; i += 2 * step) {
            acc0 = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc0);
            acc1 = FloatVector.fromArray(F, a, ao + i + step).fma(FloatVector.fromArray(F, b, bo + i + step), acc1);
        }
        for (; i <= n - step; i += step) {
            acc0 = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc0);
        }
        float[] lanes = lanes();
        acc0.add(acc1).intoArray(lanes, 0);
        float sum = sumLanes(lanes, 0, step);
        for (; i < n; i++) {
            sum += a[ao + i] * b[bo + i];
        }
        return sum;
    }

    /** BF16 lanes widened to F32: the 16 bits become the high half of the float (exact). */
    static FloatVector bf16(MemorySegment w, long byteOffset) {
        ShortVector raw = ShortVector.fromMemorySegment(S16, w, byteOffset, ByteOrder.LITTLE_ENDIAN);
        return ((IntVector) raw.convertShape(VectorOperators.S2I, I32, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    /** Widens n BF16 values at {@code w[off]} into {@code dst[dOff..]}. */
    static void bf16ToFloats(MemorySegment w, long off, float[] dst, int dOff, int n) {
        int step = F.length();
        int i = 0;
        for (; i <= n - step; i += step) {
            bf16(w, off + 2L * i).intoArray(dst, dOff + i);
        }
        for (; i < n; i++) {
            dst[dOff + i] = bf16ToFloat(w.get(SHORT_LE, off + 2L * i));
        }
    }

    /** Widens n F16 values; scalar, as the Vector API has no half-float conversion yet. */
    static void f16ToFloats(MemorySegment w, long off, float[] dst, int dOff, int n) {
        for (int i = 0; i < n; i++) {
            dst[dOff + i] = Float.float16ToFloat(w.get(SHORT_LE, off + 2L * i));
        }
    }

    /** Describes the species in use, for logs and benchmarks. */
    static String describe() {
        return F.vectorBitSize() + "-bit vectors (" + F.length() + " floats)";
    }
}
