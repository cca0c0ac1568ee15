package io.qwen4j.tensor;

import static io.qwen4j.tensor.VectorKernels.F;
import static io.qwen4j.tensor.VectorKernels.LANE_BIT1;
import static io.qwen4j.tensor.VectorKernels.LANE_BIT2;
import static io.qwen4j.tensor.VectorKernels.LANE_BIT4;
import static io.qwen4j.tensor.VectorKernels.LANE_BIT8;
import static io.qwen4j.tensor.VectorKernels.SWAP1;
import static io.qwen4j.tensor.VectorKernels.SWAP2;
import static io.qwen4j.tensor.VectorKernels.SWAP4;
import static io.qwen4j.tensor.VectorKernels.SWAP8;

import java.util.List;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorOperators;

/** Vector API kernels, parallel over weight rows (matmul) or tokens (row-wise ops). */
final class VectorOps implements Ops {
    /** Weight rows per chunk of a parallel matmul. */
    private static final int MATMUL_GRAIN = 16;
    /** Below this many floats a row-wise op runs on the calling thread. */
    private static final int ROWWISE_PARALLEL_FLOATS = 1 << 15;

    private final ThreadPool pool;

    VectorOps(ThreadPool pool) {
        this.pool = pool;
    }

    @Override
    public String describe() {
        return "Vector API ops, " + VectorKernels.describe() + ", " + pool.threads() + " thread(s)";
    }

    @Override
    public ThreadPool pool() {
        return pool;
    }

    @Override
    public void matmul(Weight w, FloatMatrix x, FloatMatrix out) {
        Shapes.checkMatmul(w, x, out);
        pool.parallelFor(w.rows(), MATMUL_GRAIN, (start, end) -> w.matmulRows(x, out, start, end));
    }

    /** The weight rows of all products numbered one after the other, cut into chunks as one matmul's are. */
    @Override
    public void matmuls(List<Product> products) {
        int[] first = new int[products.size() + 1]; // first[i]: number of product i's first row
        for (int i = 0; i < products.size(); i++) {
            Product p = products.get(i);
            Shapes.checkMatmul(p.w(), p.x(), p.out());
            first[i + 1] = Math.addExact(first[i], p.w().rows());
        }
        pool.parallelFor(first[products.size()], MATMUL_GRAIN, (start, end) -> {
            int i = 0;
            while (first[i + 1] <= start) {
                i++;
            }
            for (int row = start; row < end; i++) {
                int stop = Math.min(end, first[i + 1]);
                Product p = products.get(i);
                if (stop > row) {
                    p.w().matmulRows(p.x(), p.out(), row - first[i], stop - first[i]);
                }
                row = stop;
            }
        });
    }

    private void rowwise(FloatMatrix x, ThreadPool.RangeBody rows) {
        if ((long) x.rows() * x.cols() < ROWWISE_PARALLEL_FLOATS) {
            rows.run(0, x.rows());
        } else {
            pool.parallelFor(x.rows(), 1, rows);
        }
    }

    @Override
    public void rmsNorm(FloatMatrix x, float[] weight, float eps, FloatMatrix out) {
        Shapes.checkRowwise(x, out, weight.length);
        int n = x.cols();
        float[] xs = x.data();
        float[] os = out.data();
        rowwise(x, (start, end) -> {
            for (int t = start; t < end; t++) {
                int base = t * n;
                float ss = VectorKernels.dot(xs, base, xs, base, n);
                float inv = (float) (1.0 / Math.sqrt(ss / n + eps));
                int i = 0;
                for (; i <= n - F.length(); i += F.length()) {
                    FloatVector v = FloatVector.fromArray(F, xs, base + i).mul(inv);
                    FloatVector.fromArray(F, weight, i).mul(v).intoArray(os, base + i);
                }
                for (; i < n; i++) {
                    os[base + i] = weight[i] * (xs[base + i] * inv);
                }
            }
        });
    }

