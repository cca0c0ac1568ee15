package io.qwen4j.tensor;

import static io.qwen4j.tensor.VectorKernels.F;

import jdk.incubator.vector.FloatVector;
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
        MatmulInput in = w.prepare(x); // once per matmul: quantized types quantize x here
        pool.parallelFor(w.rows(), MATMUL_GRAIN, (start, end) -> w.matmulRows(in, out, start, end));
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
        FloatVector vsum = FloatVector.zero(F);
        i = 0;
        for (; i <= len - F.length(); i += F.length()) {
            FloatVector e = FloatVector.fromArray(F, x, off + i).sub(max).lanewise(VectorOperators.EXP);
            e.intoArray(x, off + i);
            vsum = vsum.add(e);
        }
        float sum = vsum.reduceLanes(VectorOperators.ADD);
        for (; i < len; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
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
                FloatVector sig = gv.neg().lanewise(VectorOperators.EXP).add(1f);
                gv.div(sig).mul(FloatVector.fromArray(F, u, i)).intoArray(o, i);
            }
            for (; i < hi; i++) {
                o[i] = (float) (g[i] / (1.0 + Math.exp(-g[i]))) * u[i];
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
}
