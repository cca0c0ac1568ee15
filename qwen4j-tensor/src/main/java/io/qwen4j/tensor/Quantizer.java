package io.qwen4j.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * F32 → ggml block types, following ggml-quants.c's reference quantizers ({@code quantize_row_*_ref}, what
 * {@code llama-quantize} runs without an importance matrix) operation for operation in float arithmetic,
 * so that the bytes match: Q8_0, Q4_0, Q4_1, Q5_0 and Q5_1 bit for bit with the {@code gguf} Python package
 * (tested), the K-quants by transcription (the {@code gguf} package has no K-quant quantizer).
 */
public final class Quantizer {
    /** ggml-quants.c's GROUP_MAX_EPS. */
    private static final float GROUP_MAX_EPS = 1e-15f;

    private Quantizer() {}

    /** True when rows of {@code cols} values can be stored as {@code type}. */
    public static boolean fits(DType type, long cols) {
        return cols % type.blockSize() == 0;
    }

    /**
     * Quantizes {@code n} values of {@code x} from {@code xo} (a multiple of the block size) into {@code dst}
     * at {@code dstOffset}, which must have room for {@code type.bytesFor(n)} bytes.
     */
    public static void quantizeRow(DType type, float[] x, int xo, int n, MemorySegment dst, long dstOffset) {
        long bytes = type.bytesFor(n);
        if (xo < 0 || xo + n > x.length || dstOffset < 0 || dstOffset + bytes > dst.byteSize()) {
            throw new IndexOutOfBoundsException("quantizing " + n + " values into " + bytes + " bytes at " + dstOffset);
        }
        int blocks = n / type.blockSize();
        for (int b = 0; b < blocks; b++) {
            int xb = xo + b * type.blockSize();
            long o = dstOffset + (long) b * type.blockBytes();
            switch (type) {
                case F32 -> dst.set(VectorKernels.FLOAT_LE, o, x[xb]);
                case F16 -> dst.set(VectorKernels.SHORT_LE, o, Float.floatToFloat16(x[xb]));
                case BF16 -> dst.set(VectorKernels.SHORT_LE, o, toBf16(x[xb]));
                case Q8_0 -> q8_0(x, xb, dst, o);
                case Q4_0 -> q4_0(x, xb, dst, o);
                case Q4_1 -> q4_1(x, xb, dst, o);
                case Q5_0 -> q5_0(x, xb, dst, o);
                case Q5_1 -> q5_1(x, xb, dst, o);
                case Q4_K -> qK(x, xb, dst, o, 15);
                case Q5_K -> qK(x, xb, dst, o, 31);
                case Q6_K -> q6_K(x, xb, dst, o);
            }
        }
    }

    /**
     * An in-memory copy of {@code src} stored as {@code type}, rows quantized in parallel on {@code pool}; the
     * copy lives off-heap until no longer referenced.
     */
    public static Weight quantize(Weight src, DType type, ThreadPool pool) {
        if (!fits(type, src.cols())) {
            throw new IllegalArgumentException(src.name() + ": rows of " + src.cols() + " values cannot be stored as " + type);
        }
        long rowBytes = type.bytesFor(src.cols());
        MemorySegment dst = Arena.ofAuto().allocate(Math.max(1, rowBytes * src.rows()), 64).asSlice(0, rowBytes * src.rows());
        pool.parallelFor(src.rows(), 4, (start, end) -> {
            float[] row = new float[src.cols()];
            for (int r = start; r < end; r++) {
                src.dequantizeRow(r, row, 0);
                quantizeRow(type, row, 0, row.length, dst, r * rowBytes);
            }
        });
        return Weight.of(src.name(), type, src.shape(), dst);
    }