    @Override
    public void rope(FloatMatrix x, int headDim, FloatMatrix cos, FloatMatrix sin) {
        Shapes.checkRope(x, headDim, cos, sin);
        int half = headDim / 2;
        int heads = x.cols() / headDim;
        float[] xs = x.data();
        float[] cs = cos.data();
        float[] ss = sin.data();
        rowwise(x, (start, end) -> {
            for (int t = start; t < end; t++) {
                int table = t * half;
                for (int h = 0; h < heads; h++) {
                    int lo = t * x.cols() + h * headDim;
                    int hi = lo + half;
                    int i = 0;
                    for (; i <= half - F.length(); i += F.length()) {
                        FloatVector c = FloatVector.fromArray(F, cs, table + i);
                        FloatVector s = FloatVector.fromArray(F, ss, table + i);
                        FloatVector x1 = FloatVector.fromArray(F, xs, lo + i);
                        FloatVector x2 = FloatVector.fromArray(F, xs, hi + i);
                        x1.mul(c).sub(x2.mul(s)).intoArray(xs, lo + i);
                        x2.mul(c).add(x1.mul(s)).intoArray(xs, hi + i);
                    }
                    for (; i < half; i++) {
                        float c = cs[table + i];
                        float s = ss[table + i];
                        float x1 = xs[lo + i];
                        float x2 = xs[hi + i];
                        xs[lo + i] = x1 * c - x2 * s;
                        xs[hi + i] = x2 * c + x1 * s;
                    }
                }
            }
        });
    }

    @Override
    public void softmax(float[] x, int off, int len) {
        int i = 0;
        FloatVector vmax = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (; i <= len - F.length(); i += F.length()) {
            vmax = vmax.max(FloatVector.fromArray(F, x, off + i));
        }
        float max = vmax.reduceLanes(VectorOperators.MAX);
        for (; i < len; i++) {
            max = Math.max(max, x[off + i]);
        }
        float sum = VectorKernels.expShiftedInPlace(x, off, len, max, VectorKernels.lanes());
        scale(1f / sum, x, off, len);
    }

    @Override
    public void siluMul(FloatMatrix gate, FloatMatrix up, FloatMatrix out) {
        Shapes.checkSame(gate, up);
        Shapes.checkSame(gate, out);
        float[] g = gate.data();
        float[] u = up.data();
        float[] o = out.data();
        int n = gate.cols();
        rowwise(gate, (start, end) -> {
            int lo = start * n;
            int hi = end * n;
            int i = lo;
            for (; i <= hi - F.length(); i += F.length()) {
                FloatVector gv = FloatVector.fromArray(F, g, i);
                FloatVector sig = VectorKernels.exp(gv.neg()).add(1f);
                gv.div(sig).mul(FloatVector.fromArray(F, u, i)).intoArray(o, i);
            }
            for (; i < hi; i++) {
                o[i] = g[i] / (VectorKernels.exp(-g[i]) + 1f) * u[i];
            }
        });
    }

    @Override
    public void add(FloatMatrix acc, FloatMatrix x) {
        Shapes.checkSame(acc, x);
        float[] a = acc.data();
        float[] b = x.data();
        int n = acc.rows() * acc.cols();
        int i = 0;
        for (; i <= n - F.length(); i += F.length()) {
            FloatVector.fromArray(F, a, i).add(FloatVector.fromArray(F, b, i)).intoArray(a, i);
        }
        for (; i < n; i++) {
            a[i] += b[i];
        }
    }

    @Override
    public float dot(float[] a, int ao, float[] b, int bo, int n) {
        return VectorKernels.dot(a, ao, b, bo, n);
    }

    @Override
    public void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        FloatVector a = FloatVector.broadcast(F, alpha);
        int i = 0;
        for (; i <= n - F.length(); i += F.length()) {
            FloatVector.fromArray(F, x, xo + i).fma(a, FloatVector.fromArray(F, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] += alpha * x[xo + i];
        }
    }

