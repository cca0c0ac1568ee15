package io.qwen4j.core;

/** Comparing two models' next-token distributions given as rows of logits (quantization quality checks). */
public final class Divergence {
    private Divergence() {}

    /** KL(softmax(p) ‖ softmax(q)) in nats, over {@code n} logits from {@code off}, computed in double. */
    public static double kl(float[] p, float[] q, int off, int n) {
        double lp = logSumExp(p, off, n);
        double lq = logSumExp(q, off, n);
        double kl = 0;
        for (int i = 0; i < n; i++) {
            double logP = p[off + i] - lp;
            kl += Math.exp(logP) * (logP - (q[off + i] - lq));
        }
        return Math.max(0, kl);
    }

    private static double logSumExp(float[] x, int off, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(x[off + i] - max);
        }
        return max + Math.log(sum);
    }

    /** Index of the largest of {@code n} values from {@code off} (the first on ties). */
    public static int argmax(float[] x, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (x[off + i] > x[off + best]) {
                best = i;
            }
        }
        return best;
    }
}