    /** ggml's {@code ggml_compute_fp32_to_bf16}: round to nearest even, NaN kept quiet. */
    static short toBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) ((bits >>> 16) | 64);
        }
        return (short) ((bits + (0x7fff + ((bits >>> 16) & 1))) >>> 16);
    }

    private static void putF16(MemorySegment dst, long o, float v) {
        dst.set(VectorKernels.SHORT_LE, o, Float.floatToFloat16(v));
    }

    private static float f16(float v) {
        return Float.float16ToFloat(Float.floatToFloat16(v));
    }

    private static void putByte(MemorySegment dst, long o, int v) {
        dst.set(ValueLayout.JAVA_BYTE, o, (byte) v);
    }

    /** C's {@code roundf}: halves away from zero (numpy's {@code np_roundf} in the gguf package). */
    static float roundf(float v) {
        float a = Math.abs(v);
        float floored = (float) Math.floor(a);
        float r = floored + (float) Math.floor(2 * (a - floored));
        return Math.copySign(r, v);
    }

    /** ggml's {@code nearest_int}: round half to even through the float mantissa, for |v| ≤ 4194303. */
    static int nearestInt(float v) {
        float val = v + 12582912f;
        return (Float.floatToRawIntBits(val) & 0x007fffff) - 0x00400000;
    }

    /** The value of largest magnitude (the first one on ties), as {@code quantize_row_q4_0_ref} finds it. */
    private static float signedAbsMax(float[] x, int xb, int n) {
        float amax = 0f;
        float max = 0f;
        for (int j = 0; j < n; j++) {
            float v = x[xb + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        return max;
    }

    /** The least of 32 values, as {@code quantize_row_q4_1_ref} finds it. */
    private static float min(float[] x, int xb) {
        float min = Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            if (x[xb + j] < min) {
                min = x[xb + j];
            }
        }
        return min;
    }

    private static float max(float[] x, int xb) {
        float max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            if (x[xb + j] > max) {
                max = x[xb + j];
            }
        }
        return max;
    }

    /** Mirrors {@code quantize_row_q8_0_ref}. */
    private static void q8_0(float[] x, int xb, MemorySegment dst, long o) {
        float amax = 0f;
        for (int j = 0; j < 32; j++) {
            amax = Math.max(amax, Math.abs(x[xb + j]));
        }
        float d = amax / 127f;
        float id = d != 0f ? 1f / d : 0f;
        putF16(dst, o, d);
        for (int j = 0; j < 32; j++) {
            putByte(dst, o + 2 + j, (int) roundf(x[xb + j] * id));
        }
    }

    /** Mirrors {@code quantize_row_q4_0_ref}. */
    private static void q4_0(float[] x, int xb, MemorySegment dst, long o) {
        float max = signedAbsMax(x, xb, 32);
        float d = max / -8f;
        float id = d != 0f ? 1f / d : 0f;
        putF16(dst, o, d);
        for (int j = 0; j < 16; j++) {
            int q0 = Math.min(15, (byte) (int) (x[xb + j] * id + 8.5f));
            int q1 = Math.min(15, (byte) (int) (x[xb + 16 + j] * id + 8.5f));
            putByte(dst, o + 2 + j, q0 | (q1 << 4));
        }
    }

    /** Mirrors {@code quantize_row_q4_1_ref}. */
    private static void q4_1(float[] x, int xb, MemorySegment dst, long o) {
        float min = min(x, xb);
        float d = (max(x, xb) - min) / 15f;
        float id = d != 0f ? 1f / d : 0f;
        putF16(dst, o, d);
        putF16(dst, o + 2, min);
        for (int j = 0; j < 16; j++) {
            int q0 = Math.min(15, (byte) (int) ((x[xb + j] - min) * id + 0.5f));
            int q1 = Math.min(15, (byte) (int) ((x[xb + 16 + j] - min) * id + 0.5f));
            putByte(dst, o + 4 + j, q0 | (q1 << 4));
        }
    }

    /** Mirrors {@code quantize_row_q5_0_ref}. */
    private static void q5_0(float[] x, int xb, MemorySegment dst, long o) {
        float max = signedAbsMax(x, xb, 32);
        float d = max / -16f;
        float id = d != 0f ? 1f / d : 0f;
        putF16(dst, o, d);
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            int q0 = Math.min(31, (byte) (int) (x[xb + j] * id + 16.5f));
            int q1 = Math.min(31, (byte) (int) (x[xb + 16 + j] * id + 16.5f));
            putByte(dst, o + 6 + j, (q0 & 0xF) | ((q1 & 0xF) << 4));
            qh |= ((q0 & 0x10) >> 4) << j;
            qh |= ((q1 & 0x10) >> 4) << (j + 16);
        }
        dst.set(VectorKernels.INT_LE, o + 2, qh);
    }

    /** Mirrors {@code quantize_row_q5_1_ref}. */
    private static void q5_1(float[] x, int xb, MemorySegment dst, long o) {
        float min = min(x, xb);
        float d = (max(x, xb) - min) / 31f;
        float id = d != 0f ? 1f / d : 0f;
        putF16(dst, o, d);
        putF16(dst, o + 2, min);
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            int q0 = ((int) ((x[xb + j] - min) * id + 0.5f)) & 0xFF;
            int q1 = ((int) ((x[xb + 16 + j] - min) * id + 0.5f)) & 0xFF;
            putByte(dst, o + 8 + j, (q0 & 0xF) | ((q1 & 0xF) << 4));
            qh |= ((q0 & 0x10) >> 4) << j;
            qh |= ((q1 & 0x10) >> 4) << (j + 16);
        }
        dst.set(VectorKernels.INT_LE, o + 4, qh);
    }

    /**
     * Mirrors {@code make_qkx2_quants}: the scale and min of one sub-block of n values in [0, nmax], searched
     * over nstep+1 candidate scales by weighted least squares; writes levels to L, the min (negated) to mins[j].
     */
    private static float makeQkx2(int n, int nmax, float[] x, int xo, float[] weights, int[] levels, int lo,
                                  float[] mins, int j, int[] aux, float rmin, float rdelta, int nstep) {
        float min = x[xo];
        float max = x[xo];
        float sumW = weights[0];
        float sumX = sumW * x[xo];
        for (int i = 1; i < n; i++) {
            if (x[xo + i] < min) {
                min = x[xo + i];
            }
            if (x[xo + i] > max) {
                max = x[xo + i];
            }
            float w = weights[i];
            sumW += w;
            sumX += w * x[xo + i];
        }
        if (min > 0) {
            min = 0;
        }
        if (max == min) {
            for (int i = 0; i < n; i++) {
                levels[lo + i] = 0;
            }
            mins[j] = -min;
            return 0f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            int l = nearestInt(iscale * (x[xo + i] - min));
            levels[lo + i] = Math.max(0, Math.min(nmax, l));
            float diff = scale * levels[lo + i] + min - x[xo + i];
            bestError += weights[i] * (diff * diff);
        }
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0;
            float sumL2 = 0;
            float sumXl = 0;
            for (int i = 0; i < n; i++) {
                int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (x[xo + i] - min))));
                aux[i] = l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXl += w * l * x[xo + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXl - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXl) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXl / sumL2;
                }
                float curError = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * aux[i] + thisMin - x[xo + i];
                    curError += weights[i] * (diff * diff);
                }
                if (curError < bestError) {
                    System.arraycopy(aux, 0, levels, lo, n);
                    bestError = curError;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        mins[j] = -min;
        return scale;
    }

    /** Mirrors {@code quantize_row_q4_K_ref} (nmax 15) and {@code quantize_row_q5_K_ref} (nmax 31). */
    private static void qK(float[] x, int xb, MemorySegment dst, long o, int nmax) {
        boolean five = nmax == 31;
        int[] levels = new int[256];
        int[] aux = new int[32];
        float[] weights = new float[32];
        float[] mins = new float[8];
        float[] scales = new float[8];
        float maxScale = 0;
        float maxMin = 0;
        for (int j = 0; j < 8; j++) {
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) {
                sumX2 += x[xb + 32 * j + l] * x[xb + 32 * j + l];
            }
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) {
                weights[l] = avX + Math.abs(x[xb + 32 * j + l]);
            }
            scales[j] = five
                    ? makeQkx2(32, 31, x, xb + 32 * j, weights, levels, 32 * j, mins, j, aux, -0.5f, 0.1f, 15)
                    : makeQkx2(32, 15, x, xb + 32 * j, weights, levels, 32 * j, mins, j, aux, -1f, 0.1f, 20);
            maxScale = Math.max(maxScale, scales[j]);
            maxMin = Math.max(maxMin, mins[j]);
        }
        float invScale = maxScale > 0 ? 63f / maxScale : 0f;
        float invMin = maxMin > 0 ? 63f / maxMin : 0f;
        int[] packed = new int[12];
        for (int j = 0; j < 8; j++) {
            int ls = Math.min(63, nearestInt(invScale * scales[j]) & 0xFF);
            int lm = Math.min(63, nearestInt(invMin * mins[j]) & 0xFF);
            if (j < 4) {
                packed[j] = ls;
                packed[j + 4] = lm;
            } else {
                packed[j + 4] = (ls & 0xF) | ((lm & 0xF) << 4);
                packed[j - 4] |= (ls >> 4) << 6;
                packed[j] |= (lm >> 4) << 6;
            }
        }
        putF16(dst, o, maxScale / 63f);
        putF16(dst, o + 2, maxMin / 63f);
        for (int i = 0; i < 12; i++) {
            putByte(dst, o + 4 + i, packed[i]);
        }
        float d = f16(maxScale / 63f);
        float dmin = f16(maxMin / 63f);
        for (int j = 0; j < 8; j++) {
            int sm = QuantKernels.scaleMinK4(dst, o + 4, j);
            float dj = d * (sm & 0xFF);
            if (dj == 0f) {
                continue;
            }
            float dm = dmin * (sm >> 8);
            for (int ii = 0; ii < 32; ii++) {
                int l = nearestInt((x[xb + 32 * j + ii] + dm) / dj);
                levels[32 * j + ii] = Math.max(0, Math.min(nmax, l));
            }
        }
        if (!five) {
            for (int g = 0; g < 4; g++) {
                for (int l = 0; l < 32; l++) {
                    putByte(dst, o + 16 + 32L * g + l, levels[64 * g + l] | (levels[64 * g + l + 32] << 4));
                }
            }
            return;
        }
        int[] qh = new int[32];
        for (int g = 0; g < 4; g++) {
            for (int l = 0; l < 32; l++) {
                int l1 = levels[64 * g + l];
                int l2 = levels[64 * g + l + 32];
                if (l1 > 15) {
                    l1 -= 16;
                    qh[l] |= 1 << (2 * g);
                }
                if (l2 > 15) {
                    l2 -= 16;
                    qh[l] |= 2 << (2 * g);
                }
                putByte(dst, o + 48 + 32L * g + l, l1 | (l2 << 4));
            }
        }
        for (int l = 0; l < 32; l++) {
            putByte(dst, o + 16 + l, qh[l]);
        }
    }

    /** Mirrors {@code make_qx_quants} with rmse_type 1 and no weights: a symmetric scale for n values in [-nmax, nmax). */
    private static float makeQx(int n, int nmax, float[] x, int xo, int[] levels, int lo) {
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) {
                levels[lo + i] = 0;
            }
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0;
        float suml2 = 0;
        for (int i = 0; i < n; i++) {
            int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * x[xo + i])));
            levels[lo + i] = l + nmax;
            float w = x[xo + i] * x[xo + i];
            sumlx += w * x[xo + i] * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0f;
        float best = scale * sumlx;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) {
                continue;
            }
            iscale = -(nmax + 0.1f * is) / max;
            sumlx = 0;
            suml2 = 0;
            for (int i = 0; i < n; i++) {
                int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * x[xo + i])));
                float w = x[xo + i] * x[xo + i];
                sumlx += w * x[xo + i] * l;
                suml2 += w * l * l;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < n; i++) {
                    levels[lo + i] = nmax + Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * x[xo + i])));
                }
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    /** Mirrors {@code quantize_row_q6_K_ref}. */
    private static void q6_K(float[] x, int xb, MemorySegment dst, long o) {
        int[] levels = new int[256];
        float[] scales = new float[16];
        float maxScale = 0;
        float maxAbsScale = 0;
        for (int ib = 0; ib < 16; ib++) {
            float scale = makeQx(16, 32, x, xb + 16 * ib, levels, 16 * ib);
            scales[ib] = scale;
            if (Math.abs(scale) > maxAbsScale) {
                maxAbsScale = Math.abs(scale);
                maxScale = scale;
            }
        }
        if (maxAbsScale < GROUP_MAX_EPS) {
            dst.asSlice(o, 210).fill((byte) 0);
            return;
        }
        float iscale = -128f / maxScale;
        putF16(dst, o + 208, 1 / iscale);
        float d = f16(1 / iscale);
        int[] sc = new int[16];
        for (int ib = 0; ib < 16; ib++) {
            sc[ib] = (byte) Math.min(127, nearestInt(iscale * scales[ib]));
            putByte(dst, o + 192 + ib, sc[ib]);
        }
        for (int j = 0; j < 16; j++) {
            float dj = d * sc[j];
            if (dj == 0f) {
                continue;
            }
            for (int ii = 0; ii < 16; ii++) {
                int l = nearestInt(x[xb + 16 * j + ii] / dj);
                levels[16 * j + ii] = Math.max(-32, Math.min(31, l)) + 32;
            }
        }
        for (int n = 0; n < 2; n++) {
            int j = 128 * n;
            for (int l = 0; l < 32; l++) {
                int q1 = levels[j + l] & 0xF;
                int q2 = levels[j + l + 32] & 0xF;
                int q3 = levels[j + l + 64] & 0xF;
                int q4 = levels[j + l + 96] & 0xF;
                putByte(dst, o + 64L * n + l, q1 | (q3 << 4));
                putByte(dst, o + 64L * n + l + 32, q2 | (q4 << 4));
                putByte(dst, o + 128 + 32L * n + l, (levels[j + l] >> 4) | ((levels[j + l + 32] >> 4) << 2)
                        | ((levels[j + l + 64] >> 4) << 4) | ((levels[j + l + 96] >> 4) << 6));
            }
        }
    }
}