    /**
     * Each score is one accumulator over the steps of {@code n} (fused multiply-adds in order), its lanes summed
     * pairwise in {@link VectorKernels#sumLanes}' order, the columns past the last whole step added after, times
     * {@code scale}. With 16 lanes the rows go 16 at a time: their 16 accumulators are summed together by a
     * transposing butterfly (lanes l and l^d of two accumulators added at once, d = 8, 4, 2, 1), which adds the
     * same pairs in the same order as {@code sumLanes} for ~5 vector operations a row instead of a store and 15
     * scalar additions; the rows left over (and other widths) take the one-row path, with the same bits.
     */
    @Override
    public void dots(float[] a, int ao, float[] rows, int first, int stride, int count, int n, float scale, float[] out) {
        int step = F.length();
        float[] lanes = VectorKernels.lanes();
        int p = 0;
        if (step == 16) {
            for (; p + 16 <= count; p += 16) {
                int r = first + p * stride;
                FloatVector c0 = FloatVector.zero(F), c1 = FloatVector.zero(F), c2 = FloatVector.zero(F), c3 = FloatVector.zero(F), c4 = FloatVector.zero(F), c5 = FloatVector.zero(F), c6 = FloatVector.zero(F), c7 = FloatVector.zero(F), c8 = FloatVector.zero(F), c9 = FloatVector.zero(F), c10 = FloatVector.zero(F), c11 = FloatVector.zero(F), c12 = FloatVector.zero(F), c13 = FloatVector.zero(F), c14 = FloatVector.zero(F), c15 = FloatVector.zero(F);
                int i = 0;
                for (; i <= n - 16; i += 16) {
                    FloatVector q = FloatVector.fromArray(F, a, ao + i);
                    c0 = FloatVector.fromArray(F, rows, r + i).fma(q, c0);
                    c1 = FloatVector.fromArray(F, rows, r + 1 * stride + i).fma(q, c1);
                    c2 = FloatVector.fromArray(F, rows, r + 2 * stride + i).fma(q, c2);
                    c3 = FloatVector.fromArray(F, rows, r + 3 * stride + i).fma(q, c3);
                    c4 = FloatVector.fromArray(F, rows, r + 4 * stride + i).fma(q, c4);
                    c5 = FloatVector.fromArray(F, rows, r + 5 * stride + i).fma(q, c5);
                    c6 = FloatVector.fromArray(F, rows, r + 6 * stride + i).fma(q, c6);
                    c7 = FloatVector.fromArray(F, rows, r + 7 * stride + i).fma(q, c7);
                    c8 = FloatVector.fromArray(F, rows, r + 8 * stride + i).fma(q, c8);
                    c9 = FloatVector.fromArray(F, rows, r + 9 * stride + i).fma(q, c9);
                    c10 = FloatVector.fromArray(F, rows, r + 10 * stride + i).fma(q, c10);
                    c11 = FloatVector.fromArray(F, rows, r + 11 * stride + i).fma(q, c11);
                    c12 = FloatVector.fromArray(F, rows, r + 12 * stride + i).fma(q, c12);
                    c13 = FloatVector.fromArray(F, rows, r + 13 * stride + i).fma(q, c13);
                    c14 = FloatVector.fromArray(F, rows, r + 14 * stride + i).fma(q, c14);
                    c15 = FloatVector.fromArray(F, rows, r + 15 * stride + i).fma(q, c15);
                }
                FloatVector u00 = c0.blend(c1, LANE_BIT8).add(c0.rearrange(SWAP8).blend(c1.rearrange(SWAP8), LANE_BIT8));
                FloatVector u01 = c2.blend(c3, LANE_BIT8).add(c2.rearrange(SWAP8).blend(c3.rearrange(SWAP8), LANE_BIT8));
                FloatVector u02 = c4.blend(c5, LANE_BIT8).add(c4.rearrange(SWAP8).blend(c5.rearrange(SWAP8), LANE_BIT8));
                FloatVector u03 = c6.blend(c7, LANE_BIT8).add(c6.rearrange(SWAP8).blend(c7.rearrange(SWAP8), LANE_BIT8));
                FloatVector u04 = c8.blend(c9, LANE_BIT8).add(c8.rearrange(SWAP8).blend(c9.rearrange(SWAP8), LANE_BIT8));
                FloatVector u05 = c10.blend(c11, LANE_BIT8).add(c10.rearrange(SWAP8).blend(c11.rearrange(SWAP8), LANE_BIT8));
                FloatVector u06 = c12.blend(c13, LANE_BIT8).add(c12.rearrange(SWAP8).blend(c13.rearrange(SWAP8), LANE_BIT8));
                FloatVector u07 = c14.blend(c15, LANE_BIT8).add(c14.rearrange(SWAP8).blend(c15.rearrange(SWAP8), LANE_BIT8));
                FloatVector u10 = u00.blend(u01, LANE_BIT4).add(u00.rearrange(SWAP4).blend(u01.rearrange(SWAP4), LANE_BIT4));
                FloatVector u11 = u02.blend(u03, LANE_BIT4).add(u02.rearrange(SWAP4).blend(u03.rearrange(SWAP4), LANE_BIT4));
                FloatVector u12 = u04.blend(u05, LANE_BIT4).add(u04.rearrange(SWAP4).blend(u05.rearrange(SWAP4), LANE_BIT4));
                FloatVector u13 = u06.blend(u07, LANE_BIT4).add(u06.rearrange(SWAP4).blend(u07.rearrange(SWAP4), LANE_BIT4));
                FloatVector u20 = u10.blend(u11, LANE_BIT2).add(u10.rearrange(SWAP2).blend(u11.rearrange(SWAP2), LANE_BIT2));
                FloatVector u21 = u12.blend(u13, LANE_BIT2).add(u12.rearrange(SWAP2).blend(u13.rearrange(SWAP2), LANE_BIT2));
                FloatVector u30 = u20.blend(u21, LANE_BIT1).add(u20.rearrange(SWAP1).blend(u21.rearrange(SWAP1), LANE_BIT1));
                // lane l held row bitreverse4(l)'s sum; BITREV puts row k's in lane k
                u30.rearrange(BITREV).intoArray(lanes, 0);
                for (int k = 0; k < 16; k++) {
                    float sum = lanes[k];
                    for (int j = i; j < n; j++) {
                        sum += a[ao + j] * rows[r + k * stride + j];
                    }
                    out[p + k] = sum * scale;
                }
            }
        }
        for (; p < count; p++) {
            int r = first + p * stride;
            FloatVector c = FloatVector.zero(F);
            int i = 0;
            for (; i <= n - step; i += step) {
                c = FloatVector.fromArray(F, rows, r + i).fma(FloatVector.fromArray(F, a, ao + i), c);
            }
            c.intoArray(lanes, 0);
            float sum = VectorKernels.sumLanes(lanes, 0, step);
            for (; i < n; i++) {
                sum += a[ao + i] * rows[r + i];
            }
            out[p] = sum * scale;
        }
    }

