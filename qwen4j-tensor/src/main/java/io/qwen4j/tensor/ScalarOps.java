package io.qwen4j.tensor;

import java.util.List;

/** Plain loops, one thread, weights dequantised row by row: the oracle for {@link VectorOps}. */
final class ScalarOps implements Ops {
    static final ScalarOps INSTANCE = new ScalarOps();
    private static final ThreadPool SERIAL = ThreadPool.create(1);

    private ScalarOps() {}

    @Override
    public String describe() {
        return "scalar reference ops, 1 thread";
    }

    @Override
    public ThreadPool pool() {
        return SERIAL;
    }

    @Override
    public void matmul(Weight w, FloatMatrix x, FloatMatrix out) {
        Shapes.checkMatmul(w, x, out);
        float[] row = new float[w.cols()];
        for (int r = 0; r < w.rows(); r++) {
            w.dequantizeRow(r, row, 0);
            for (int t = 0; t < x.rows(); t++) {
                out.set(t, r, dot(row, 0, x.data(), x.offset(t), w.cols()));
            }
        }
    }

    @Override
    public void matmuls(List<Product> products) {
        for (Product p : products) {
            matmul(p.w(), p.x(), p.out());
        }
    }

    @Override
    public void rmsNorm(FloatMatrix x, float[] weight, float eps, FloatMatrix out) {
        Shapes.checkRowwise(x, out, weight.length);
        int n = x.cols();
        for (int t = 0; t < x.rows(); t++) {
            float ss = 0f;
            for (int i = 0; i < n; i++) {
                float v = x.get(t, i);
                ss += v * v;
            }
            float inv = (float) (1.0 / Math.sqrt(ss / n + eps));
            for (int i = 0; i < n; i++) {
                out.set(t, i, weight[i] * (x.get(t, i) * inv));
            }
        }
    }

    @Override
    public void rope(FloatMatrix x, int headDim, FloatMatrix cos, FloatMatrix sin) {
        Shapes.checkRope(x, headDim, cos, sin);
        int half = headDim / 2;
        int heads = x.cols() / headDim;
        for (int t = 0; t < x.rows(); t++) {
            for (int h = 0; h < heads; h++) {
                int base = h * headDim;
                for (int i = 0; i < half; i++) {
                    float c = cos.get(t, i);
                    float s = sin.get(t, i);
                    float x1 = x.get(t, base + i);
                    float x2 = x.get(t, base + i + half);
                    x.set(t, base + i, x1 * c - x2 * s);
                    x.set(t, base + i + half, x2 * c + x1 * s);
                }
            }
        }
    }

    @Override
    public void softmax(float[] x, int off, int len) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < len; i++) {
            max = Math.max(max, x[off + i]);
        }
        float sum = 0f;
        for (int i = 0; i < len; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        for (int i = 0; i < len; i++) {
            x[off + i] /= sum;
        }
    }

    @Override
    public void siluMul(FloatMatrix gate, FloatMatrix up, FloatMatrix out) {
        Shapes.checkSame(gate, up);
        Shapes.checkSame(gate, out);
        for (int t = 0; t < gate.rows(); t++) {
            for (int i = 0; i < gate.cols(); i++) {
                float g = gate.get(t, i);
                out.set(t, i, (float) (g / (1.0 + Math.exp(-g))) * up.get(t, i));
            }
        }
    }

    @Override
    public void add(FloatMatrix acc, FloatMatrix x) {
        Shapes.checkSame(acc, x);
        for (int t = 0; t < acc.rows(); t++) {
            for (int i = 0; i < acc.cols(); i++) {
                acc.set(t, i, acc.get(t, i) + x.get(t, i));
            }
        }
    }

    @Override
    public float dot(float[] a, int ao, float[] b, int bo, int n) {
        float s = 0f;
        for (int i = 0; i < n; i++) {
            s += a[ao + i] * b[bo + i];
        }
        return s;
    }

    @Override
    public void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i++) {
            y[yo + i] += alpha * x[xo + i];
        }
    }

    @Override
    public void dots(float[] a, int ao, float[] rows, int first, int stride, int count, int n, float scale, float[] out) {
        for (int p = 0; p < count; p++) {
            out[p] = dot(a, ao, rows, first + p * stride, n) * scale;
        }
    }

    @Override
    public void weightedSum(float[] w, int count, float[] rows, int first, int stride, int n, float[] y, int yo) {
        java.util.Arrays.fill(y, yo, yo + n, 0f);
        for (int p = 0; p < count; p++) {
            axpy(w[p], rows, first + p * stride, y, yo, n);
        }
    }

    @Override
    public void scale(float alpha, float[] x, int xo, int n) {
        for (int i = 0; i < n; i++) {
            x[xo + i] *= alpha;
        }
    }

    @Override
    public void layerNorm(FloatMatrix x, float[] weight, float[] bias, float eps, FloatMatrix out) {
        Shapes.checkRowwise(x, out, weight.length);
        Shapes.checkRowwise(x, out, bias.length);
        int n = x.cols();
        for (int t = 0; t < x.rows(); t++) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += x.get(t, i);
            }
            double mean = sum / n;
            double ss = 0;
            for (int i = 0; i < n; i++) {
                double d = x.get(t, i) - mean;
                ss += d * d;
            }
            double inv = 1.0 / Math.sqrt(ss / n + eps);
            for (int i = 0; i < n; i++) {
                out.set(t, i, (float) ((x.get(t, i) - mean) * inv * weight[i] + bias[i]));
            }
        }
    }

    @Override
    public void gelu(FloatMatrix x, FloatMatrix out) {
        elementwise(x, out, v -> 0.5 * v * (1 + erf(v / Math.sqrt(2))));
    }

    @Override
    public void geluTanh(FloatMatrix x, FloatMatrix out) {
        elementwise(x, out, v -> 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))));
    }

    private static void elementwise(FloatMatrix x, FloatMatrix out, java.util.function.DoubleUnaryOperator f) {
        Shapes.checkSame(x, out);
        for (int t = 0; t < x.rows(); t++) {
            for (int i = 0; i < x.cols(); i++) {
                out.set(t, i, (float) f.applyAsDouble(x.get(t, i)));
            }
        }
    }

    /**
     * erf to about 1e-14: its Taylor series below 2.5, where the terms stay small, and above it the classic
     * continued fraction of erfc, {@code erfc(z) = e^(−z²)/√π · 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + …))))}.
     */
    static double erf(double x) {
        double z = Math.abs(x);
        double r;
        if (z < 2.5) {
            double term = z;
            double sum = z;
            for (int n = 1; n < 100 && Math.abs(term) > 1e-18 * sum; n++) {
                term *= -z * z / n;
                sum += term / (2 * n + 1);
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            double f = z;
            for (int k = 200; k >= 1; k--) {
                f = z + (k / 2.0) / f;
            }
            r = 1 - Math.exp(-z * z) / (Math.sqrt(Math.PI) * f);
        }
        return x < 0 ? -r : r;
    }
}
