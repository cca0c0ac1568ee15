package io.qwen4j.engine;

import java.util.SplittableRandom;

/** Picks tokens from logits according to {@link SamplingParams}; one per sequence (it holds the RNG). */
public final class Sampler {
    private final SamplingParams params;
    private final SplittableRandom random;

    public Sampler(SamplingParams params) {
        this.params = params;
        this.random = new SplittableRandom(params.seed());
    }

    /** The next token given {@code vocab} logits starting at {@code logits[off]}. */
    public int sample(float[] logits, int off, int vocab) {
        if (params.isGreedy()) {
            return argmax(logits, off, vocab);
        }
        float max = logits[off + argmax(logits, off, vocab)];
        double[] p = new double[vocab];
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            p[i] = Math.exp((logits[off + i] - max) / params.temperature());
            sum += p[i];
        }
        double u = random.nextDouble() * sum;
        for (int i = 0; i < vocab; i++) {
            u -= p[i];
            if (u < 0) {
                return i;
            }
        }
        return vocab - 1;
    }

    /** Index of the largest value; the first one on ties. NaN logits are never picked. */
    public static int argmax(float[] x, int off, int n) {
        int best = 0;
        float bestValue = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            float v = x[off + i];
            if (v > bestValue) {
                bestValue = v;
                best = i;
            }
        }
        return best;
    }
}
