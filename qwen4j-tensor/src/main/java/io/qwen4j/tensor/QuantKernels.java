package io.qwen4j.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Species and scalar helpers of the quantized kernels. A chunk is {@link #W} bytes of weights and
 * activations (half the preferred vector, 32 on AVX-512), widened to 16-bit lanes, multiplied, and summed
 * pairwise into 32-bit lanes: the Vector API spelling of x86's {@code pmaddwd} (llama.cpp's
 * {@code mul_sum_i8_pairs}). The widest shape used is 512 bits, so a chunk never exceeds a 32-value block.
 *
 * <p>Each kernel spells its vector operations out in one method per (row, token) dot product instead of
 * calling vector-returning helpers: C2 refuses to inline a helper it has already compiled on its own
 * ("already compiled into a big method") or once the caller grows past its node budget, and a vector
 * that crosses a call that is not inlined is boxed, which made the kernels a hundred times slower.
 */
final class QuantKernels {
    private static final int BITS = Math.min(512, VectorKernels.F.vectorBitSize());
    static final VectorSpecies<Float> F = VectorSpecies.of(float.class, VectorShape.forBitSize(BITS));
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, VectorShape.forBitSize(BITS));
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(BITS));
    static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(BITS / 2));
    /** Bytes (values) per chunk. */
    static final int W = B.length();

    /** The same at most 256 bits wide: chunks of 16 values, for the 16-byte nibble halves of Q4_0. */
    private static final int BITS16 = Math.min(256, BITS);
    static final VectorSpecies<Float> F16 = VectorSpecies.of(float.class, VectorShape.forBitSize(BITS16));
    static final VectorSpecies<Short> S16 = VectorSpecies.of(short.class, VectorShape.forBitSize(BITS16));
    static final VectorSpecies<Byte> B16 = VectorSpecies.of(byte.class, VectorShape.forBitSize(BITS16 / 2));
    static final VectorSpecies<Integer> I16 = VectorSpecies.of(int.class, VectorShape.forBitSize(BITS16));
    static final int W16 = B16.length();
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Whether {@link #F} is {@link VectorKernels#F} with its butterfly lane sum (every x86 machine). */
    static final boolean BUTTERFLY = F.equals(VectorKernels.F) && VectorKernels.BUTTERFLY;

    private QuantKernels() {}

    static float f16(MemorySegment w, long offset) {
        return Float.float16ToFloat(w.get(VectorKernels.SHORT_LE, offset));
    }

    static int u8(MemorySegment w, long offset) {
        return Byte.toUnsignedInt(w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, offset));
    }

    /** ggml's {@code get_scale_min_k4}: the 6-bit scale (low 8 bits of the result) and min (next 8) of sub-block j. */
    static int scaleMinK4(MemorySegment w, long scalesOffset, int j) {
        int sc;
        int m;
        if (j < 4) {
            sc = u8(w, scalesOffset + j) & 63;
            m = u8(w, scalesOffset + j + 4) & 63;
        } else {
            sc = (u8(w, scalesOffset + j + 4) & 0xF) | ((u8(w, scalesOffset + j - 4) >> 6) << 4);
            m = (u8(w, scalesOffset + j + 4) >> 4) | ((u8(w, scalesOffset + j) >> 6) << 4);
        }
        return sc | (m << 8);
    }

    static String describe() {
        return W + "-byte integer chunks (" + B + " → " + S + ")";
    }
}
