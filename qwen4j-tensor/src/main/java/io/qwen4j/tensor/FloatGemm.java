package io.qwen4j.tensor;

import static io.qwen4j.tensor.VectorKernels.F;
import static io.qwen4j.tensor.VectorKernels.I32;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Matrix products of weight rows widened to floats (F32, BF16, F16, and the quantized types through
 * their {@code widenRow}) with F32 activations. Every (weight row, token) dot product is computed in one order, whichever
 * kernel computes it: two accumulators, the first taking vector steps 0, 2, 4, … and the second steps
 * 1, 3, 5, … by fused multiply-adds, added together, their lanes summed by {@link VectorKernels#sumLanes},
 * then the columns past the last whole vector added one by one ({@code s += w·x}). So a result has the
 * same bits for one token (decode: one row at a time straight from the stored bytes, a single sequential
 * stream the hardware prefetcher follows; four interleaved rows ran at a third of the speed) or for many
 * (prefill: 4 rows widened once into a float tile, multiplied by 3 tokens at a time in registers, over
 * blocks of {@link #TOKEN_BLOCK} tokens that stay in cache).
 *
 * <p>Kernels are small methods called once per row or tile: C2 compiles a method that is called often
 * early, and until it does, Vector API calls run as Java code a hundred times slower.
 */
final class FloatGemm {
    /** Widens stored row {@code row} into {@code dst[off .. off+cols)} exactly. */
    @FunctionalInterface
    interface RowWidener {
        void widen(int row, float[] dst, int off);
    }

    /** Tokens per block of the prefill loop (a multiple of the tiles' 3 and 2): its rows of x stay in L2 while the weight rows pass. */
    static final int TOKEN_BLOCK = 60;
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

    /** The prefill path: rows widened 4 at a time into a tile, then 4×3 (rows×tokens) register tiles (4×2, 4×1 at the end of a block). */
    static void matmul(RowWidener rows, int cols, FloatMatrix x, FloatMatrix out, int rowStart, int rowEnd) {
        float[] xs = x.data();
        float[] os = out.data();
        int oc = out.cols();
        int tokens = x.rows();
        float[] w = tile(4 * cols);
        float[] lanes = VectorKernels.lanes();
        for (int tb = 0; tb < tokens; tb += TOKEN_BLOCK) {
            int te = Math.min(tokens, tb + TOKEN_BLOCK);
            int r = rowStart;
            for (; r + 4 <= rowEnd; r += 4) {
                for (int i = 0; i < 4; i++) {
                    rows.widen(r + i, w, i * cols);
                }
                int t = tb;
                for (; t + 3 <= te; t += 3) {
                    tile4x3(w, cols, xs, t * cols, os, t * oc + r, oc, lanes);
                }
                for (; t + 2 <= te; t += 2) {
                    tile4x2(w, cols, xs, t * cols, os, t * oc + r, oc, lanes);
                }
                for (; t < te; t++) {
                    for (int i = 0; i < 4; i++) {
                        os[t * oc + r + i] = dot(w, i * cols, xs, t * cols, cols, lanes);
                    }
                }
            }
            for (; r < rowEnd; r++) {
                rows.widen(r, w, 0);
                for (int t = tb; t < te; t++) {
                    os[t * oc + r] = dot(w, 0, xs, t * cols, cols, lanes);
                }
            }
        }
    }

    /** One (row, token) dot product in the canonical order. */
    static float dot(float[] w, int wo, float[] x, int xo, int n, float[] lanes) {
        int step = F.length();
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - 2 * step; i += 2 * step) {
            acc0 = FloatVector.fromArray(F, w, wo + i).fma(FloatVector.fromArray(F, x, xo + i), acc0);
            acc1 = FloatVector.fromArray(F, w, wo + i + step).fma(FloatVector.fromArray(F, x, xo + i + step), acc1);
        }
        if (i <= n - step) {
            acc0 = FloatVector.fromArray(F, w, wo + i).fma(FloatVector.fromArray(F, x, xo + i), acc0);
            i += step;
        }
        FloatVector v = acc0.add(acc1);
        float s;
        if (VectorKernels.BUTTERFLY) {
            if (step > 8) {
                v = v.add(v.rearrange(VectorKernels.SWAP8));
            }
            if (step > 4) {
                v = v.add(v.rearrange(VectorKernels.SWAP4));
            }
            if (step > 2) {
                v = v.add(v.rearrange(VectorKernels.SWAP2));
            }
            if (step > 1) {
                v = v.add(v.rearrange(VectorKernels.SWAP1));
            }
            s = v.reduceLanes(VectorOperators.MAX);
        } else {
            v.intoArray(lanes, 0);
            s = VectorKernels.sumLanes(lanes, 0, step);
        }
        for (; i < n; i++) {
            s += w[wo + i] * x[xo + i];
        }
        return s;
    }

    /**
     * Rows {@code w[0..4)} times tokens {@code x[xo..]}, {@code x[xo+n..]}, {@code x[xo+2n..]}: 24 accumulators
     * (two per dot product, the canonical order), each weight load used three times; lanes summed by
     * {@link VectorKernels#sumLanes} (the butterfly's order).
     */
    static void tile4x3(float[] w, int n, float[] x, int xo, float[] os, int oo, int oc, float[] lanes) {
        int step = F.length();
        FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F), a02 = FloatVector.zero(F), a10 = FloatVector.zero(F), a11 = FloatVector.zero(F), a12 = FloatVector.zero(F), a20 = FloatVector.zero(F), a21 = FloatVector.zero(F), a22 = FloatVector.zero(F), a30 = FloatVector.zero(F), a31 = FloatVector.zero(F), a32 = FloatVector.zero(F), b00 = FloatVector.zero(F), b01 = FloatVector.zero(F), b02 = FloatVector.zero(F), b10 = FloatVector.zero(F), b11 = FloatVector.zero(F), b12 = FloatVector.zero(F), b20 = FloatVector.zero(F), b21 = FloatVector.zero(F), b22 = FloatVector.zero(F), b30 = FloatVector.zero(F), b31 = FloatVector.zero(F), b32 = FloatVector.zero(F);
        int x1o = xo + n;
        int x2o = xo + 2 * n;
        int i = 0;
        for (; i <= n - 2 * step; i += 2 * step) {
            FloatVector x0 = FloatVector.fromArray(F, x, xo + i);
            FloatVector x1 = FloatVector.fromArray(F, x, x1o + i);
            FloatVector x2 = FloatVector.fromArray(F, x, x2o + i);
            FloatVector wv = FloatVector.fromArray(F, w, i);
            a00 = wv.fma(x0, a00);
            a01 = wv.fma(x1, a01);
            a02 = wv.fma(x2, a02);
            wv = FloatVector.fromArray(F, w, 1 * n + i);
            a10 = wv.fma(x0, a10);
            a11 = wv.fma(x1, a11);
            a12 = wv.fma(x2, a12);
            wv = FloatVector.fromArray(F, w, 2 * n + i);
            a20 = wv.fma(x0, a20);
            a21 = wv.fma(x1, a21);
            a22 = wv.fma(x2, a22);
            wv = FloatVector.fromArray(F, w, 3 * n + i);
            a30 = wv.fma(x0, a30);
            a31 = wv.fma(x1, a31);
            a32 = wv.fma(x2, a32);
            x0 = FloatVector.fromArray(F, x, xo + i + step);
            x1 = FloatVector.fromArray(F, x, x1o + i + step);
            x2 = FloatVector.fromArray(F, x, x2o + i + step);
            wv = FloatVector.fromArray(F, w, i + step);
            b00 = wv.fma(x0, b00);
            b01 = wv.fma(x1, b01);
            b02 = wv.fma(x2, b02);
            wv = FloatVector.fromArray(F, w, 1 * n + i + step);
            b10 = wv.fma(x0, b10);
            b11 = wv.fma(x1, b11);
            b12 = wv.fma(x2, b12);
            wv = FloatVector.fromArray(F, w, 2 * n + i + step);
            b20 = wv.fma(x0, b20);
            b21 = wv.fma(x1, b21);
            b22 = wv.fma(x2, b22);
            wv = FloatVector.fromArray(F, w, 3 * n + i + step);
            b30 = wv.fma(x0, b30);
            b31 = wv.fma(x1, b31);
            b32 = wv.fma(x2, b32);
        }
        if (i <= n - step) {
            FloatVector x0 = FloatVector.fromArray(F, x, xo + i);
            FloatVector x1 = FloatVector.fromArray(F, x, x1o + i);
            FloatVector x2 = FloatVector.fromArray(F, x, x2o + i);
            FloatVector wv = FloatVector.fromArray(F, w, i);
            a00 = wv.fma(x0, a00);
            a01 = wv.fma(x1, a01);
            a02 = wv.fma(x2, a02);
            wv = FloatVector.fromArray(F, w, 1 * n + i);
            a10 = wv.fma(x0, a10);
            a11 = wv.fma(x1, a11);
            a12 = wv.fma(x2, a12);
            wv = FloatVector.fromArray(F, w, 2 * n + i);
            a20 = wv.fma(x0, a20);
            a21 = wv.fma(x1, a21);
            a22 = wv.fma(x2, a22);
            wv = FloatVector.fromArray(F, w, 3 * n + i);
            a30 = wv.fma(x0, a30);
            a31 = wv.fma(x1, a31);
            a32 = wv.fma(x2, a32);
            i += step;
        }
        if (step == 16) {
            // per token, the four rows' accumulators summed together: a transposing butterfly for d = 8, 4 (two
            // accumulators' lanes l and l^d added at once), then d = 2, 1 inside the vector; sumLanes' pairs and
            // order, row r's total ending in lane 0, 8, 4, 12 for r = 0..3
            FloatVector v00 = a00.add(b00), v10 = a10.add(b10), v20 = a20.add(b20), v30 = a30.add(b30);
            FloatVector p00 = v00.blend(v10, VectorKernels.LANE_BIT8).add(v00.rearrange(VectorKernels.SWAP8).blend(v10.rearrange(VectorKernels.SWAP8), VectorKernels.LANE_BIT8));
            FloatVector p10 = v20.blend(v30, VectorKernels.LANE_BIT8).add(v20.rearrange(VectorKernels.SWAP8).blend(v30.rearrange(VectorKernels.SWAP8), VectorKernels.LANE_BIT8));
            FloatVector q0 = p00.blend(p10, VectorKernels.LANE_BIT4).add(p00.rearrange(VectorKernels.SWAP4).blend(p10.rearrange(VectorKernels.SWAP4), VectorKernels.LANE_BIT4));
            q0 = q0.add(q0.rearrange(VectorKernels.SWAP2));
            q0.add(q0.rearrange(VectorKernels.SWAP1)).intoArray(lanes, 0 * 16);
            FloatVector v01 = a01.add(b01), v11 = a11.add(b11), v21 = a21.add(b21), v31 = a31.add(b31);
            FloatVector p01 = v01.blend(v11, VectorKernels.LANE_BIT8).add(v01.rearrange(VectorKernels.SWAP8).blend(v11.rearrange(VectorKernels.SWAP8), VectorKernels.LANE_BIT8));
            FloatVector p11 = v21.blend(v31, VectorKernels.LANE_BIT8).add(v21.rearrange(VectorKernels.SWAP8).blend(v31.rearrange(VectorKernels.SWAP8), VectorKernels.LANE_BIT8));
            FloatVector q1 = p01.blend(p11, VectorKernels.LANE_BIT4).add(p01.rearrange(VectorKernels.SWAP4).blend(p11.rearrange(VectorKernels.SWAP4), VectorKernels.LANE_BIT4));
            q1 = q1.add(q1.rearrange(VectorKernels.SWAP2));
            q1.add(q1.rearrange(VectorKernels.SWAP1)).intoArray(lanes, 1 * 16);
            FloatVector v02 = a02.add(b02), v12 = a12.add(b12), v22 = a22.add(b22), v32 = a32.add(b32);
            FloatVector p02 = v02.blend(v12, VectorKernels.LANE_BIT8).add(v02.rearrange(VectorKernels.SWAP8).blend(v12.rearrange(VectorKernels.SWAP8), VectorKernels.LANE_BIT8));
            FloatVector p12 = v22.blend(v32, VectorKernels.LANE_BIT8).add(v22.rearrange(VectorKernels.SWAP8).blend(v32.rearrange(VectorKernels.SWAP8), VectorKernels.LANE_BIT8));
            FloatVector q2 = p02.blend(p12, VectorKernels.LANE_BIT4).add(p02.rearrange(VectorKernels.SWAP4).blend(p12.rearrange(VectorKernels.SWAP4), VectorKernels.LANE_BIT4));
            q2 = q2.add(q2.rearrange(VectorKernels.SWAP2));
            q2.add(q2.rearrange(VectorKernels.SWAP1)).intoArray(lanes, 2 * 16);
            for (int t = 0; t < 3; t++) {
                for (int r = 0; r < 4; r++) {
                    float s = lanes[16 * t + 8 * (r & 1) + 4 * (r >> 1)];
                    for (int j = i; j < n; j++) {
                        s += w[r * n + j] * x[xo + t * n + j];
                    }
                    os[oo + t * oc + r] = s;
                }
            }
            return;
        }
        a00.add(b00).intoArray(lanes, 0 * step);
        a10.add(b10).intoArray(lanes, 1 * step);
        a20.add(b20).intoArray(lanes, 2 * step);
        a30.add(b30).intoArray(lanes, 3 * step);
        a01.add(b01).intoArray(lanes, 4 * step);
        a11.add(b11).intoArray(lanes, 5 * step);
        a21.add(b21).intoArray(lanes, 6 * step);
        a31.add(b31).intoArray(lanes, 7 * step);
        a02.add(b02).intoArray(lanes, 8 * step);
        a12.add(b12).intoArray(lanes, 9 * step);
        a22.add(b22).intoArray(lanes, 10 * step);
        a32.add(b32).intoArray(lanes, 11 * step);
        for (int t = 0; t < 3; t++) {
            for (int r = 0; r < 4; r++) {
                float s = VectorKernels.sumLanes(lanes, (4 * t + r) * step, step);
                for (int j = i; j < n; j++) {
                    s += w[r * n + j] * x[xo + t * n + j];
                }
                os[oo + t * oc + r] = s;
            }
        }
    }

    /**
     * Rows {@code w[0..4)} (each {@code n} floats) times tokens {@code x[xo..]} and {@code x[xo+n..]}:
     * {@code os[oo + t·oc + r]}; 16 accumulators (two per dot product), each weight load used twice.
     */
    static void tile4x2(float[] w, int n, float[] x, int xo, float[] os, int oo, int oc, float[] lanes) {
        int step = F.length();
        FloatVector a00 = FloatVector.zero(F), b00 = FloatVector.zero(F), a10 = FloatVector.zero(F), b10 = FloatVector.zero(F);
        FloatVector a20 = FloatVector.zero(F), b20 = FloatVector.zero(F), a30 = FloatVector.zero(F), b30 = FloatVector.zero(F);
        FloatVector a01 = FloatVector.zero(F), b01 = FloatVector.zero(F), a11 = FloatVector.zero(F), b11 = FloatVector.zero(F);
        FloatVector a21 = FloatVector.zero(F), b21 = FloatVector.zero(F), a31 = FloatVector.zero(F), b31 = FloatVector.zero(F);
        int x1o = xo + n;
        int i = 0;
        for (; i <= n - 2 * step; i += 2 * step) {
            FloatVector x0 = FloatVector.fromArray(F, x, xo + i);
            FloatVector x1 = FloatVector.fromArray(F, x, x1o + i);
            FloatVector w0 = FloatVector.fromArray(F, w, i);
            a00 = w0.fma(x0, a00);
            a01 = w0.fma(x1, a01);
            FloatVector w1 = FloatVector.fromArray(F, w, n + i);
            a10 = w1.fma(x0, a10);
            a11 = w1.fma(x1, a11);
            FloatVector w2 = FloatVector.fromArray(F, w, 2 * n + i);
            a20 = w2.fma(x0, a20);
            a21 = w2.fma(x1, a21);
            FloatVector w3 = FloatVector.fromArray(F, w, 3 * n + i);
            a30 = w3.fma(x0, a30);
            a31 = w3.fma(x1, a31);
            int j = i + step;
            FloatVector y0 = FloatVector.fromArray(F, x, xo + j);
            FloatVector y1 = FloatVector.fromArray(F, x, x1o + j);
            FloatVector v0 = FloatVector.fromArray(F, w, j);
            b00 = v0.fma(y0, b00);
            b01 = v0.fma(y1, b01);
            FloatVector v1 = FloatVector.fromArray(F, w, n + j);
            b10 = v1.fma(y0, b10);
            b11 = v1.fma(y1, b11);
            FloatVector v2 = FloatVector.fromArray(F, w, 2 * n + j);
            b20 = v2.fma(y0, b20);
            b21 = v2.fma(y1, b21);
            FloatVector v3 = FloatVector.fromArray(F, w, 3 * n + j);
            b30 = v3.fma(y0, b30);
            b31 = v3.fma(y1, b31);
        }
        if (i <= n - step) {
            FloatVector x0 = FloatVector.fromArray(F, x, xo + i);
            FloatVector x1 = FloatVector.fromArray(F, x, x1o + i);
            FloatVector w0 = FloatVector.fromArray(F, w, i);
            a00 = w0.fma(x0, a00);
            a01 = w0.fma(x1, a01);
            FloatVector w1 = FloatVector.fromArray(F, w, n + i);
            a10 = w1.fma(x0, a10);
            a11 = w1.fma(x1, a11);
            FloatVector w2 = FloatVector.fromArray(F, w, 2 * n + i);
            a20 = w2.fma(x0, a20);
            a21 = w2.fma(x1, a21);
            FloatVector w3 = FloatVector.fromArray(F, w, 3 * n + i);
            a30 = w3.fma(x0, a30);
            a31 = w3.fma(x1, a31);
            i += step;
        }
        if (VectorKernels.BUTTERFLY) { // each accumulator pair summed by the butterfly of bf16Row, inline (a helper taking a vector risks boxing)
            FloatVector v00 = a00.add(b00);
            if (step > 8) {
                v00 = v00.add(v00.rearrange(VectorKernels.SWAP8));
            }
            if (step > 4) {
                v00 = v00.add(v00.rearrange(VectorKernels.SWAP4));
            }
            if (step > 2) {
                v00 = v00.add(v00.rearrange(VectorKernels.SWAP2));
            }
            if (step > 1) {
                v00 = v00.add(v00.rearrange(VectorKernels.SWAP1));
            }
            lanes[0] = v00.reduceLanes(VectorOperators.MAX);
            FloatVector v10 = a10.add(b10);
            if (step > 8) {
                v10 = v10.add(v10.rearrange(VectorKernels.SWAP8));
            }
            if (step > 4) {
                v10 = v10.add(v10.rearrange(VectorKernels.SWAP4));
            }
            if (step > 2) {
                v10 = v10.add(v10.rearrange(VectorKernels.SWAP2));
            }
            if (step > 1) {
                v10 = v10.add(v10.rearrange(VectorKernels.SWAP1));
            }
            lanes[1] = v10.reduceLanes(VectorOperators.MAX);
            FloatVector v20 = a20.add(b20);
            if (step > 8) {
                v20 = v20.add(v20.rearrange(VectorKernels.SWAP8));
            }
            if (step > 4) {
                v20 = v20.add(v20.rearrange(VectorKernels.SWAP4));
            }
            if (step > 2) {
                v20 = v20.add(v20.rearrange(VectorKernels.SWAP2));
            }
            if (step > 1) {
                v20 = v20.add(v20.rearrange(VectorKernels.SWAP1));
            }
            lanes[2] = v20.reduceLanes(VectorOperators.MAX);
            FloatVector v30 = a30.add(b30);
            if (step > 8) {
                v30 = v30.add(v30.rearrange(VectorKernels.SWAP8));
            }
            if (step > 4) {
                v30 = v30.add(v30.rearrange(VectorKernels.SWAP4));
            }
            if (step > 2) {
                v30 = v30.add(v30.rearrange(VectorKernels.SWAP2));
            }
            if (step > 1) {
                v30 = v30.add(v30.rearrange(VectorKernels.SWAP1));
            }
            lanes[3] = v30.reduceLanes(VectorOperators.MAX);
            FloatVector v01 = a01.add(b01);
            if (step > 8) {
                v01 = v01.add(v01.rearrange(VectorKernels.SWAP8));
            }
            if (step > 4) {
                v01 = v01.add(v01.rearrange(VectorKernels.SWAP4));
            }
            if (step > 2) {
                v01 = v01.add(v01.rearrange(VectorKernels.SWAP2));
            }
            if (step > 1) {
                v01 = v01.add(v01.rearrange(VectorKernels.SWAP1));
            }
            lanes[4] = v01.reduceLanes(VectorOperators.MAX);
            FloatVector v11 = a11.add(b11);
            if (step > 8) {
                v11 = v11.add(v11.rearrange(VectorKernels.SWAP8));
            }
            if (step > 4) {
                v11 = v11.add(v11.rearrange(VectorKernels.SWAP4));
            }
            if (step > 2) {
                v11 = v11.add(v11.rearrange(VectorKernels.SWAP2));
            }
            if (step > 1) {
                v11 = v11.add(v11.rearrange(VectorKernels.SWAP1));
            }
            lanes[5] = v11.reduceLanes(VectorOperators.MAX);
            FloatVector v21 = a21.add(b21);
            if (step > 8) {
                v21 = v21.add(v21.rearrange(VectorKernels.SWAP8));
            }
            if (step > 4) {
                v21 = v21.add(v21.rearrange(VectorKernels.SWAP4));
            }
            if (step > 2) {
                v21 = v21.add(v21.rearrange(VectorKernels.SWAP2));
            }
            if (step > 1) {
                v21 = v21.add(v21.rearrange(VectorKernels.SWAP1));
            }
            lanes[6] = v21.reduceLanes(VectorOperators.MAX);
            FloatVector v31 = a31.add(b31);
            if (step > 8) {
                v31 = v31.add(v31.rearrange(VectorKernels.SWAP8));
            }
            if (step > 4) {
                v31 = v31.add(v31.rearrange(VectorKernels.SWAP4));
            }
            if (step > 2) {
                v31 = v31.add(v31.rearrange(VectorKernels.SWAP2));
            }
            if (step > 1) {
                v31 = v31.add(v31.rearrange(VectorKernels.SWAP1));
            }
            lanes[7] = v31.reduceLanes(VectorOperators.MAX);
        } else {
            a00.add(b00).intoArray(lanes, 0 * step);
            a10.add(b10).intoArray(lanes, 1 * step);
            a20.add(b20).intoArray(lanes, 2 * step);
            a30.add(b30).intoArray(lanes, 3 * step);
            a01.add(b01).intoArray(lanes, 4 * step);
            a11.add(b11).intoArray(lanes, 5 * step);
            a21.add(b21).intoArray(lanes, 6 * step);
            a31.add(b31).intoArray(lanes, 7 * step);
            for (int k = 0; k < 8; k++) {
                lanes[k] = VectorKernels.sumLanes(lanes, k * step, step);
            }
        }
        finish(lanes, w, x, xo, i, n, os, oo, oc);
    }

    /** {@code os[oo + t·oc + r]} = {@code sums[4t + r]} (accumulator 4t + r's lanes summed) plus Σ_{i ≥ tail} w[r·n+i]·x[xo+t·n+i]. */
    private static void finish(float[] sums, float[] w, float[] x, int xo, int tail, int n, float[] os, int oo, int oc) {
        for (int t = 0; t < 2; t++) {
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
        float[] lanes = VectorKernels.lanes();
        for (int r = rowStart; r < rowEnd; r++) {
            os[oo + r] = bf16Row(lanes, w, 2L * r * n, n, x, xo);
        }
    }

    private static float bf16Row(float[] lanes, MemorySegment w, long o, int n, float[] x, int xo) {
        int step = F.length();
        ByteOrder le = ByteOrder.LITTLE_ENDIAN;
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - 2 * step; i += 2 * step) {
            acc0 = VectorKernels.bf16(w, o + 2L * i).fma(FloatVector.fromArray(F, x, xo + i), acc0);
            acc1 = VectorKernels.bf16(w, o + 2L * (i + step)).fma(FloatVector.fromArray(F, x, xo + i + step), acc1);
        }
        if (i <= n - step) {
            acc0 = VectorKernels.bf16(w, o + 2L * i).fma(FloatVector.fromArray(F, x, xo + i), acc0);
            i += step;
        }
        FloatVector v = acc0.add(acc1);
        float s;
        if (VectorKernels.BUTTERFLY) {
            // butterfly: every lane ends with the same pairwise total, so MAX picks it whatever its order
            if (step > 8) {
                v = v.add(v.rearrange(VectorKernels.SWAP8));
            }
            if (step > 4) {
                v = v.add(v.rearrange(VectorKernels.SWAP4));
            }
            if (step > 2) {
                v = v.add(v.rearrange(VectorKernels.SWAP2));
            }
            if (step > 1) {
                v = v.add(v.rearrange(VectorKernels.SWAP1));
            }
            s = v.reduceLanes(VectorOperators.MAX);
        } else {
            v.intoArray(lanes, 0);
            s = VectorKernels.sumLanes(lanes, 0, step);
        }
        for (; i < n; i++) {
            s += VectorKernels.bf16ToFloat(w.get(VectorKernels.SHORT_LE, o + 2L * i)) * x[xo + i];
        }
        return s;
    }

    /** BF16 bits widened to floats; a tiny helper C2 inlines. */
    private static FloatVector widen(ShortVector raw) {
        return ((IntVector) raw.convertShape(VectorOperators.S2I, I32, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** F32 rows (row r at byte 4·r·n) times one token, as {@link #bf16Rows}. */
    static void f32Rows(MemorySegment w, int n, float[] x, int xo, float[] os, int oo, int rowStart, int rowEnd) {
        float[] lanes = VectorKernels.lanes();
        for (int r = rowStart; r < rowEnd; r++) {
            os[oo + r] = f32Row(lanes, w, 4L * r * n, n, x, xo);
        }
    }

    private static float f32Row(float[] lanes, MemorySegment w, long o, int n, float[] x, int xo) {
        int step = F.length();
        ByteOrder le = ByteOrder.LITTLE_ENDIAN;
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int i = 0;
        for (; i <= n - 2 * step; i += 2 * step) {
            acc0 = FloatVector.fromMemorySegment(F, w, o + 4L * i, le).fma(FloatVector.fromArray(F, x, xo + i), acc0);
            acc1 = FloatVector.fromMemorySegment(F, w, o + 4L * (i + step), le).fma(FloatVector.fromArray(F, x, xo + i + step), acc1);
        }
        if (i <= n - step) {
            acc0 = FloatVector.fromMemorySegment(F, w, o + 4L * i, le).fma(FloatVector.fromArray(F, x, xo + i), acc0);
            i += step;
        }
        FloatVector v = acc0.add(acc1);
        float s;
        if (VectorKernels.BUTTERFLY) {
            if (step > 8) {
                v = v.add(v.rearrange(VectorKernels.SWAP8));
            }
            if (step > 4) {
                v = v.add(v.rearrange(VectorKernels.SWAP4));
            }
            if (step > 2) {
                v = v.add(v.rearrange(VectorKernels.SWAP2));
            }
            if (step > 1) {
                v = v.add(v.rearrange(VectorKernels.SWAP1));
            }
            s = v.reduceLanes(VectorOperators.MAX);
        } else {
            v.intoArray(lanes, 0);
            s = VectorKernels.sumLanes(lanes, 0, step);
        }
        for (; i < n; i++) {
            s += w.get(VectorKernels.FLOAT_LE, o + 4L * i) * x[xo + i];
        }
        return s;
    }
}
