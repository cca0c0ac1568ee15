package io.qwen4j.tensor;

import static io.qwen4j.tensor.VectorKernels.F;
import static io.qwen4j.tensor.VectorKernels.I32;
import static io.qwen4j.tensor.VectorKernels.S16;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Matrix products of float-valued weight rows (F32, BF16, F16, and quantized types without an integer
 * kernel) with F32 activations. Every (weight row, token) dot product has one accumulator, filled in
 * column order one vector at a time by fused multiply-adds, summed by {@link VectorKernels#sum}, then the
 * columns past the last whole vector added one by one ({@code s += w·x}); so a result has the same bits
 * whichever kernel made it: one token (decode: 4 rows at a time straight from the stored bytes) or many
 * (prefill: 4 rows widened once into a float tile, multiplied by 4 tokens at a time from a block of 64
 * tokens that stays in cache).
 */
final class FloatGemm {
    /** Widens stored row {@code row} into {@code dst[off .. off+cols)} exactly. */
    @FunctionalInterface
    interface RowWidener {
        void widen(int row, float[] dst, int off);
    }

    /** Tokens per block of the prefill loop: 64 rows of x stay in L2 while the weight rows pass. */
    static final int TOKEN_BLOCK = 64;
    private static final ThreadLocal<float[]> TILE = ThreadLocal.withInitial(() -> new float[0]);

    private FloatGemm() {}

    static float[] tile(int n) {
        float[] buf = TILE.get();
        if (buf.length < n) {
            buf = new float[n];
            TILE.set(buf);
        }
        return buf;
    }

    /** The prefill path: rows widened 4 at a time into a tile, then 4×4 (rows×tokens) register tiles. */
    static void matmul(RowWidener rows, int cols, FloatMatrix x, FloatMatrix out, int rowStart, int rowEnd) {
        float[] xs = x.data();
        float[] os = out.data();
        int oc = out.cols();
        int tokens = x.rows();
        float[] w = tile(4 * cols);
        for (int tb = 0; tb < tokens; tb += TOKEN_BLOCK) {
            int te = Math.min(tokens, tb + TOKEN_BLOCK);
            int r = rowStart;
            for (; r + 4 <= rowEnd; r += 4) {
                for (int i = 0; i < 4; i++) {
                    rows.widen(r + i, w, i * cols);
                }
                int t = tb;
                for (; t + 4 <= te; t += 4) {
                    tile4x4(w, cols, xs, t * cols, os, t * oc + r, oc);
                }
                for (; t < te; t++) {
                    tile4x1(w, cols, xs, t * cols, os, t * oc + r);
                }
            }
            for (; r < rowEnd; r++) {
                rows.widen(r, w, 0);
                for (int t = tb; t < te; t++) {
                    os[t * oc + r] = dot(w, 0, xs, t * cols, cols);
                }
            }
        }
    }

    /** One (row, token) dot product in the canonical order. */
    static float dot(float[] w, int wo, float[] x, int xo, int n) {
        int step = F.length();
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - step; i += step) {
            acc = FloatVector.fromArray(F, w, wo + i).fma(FloatVector.fromArray(F, x, xo + i), acc);
        }
        float s = VectorKernels.sum(acc);
        for (; i < n; i++) {
            s += w[wo + i] * x[xo + i];
        }
        return s;
    }

    /** Rows {@code w[0..4)} (each {@code n} floats) times one token; results to {@code os[oo .. oo+4)}. */
    static void tile4x1(float[] w, int n, float[] x, int xo, float[] os, int oo) {
        int step = F.length();
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        FloatVector a2 = FloatVector.zero(F);
        FloatVector a3 = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - step; i += step) {
            FloatVector xv = FloatVector.fromArray(F, x, xo + i);
            a0 = FloatVector.fromArray(F, w, i).fma(xv, a0);
            a1 = FloatVector.fromArray(F, w, n + i).fma(xv, a1);
            a2 = FloatVector.fromArray(F, w, 2 * n + i).fma(xv, a2);
            a3 = FloatVector.fromArray(F, w, 3 * n + i).fma(xv, a3);
        }
        float s0 = VectorKernels.sum(a0);
        float s1 = VectorKernels.sum(a1);
        float s2 = VectorKernels.sum(a2);
        float s3 = VectorKernels.sum(a3);
        for (; i < n; i++) {
            float xv = x[xo + i];
            s0 += w[i] * xv;
            s1 += w[n + i] * xv;
            s2 += w[2 * n + i] * xv;
            s3 += w[3 * n + i] * xv;
        }
        os[oo] = s0;
        os[oo + 1] = s1;
        os[oo + 2] = s2;
        os[oo + 3] = s3;
    }

    /** Rows {@code w[0..4)} times tokens {@code x[xo..]} 0..3 (rows of {@code n}); {@code os[oo + t·oc + r]}. */
    static void tile4x4(float[] w, int n, float[] x, int xo, float[] os, int oo, int oc) {
        int step = F.length();
        FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F), a02 = FloatVector.zero(F), a03 = FloatVector.zero(F);
        FloatVector a10 = FloatVector.zero(F), a11 = FloatVector.zero(F), a12 = FloatVector.zero(F), a13 = FloatVector.zero(F);
        FloatVector a20 = FloatVector.zero(F), a21 = FloatVector.zero(F), a22 = FloatVector.zero(F), a23 = FloatVector.zero(F);
        FloatVector a30 = FloatVector.zero(F), a31 = FloatVector.zero(F), a32 = FloatVector.zero(F), a33 = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - step; i += step) {
            FloatVector w0 = FloatVector.fromArray(F, w, i);
            FloatVector w1 = FloatVector.fromArray(F, w, n + i);
            FloatVector w2 = FloatVector.fromArray(F, w, 2 * n + i);
            FloatVector w3 = FloatVector.fromArray(F, w, 3 * n + i);
            FloatVector x0 = FloatVector.fromArray(F, x, xo + i);
            a00 = w0.fma(x0, a00);
            a10 = w1.fma(x0, a10);
            a20 = w2.fma(x0, a20);
            a30 = w3.fma(x0, a30);
            FloatVector x1 = FloatVector.fromArray(F, x, xo + n + i);
            a01 = w0.fma(x1, a01);
            a11 = w1.fma(x1, a11);
            a21 = w2.fma(x1, a21);
            a31 = w3.fma(x1, a31);
            FloatVector x2 = FloatVector.fromArray(F, x, xo + 2 * n + i);
            a02 = w0.fma(x2, a02);
            a12 = w1.fma(x2, a12);
            a22 = w2.fma(x2, a22);
            a32 = w3.fma(x2, a32);
            FloatVector x3 = FloatVector.fromArray(F, x, xo + 3 * n + i);
            a03 = w0.fma(x3, a03);
            a13 = w1.fma(x3, a13);
            a23 = w2.fma(x3, a23);
            a33 = w3.fma(x3, a33);
        }
        float[] sums = {
            VectorKernels.sum(a00), VectorKernels.sum(a10), VectorKernels.sum(a20), VectorKernels.sum(a30),
            VectorKernels.sum(a01), VectorKernels.sum(a11), VectorKernels.sum(a21), VectorKernels.sum(a31),
            VectorKernels.sum(a02), VectorKernels.sum(a12), VectorKernels.sum(a22), VectorKernels.sum(a32),
            VectorKernels.sum(a03), VectorKernels.sum(a13), VectorKernels.sum(a23), VectorKernels.sum(a33)};
        finish(sums, w, x, xo, i, n, os, oo, oc);
    }

    /** {@code os[oo + t·oc + r] = sums[4t + r] + Σ_{i ≥ tail} w[r·n+i]·x[xo+t·n+i]}: the canonical finish of each dot product. */
    private static void finish(float[] sums, float[] w, float[] x, int xo, int tail, int n, float[] os, int oo, int oc) {
        for (int t = 0; t < 4; t++) {
            for (int r = 0; r < 4; r++) {
                float s = sums[4 * t + r];
                for (int i = tail; i < n; i++) {
                    s += w[r * n + i] * x[xo + t * n + i];
                }
                os[oo + t * oc + r] = s;
            }
        }
    }

    // --- decode: one token, rows read straight from the stored bytes ---

    /** BF16 rows {@code [rowStart, rowEnd)} (row r at byte 2·r·n) times one token {@code x[xo..]}: {@code os[oo + r]}. */
    static void bf16Rows(MemorySegment w, int n, float[] x, int xo, float[] os, int oo, int rowStart, int rowEnd) {
        int step = F.length();
        ByteOrder le = ByteOrder.LITTLE_ENDIAN;
        int r = rowStart;
        for (; r + 4 <= rowEnd; r += 4) {
            long o0 = 2L * r * n;
            long o1 = o0 + 2L * n;
            long o2 = o1 + 2L * n;
            long o3 = o2 + 2L * n;
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            FloatVector a2 = FloatVector.zero(F);
            FloatVector a3 = FloatVector.zero(F);
            int i = 0;
            for (; i <= n - step; i += step) {
                FloatVector xv = FloatVector.fromArray(F, x, xo + i);
                a0 = widen(ShortVector.fromMemorySegment(S16, w, o0 + 2L * i, le)).fma(xv, a0);
                a1 = widen(ShortVector.fromMemorySegment(S16, w, o1 + 2L * i, le)).fma(xv, a1);
                a2 = widen(ShortVector.fromMemorySegment(S16, w, o2 + 2L * i, le)).fma(xv, a2);
                a3 = widen(ShortVector.fromMemorySegment(S16, w, o3 + 2L * i, le)).fma(xv, a3);
            }
            float s0 = VectorKernels.sum(a0);
            float s1 = VectorKernels.sum(a1);
            float s2 = VectorKernels.sum(a2);
            float s3 = VectorKernels.sum(a3);
            for (; i < n; i++) {
                float xv = x[xo + i];
                s0 += bf16(w, o0 + 2L * i) * xv;
                s1 += bf16(w, o1 + 2L * i) * xv;
                s2 += bf16(w, o2 + 2L * i) * xv;
                s3 += bf16(w, o3 + 2L * i) * xv;
            }
            os[oo + r] = s0;
            os[oo + r + 1] = s1;
            os[oo + r + 2] = s2;
            os[oo + r + 3] = s3;
        }
        for (; r < rowEnd; r++) {
            long o = 2L * r * n;
            FloatVector a = FloatVector.zero(F);
            int i = 0;
            for (; i <= n - step; i += step) {
                a = widen(ShortVector.fromMemorySegment(S16, w, o + 2L * i, le)).fma(FloatVector.fromArray(F, x, xo + i), a);
            }
            float s = VectorKernels.sum(a);
            for (; i < n; i++) {
                s += bf16(w, o + 2L * i) * x[xo + i];
            }
            os[oo + r] = s;
        }
    }

    /** BF16 bits widened to floats; a tiny helper C2 inlines (checked: the decode kernel runs at memory speed). */
    private static FloatVector widen(ShortVector raw) {
        return ((IntVector) raw.convertShape(VectorOperators.S2I, I32, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private static float bf16(MemorySegment w, long off) {
        return VectorKernels.bf16ToFloat(w.get(VectorKernels.SHORT_LE, off));
    }

    /** F32 rows (row r at byte 4·r·n) times one token, as {@link #bf16Rows}. */
    static void f32Rows(MemorySegment w, int n, float[] x, int xo, float[] os, int oo, int rowStart, int rowEnd) {
        int step = F.length();
        ByteOrder le = ByteOrder.LITTLE_ENDIAN;
        int r = rowStart;
        for (; r + 4 <= rowEnd; r += 4) {
            long o0 = 4L * r * n;
            long o1 = o0 + 4L * n;
            long o2 = o1 + 4L * n;
            long o3 = o2 + 4L * n;
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            FloatVector a2 = FloatVector.zero(F);
            FloatVector a3 = FloatVector.zero(F);
            int i = 0;
            for (; i <= n - step; i += step) {
                FloatVector xv = FloatVector.fromArray(F, x, xo + i);
                a0 = FloatVector.fromMemorySegment(F, w, o0 + 4L * i, le).fma(xv, a0);
                a1 = FloatVector.fromMemorySegment(F, w, o1 + 4L * i, le).fma(xv, a1);
                a2 = FloatVector.fromMemorySegment(F, w, o2 + 4L * i, le).fma(xv, a2);
                a3 = FloatVector.fromMemorySegment(F, w, o3 + 4L * i, le).fma(xv, a3);
            }
            float s0 = VectorKernels.sum(a0);
            float s1 = VectorKernels.sum(a1);
            float s2 = VectorKernels.sum(a2);
            float s3 = VectorKernels.sum(a3);
            for (; i < n; i++) {
                float xv = x[xo + i];
                s0 += w.get(VectorKernels.FLOAT_LE, o0 + 4L * i) * xv;
                s1 += w.get(VectorKernels.FLOAT_LE, o1 + 4L * i) * xv;
                s2 += w.get(VectorKernels.FLOAT_LE, o2 + 4L * i) * xv;
                s3 += w.get(VectorKernels.FLOAT_LE, o3 + 4L * i) * xv;
            }
            os[oo + r] = s0;
            os[oo + r + 1] = s1;
            os[oo + r + 2] = s2;
            os[oo + r + 3] = s3;
        }
        for (; r < rowEnd; r++) {
            long o = 4L * r * n;
            FloatVector a = FloatVector.zero(F);
            int i = 0;
            for (; i <= n - step; i += step) {
                a = FloatVector.fromMemorySegment(F, w, o + 4L * i, le).fma(FloatVector.fromArray(F, x, xo + i), a);
            }
            float s = VectorKernels.sum(a);
            for (; i < n; i++) {
                s += w.get(VectorKernels.FLOAT_LE, o + 4L * i) * x[xo + i];
            }
            os[oo + r] = s;
        }
    }
}
