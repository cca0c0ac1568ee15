package io.qwen4j.engine;

import java.util.Arrays;

/**
 * Log-probabilities of one position under the model's raw distribution (log-softmax of the logits,
 * before penalties, temperature or constraints; as vLLM reports them): the normaliser and the most
 * likely alternatives, captured before sampling so that masking cannot change them.
 */
final class Logprobs {
    private final double logSumExp;
    private final int[] topIds;
    private final float[] topLogprobs;

    private Logprobs(double logSumExp, int[] topIds, float[] topLogprobs) {
        this.logSumExp = logSumExp;
        this.topIds = topIds;
        this.topLogprobs = topLogprobs;
    }

    static Logprobs of(float[] logits, int off, int vocab, int top) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logits[off + i]);
        }
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            sum += Math.exp(logits[off + i] - max);
        }
        double lse = max + Math.log(sum);
        int[] ids = topIds(logits, off, vocab, top);
        float[] lps = new float[ids.length];
        for (int i = 0; i < ids.length; i++) {
            lps[i] = (float) (logits[off + ids[i]] - lse);
        }
        return new Logprobs(lse, ids, lps);
    }

    /**
     * The event for the chosen token, given its raw logit (a constraint only masks tokens it forbids,
     * so the chosen token's logit is still the model's).
     */
    TokenEvent event(int token, int index, float rawLogit) {
        return new TokenEvent(token, index, (float) (rawLogit - logSumExp), topIds.clone(), topLogprobs.clone());
    }

    /** The {@code k} largest logits' ids, largest first (ties: lower id first). */
    private static int[] topIds(float[] x, int off, int vocab, int k) {
        k = Math.min(k, vocab);
        if (k <= 0) {
            return new int[0];
        }
        int[] ids = new int[k];
        float[] vals = new float[k];
        int n = 0;
        for (int i = 0; i < vocab; i++) {
            float v = x[off + i];
            if (n < k || v > vals[n - 1]) {
                int j = n < k ? n++ : n - 1;
                while (j > 0 && vals[j - 1] < v) {
                    vals[j] = vals[j - 1];
                    ids[j] = ids[j - 1];
                    j--;
                }
                vals[j] = v;
                ids[j] = i;
            }
        }
        return Arrays.copyOf(ids, n);
    }
}
