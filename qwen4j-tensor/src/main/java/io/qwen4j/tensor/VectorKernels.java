package io.qwen4j.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
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

    private VectorKernels() {}

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
        float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += a[ao + i] * b[bo + i];
        }
        return sum;
    }

    /** Dot product of n little-endian F32 values at {@code w[off]} with {@code x[xo..]}. */
    static float dotF32(MemorySegment w, long off, float[] x, int xo, int n) {
        int step = F.length();
        int i = 0;
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        for (; i <= n - 2 * step; i += 2 * step) {
            acc0 = FloatVector.fromMemorySegment(F, w, off + 4L * i, ByteOrder.LITTLE_ENDIAN).fma(FloatVector.fromArray(F, x, xo + i), acc0);
            acc1 = FloatVector.fromMemorySegment(F, w, off + 4L * (i + step), ByteOrder.LITTLE_ENDIAN).fma(FloatVector.fromArray(F, x, xo + i + step), acc1);
        }
        for (; i <= n - step; i += step) {
            acc0 = FloatVector.fromMemorySegment(F, w, off + 4L * i, ByteOrder.LITTLE_ENDIAN).fma(FloatVector.fromArray(F, x, xo + i), acc0);
        }
        float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += w.get(FLOAT_LE, off + 4L * i) * x[xo + i];
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

    /** Dot product of n BF16 values at {@code w[off]} with {@code x[xo..]}. */
    static float dotBf16(MemorySegment w, long off, float[] x, int xo, int n) {
        int step = F.length();
        int i = 0;
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        for (; i <= n - 2 * step; i += 2 * step) {
            acc0 = bf16(w, off + 2L * i).fma(FloatVector.fromArray(F, x, xo + i), acc0);
            acc1 = bf16(w, off + 2L * (i + step)).fma(FloatVector.fromArray(F, x, xo + i + step), acc1);
        }
        for (; i <= n - step; i += step) {
            acc0 = bf16(w, off + 2L * i).fma(FloatVector.fromArray(F, x, xo + i), acc0);
        }
        float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += bf16ToFloat(w.get(SHORT_LE, off + 2L * i)) * x[xo + i];
        }
        return sum;
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