    /** Lane k takes lane bitreverse4(k) (with 16 lanes). */
    private static final VectorShuffle<Float> BITREV = VectorShuffle.fromOp(F, l -> F.length() == 16 ? Integer.reverse(l) >>> 28 : l);

    /** Four vectors of columns at a time held in registers over all rows (axpy's per-lane order, without reloading y). */
    @Override
    public void weightedSum(float[] w, int count, float[] rows, int first, int stride, int n, float[] y, int yo) {
        int step = F.length();
        int i = 0;
        for (; i <= n - 4 * step; i += 4 * step) {
            FloatVector y0 = FloatVector.zero(F), y1 = FloatVector.zero(F), y2 = FloatVector.zero(F), y3 = FloatVector.zero(F);
            for (int p = 0, r = first + i; p < count; p++, r += stride) {
                FloatVector a = FloatVector.broadcast(F, w[p]);
                y0 = FloatVector.fromArray(F, rows, r).fma(a, y0);
                y1 = FloatVector.fromArray(F, rows, r + step).fma(a, y1);
                y2 = FloatVector.fromArray(F, rows, r + 2 * step).fma(a, y2);
                y3 = FloatVector.fromArray(F, rows, r + 3 * step).fma(a, y3);
            }
            y0.intoArray(y, yo + i);
            y1.intoArray(y, yo + i + step);
            y2.intoArray(y, yo + i + 2 * step);
            y3.intoArray(y, yo + i + 3 * step);
        }
        for (; i <= n - step; i += step) {
            FloatVector y0 = FloatVector.zero(F);
            for (int p = 0, r = first + i; p < count; p++, r += stride) {
                y0 = FloatVector.fromArray(F, rows, r).fma(FloatVector.broadcast(F, w[p]), y0);
            }
            y0.intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            float acc = 0f;
            for (int p = 0, r = first + i; p < count; p++, r += stride) {
                acc += w[p] * rows[r];
            }
            y[yo + i] = acc;
        }
    }

