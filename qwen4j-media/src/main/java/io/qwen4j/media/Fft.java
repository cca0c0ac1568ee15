package io.qwen4j.media;

import java.util.Arrays;

/**
 * A mixed-radix complex FFT in double precision for any length (small prime factors are fast; a large
 * prime factor falls back to its direct DFT). The log-mel front end uses it at n = 400 = 2^4 * 5^2.
 */
final class Fft {
    private final int n;
    private final double[] cos;
    private final double[] sin;
    private final int[] factors;

    Fft(int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("FFT length " + n);
        }
        this.n = n;
        cos = new double[n];
        sin = new double[n];
        for (int j = 0; j < n; j++) {
            double a = -2 * Math.PI * j / n;
            cos[j] = Math.cos(a);
            sin[j] = Math.sin(a);
        }
        int[] f = new int[32];
        int count = 0;
        int rest = n;
        for (int p = 2; rest > 1; p++) {
            while (rest % p == 0) {
                f[count++] = p;
                rest /= p;
            }
            if ((long) p * p > rest && rest > 1) {
                f[count++] = rest;
                rest = 1;
            }
        }
        factors = Arrays.copyOf(f, count);
    }

    int size() {
        return n;
    }

    /** {@code X[k] = sum_j x[j] exp(-2 pi i j k / n)}, written to {@code outRe}/{@code outIm}. */
    void forward(double[] re, double[] im, double[] outRe, double[] outIm) {
        step(re, im, 0, 1, n, 0, outRe, outIm, 0);
    }

    // Decimation in time: split into p interleaved sub-sequences of length m = len / p, transform each
    // into out[outOff + q*m ...], then combine with twiddles exp(-2 pi i q k / len).
    private void step(double[] re, double[] im, int off, int stride, int len, int depth, double[] outRe, double[] outIm, int outOff) {
        if (len == 1) {
            outRe[outOff] = re[off];
            outIm[outOff] = im[off];
            return;
        }
        int p = factors[depth];
        int m = len / p;
        for (int q = 0; q < p; q++) {
            step(re, im, off + q * stride, stride * p, m, depth + 1, outRe, outIm, outOff + q * m);
        }
        int tw = n / len; // exp(-2 pi i x / len) = table[(x * tw) mod n]
        double[] tr = new double[p];
        double[] ti = new double[p];
        for (int k = 0; k < m; k++) {
            for (int q = 0; q < p; q++) {
                tr[q] = outRe[outOff + q * m + k];
                ti[q] = outIm[outOff + q * m + k];
            }
            for (int s = 0; s < p; s++) {
                int kk = k + s * m;
                double sr = 0;
                double si = 0;
                for (int q = 0; q < p; q++) {
                    int idx = (int) ((long) q * kk * tw % n);
                    double c = cos[idx];
                    double d = sin[idx];
                    sr += tr[q] * c - ti[q] * d;
                    si += tr[q] * d + ti[q] * c;
                }
                outRe[outOff + kk] = sr;
                outIm[outOff + kk] = si;
            }
        }
    }
}
