package io.qwen4j.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Species and scalar helpers of the fused quantized kernels. A step is {@link VectorKernels#F}'s lane count
 * of values (16 on AVX-512): that many stored bytes are loaded as one byte vector ({@link #B}), unpacked
 * with byte operations, widened to floats ({@code B2F}), scaled exactly as {@code dequantizeRow} scales
 * them, and multiplied into the accumulators of {@link FloatGemm}'s canonical order, so the fused decode
 * kernel and the prefill tile (which widens rows with the same code) give the same bits.
 *
 * <p>Each kernel spells its vector operations out in one method per row instead of calling
 * vector-returning helpers: C2 refuses to inline a helper it has already compiled on its own, and a
 * vector that crosses a call that is not inlined is boxed, which made kernels a hundred times slower.
 */
final class QuantKernels {
    /** Bytes of one step: as many as {@link VectorKernels#F} has lanes. */
    static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, 8 * VectorKernels.F.length())));
    /**
     * Whether the fused kernels run: steps of 8 or 16 values (AVX2, AVX-512), which divide every sub-block
     * (16 or 32 values) of the types. Narrower machines widen rows with {@code dequantizeRow} instead.
     */
    static final boolean FUSED = B.length() == VectorKernels.F.length() && (B.length() == 8 || B.length() == 16);
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

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

    /**
     * The eight 6-bit scales of a K-quant block's 12 scale bytes ({@code lo} = bytes 0..7, {@code hi} =
     * bytes 8..11), one per byte: scale j is byte j of the result ({@link #scaleMinK4}'s low byte, decoded
     * for all eight at once as llama.cpp's {@code utmp} does).
     */
    static long scalesK4(long lo, int hi) {
        long low = lo & 0x3F3F3F3FL;
        long high = (hi & 0x0F0F0F0FL) | (((lo >>> 6) & 0x03030303L) << 4);
        return low | (high << 32);
    }

    /** The eight 6-bit mins, as {@link #scalesK4} (scaleMinK4's high byte). */
    static long minsK4(long lo, int hi) {
        long low = (lo >>> 32) & 0x3F3F3F3FL;
        long high = ((hi >>> 4) & 0x0F0F0F0FL) | (((lo >>> 38) & 0x03030303L) << 4);
        return low | (high << 32);
    }

    static String describe() {
        return FUSED ? B.length() + "-byte steps widened to floats (" + B + ")" : "rows widened by dequantizeRow";
    }
}