    @Override
    public void scale(float alpha, float[] x, int xo, int n) {
        int i = 0;
        for (; i <= n - F.length(); i += F.length()) {
            FloatVector.fromArray(F, x, xo + i).mul(alpha).intoArray(x, xo + i);
        }
        for (; i < n; i++) {
            x[xo + i] *= alpha;
        }
    }

    @Override
    public void layerNorm(FloatMatrix x, float[] weight, float[] bias, float eps, FloatMatrix out) {
        Shapes.checkRowwise(x, out, weight.length);
        Shapes.checkRowwise(x, out, bias.length);
        int n = x.cols();
        float[] xs = x.data();
        float[] os = out.data();
        rowwise(x, (start, end) -> {
            for (int t = start; t < end; t++) {
                int base = t * n;
                int i = 0;
                FloatVector vsum = FloatVector.zero(F);
                for (; i <= n - F.length(); i += F.length()) {
                    vsum = vsum.add(FloatVector.fromArray(F, xs, base + i));
                }
                float[] lanes = VectorKernels.lanes();
        vsum.intoArray(lanes, 0);
        float sum = VectorKernels.sumLanes(lanes, 0, F.length());
                for (; i < n; i++) {
                    sum += xs[base + i];
                }
                float mean = sum / n;
                FloatVector vss = FloatVector.zero(F);
                i = 0;
                for (; i <= n - F.length(); i += F.length()) {
                    FloatVector d = FloatVector.fromArray(F, xs, base + i).sub(mean);
                    vss = d.fma(d, vss);
                }
                vss.intoArray(lanes, 0);
                float ss = VectorKernels.sumLanes(lanes, 0, F.length());
                for (; i < n; i++) {
                    float d = xs[base + i] - mean;
                    ss += d * d;
                }
                float inv = (float) (1.0 / Math.sqrt(ss / n + eps));
                i = 0;
                for (; i <= n - F.length(); i += F.length()) {
                    FloatVector v = FloatVector.fromArray(F, xs, base + i).sub(mean).mul(inv);
                    v.fma(FloatVector.fromArray(F, weight, i), FloatVector.fromArray(F, bias, i)).intoArray(os, base + i);
                }
                for (; i < n; i++) {
                    os[base + i] = (xs[base + i] - mean) * inv * weight[i] + bias[i];
                }
            }
        });
    }

    // Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), the approximation torch's vectorised float erf uses:
    // erf(z) = 1 − (p1·t + p2·t² + … + p5·t⁵)·e^(−z²), t = 1/(1 + p·z), for z ≥ 0.
    private static final float ERF_P = 0.3275911f;
    private static final float ERF_P1 = 0.254829592f;
    private static final float ERF_P2 = -0.284496736f;
    private static final float ERF_P3 = 1.421413741f;
    private static final float ERF_P4 = -1.453152027f;
    private static final float ERF_P5 = 1.061405429f;
    private static final float SQRT_HALF = (float) Math.sqrt(0.5);

    private static FloatVector erf(FloatVector x) {
        FloatVector z = x.abs();
        FloatVector t = FloatVector.broadcast(F, 1f).div(z.fma(ERF_P, 1f));
        FloatVector poly = t.fma(ERF_P5, ERF_P4).fma(t, FloatVector.broadcast(F, ERF_P3))
                .fma(t, FloatVector.broadcast(F, ERF_P2)).fma(t, FloatVector.broadcast(F, ERF_P1)).mul(t);
        FloatVector e = VectorKernels.exp(z.mul(z).neg());
        FloatVector r = poly.mul(e).neg().add(1f);
        return r.blend(r.neg(), x.lt(0f));
    }

    /** The scalar mirror of {@link #erf(FloatVector)}, for the tails: the same operations, the same bits. */
    private static float erf(float x) {
        float z = Math.abs(x);
        float t = 1f / Math.fma(z, ERF_P, 1f);
        float poly = Math.fma(Math.fma(Math.fma(Math.fma(t, ERF_P5, ERF_P4), t, ERF_P3), t, ERF_P2), t, ERF_P1) * t;
        float r = 1f - poly * VectorKernels.exp(-z * z);
        return x < 0 ? -r : r;
    }

    @Override
    public void gelu(FloatMatrix x, FloatMatrix out) {
        elementwise(x, out, v -> v.mul(0.5f).mul(erf(v.mul(SQRT_HALF)).add(1f)), v -> 0.5f * v * (1f + erf(v * SQRT_HALF)));
    }

    private static final float GELU_TANH_BETA = (float) Math.sqrt(2 / Math.PI);
    private static final float GELU_TANH_KAPPA = 0.044715f;

    @Override
    public void geluTanh(FloatMatrix x, FloatMatrix out) {
        elementwise(x, out,
                v -> v.mul(0.5f).mul(tanh(v.mul(v).mul(v).mul(GELU_TANH_KAPPA).add(v).mul(GELU_TANH_BETA)).add(1f)),
                v -> 0.5f * v * (tanh((v * v * v * GELU_TANH_KAPPA + v) * GELU_TANH_BETA) + 1f));
    }

    /** tanh y = 1 − 2/(e^{2y} + 1), on {@link VectorKernels#exp}: the same bits in every JIT tier. */
    private static FloatVector tanh(FloatVector y) {
        FloatVector two = FloatVector.broadcast(F, 2f);
        return two.div(VectorKernels.exp(y.mul(2f)).add(1f)).neg().add(1f);
    }

    /** The scalar mirror of {@link #tanh(FloatVector)}. */
    private static float tanh(float y) {
        return -(2f / (VectorKernels.exp(y * 2f) + 1f)) + 1f;
    }

    private interface FloatFunction {
        float apply(float v);
    }

    /** {@code out[i] = f(x[i])}: {@code vector} on whole vectors, {@code scalar} on the tail of each chunk. */
    private void elementwise(FloatMatrix x, FloatMatrix out, java.util.function.UnaryOperator<FloatVector> vector, FloatFunction scalar) {
        Shapes.checkSame(x, out);
        float[] xs = x.data();
        float[] os = out.data();
        int n = x.cols();
        rowwise(x, (start, end) -> {
            int hi = end * n;
            int i = start * n;
            for (; i <= hi - F.length(); i += F.length()) {
                vector.apply(FloatVector.fromArray(F, xs, i)).intoArray(os, i);
            }
            for (; i < hi; i++) {
                os[i] = scalar.apply(xs[i]);
            }
        });
    }
}
