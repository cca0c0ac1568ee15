package io.qwen4j.engine;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks tokens from logits according to {@link SamplingParams}; one per sequence (it owns the random
 * generator and scratch buffers). Mirrors transformers' processor order: RepetitionPenalty, then the
 * warpers Temperature → TopK → TopP → MinP, then multinomial sampling.
 */
public final class Sampler {
    /** Tokens less likely than this fraction of the top one are left out of the top-p sort first. */
    private static final float CANDIDATE_FLOOR = 1e-7f;

    private final SamplingParams params;
    private final SplittableRandom random;
    private float[] work = new float[0];
    private float[] probs = new float[0];
    private int[] order = new int[0];

    public Sampler(SamplingParams params) {
        this.params = params;
        this.random = new SplittableRandom(params.seed());
    }

    public SamplingParams params() {
        return params;
    }

    /** The next token given {@code vocab} logits at {@code logits[off]}; {@code history} may be null without penalties. */
    public int sample(float[] logits, int off, int vocab, TokenHistory history) {
        float[] x = penalized(logits, off, vocab, history);
        int xo = x == logits ? off : 0;
        if (params.isGreedy()) {
            return argmax(x, xo, vocab);
        }
        return draw(x, xo, vocab);
    }

    /** The logits with penalties applied, in a scratch copy starting at 0; the input itself when there are none. */
    private float[] penalized(float[] logits, int off, int vocab, TokenHistory history) {
        if (!params.hasPenalties() || history == null) {
            return logits;
        }
        float[] x = ensureWork(vocab);
        System.arraycopy(logits, off, x, 0, vocab);
        applyPenalties(x, history);
        return x;
    }

    private void applyPenalties(float[] x, TokenHistory h) {
        float rep = params.repetitionPenalty();
        for (int i = 0; i < h.touchedCount(); i++) {
            int id = h.touched(i);
            if (id >= x.length) {
                continue;
            }
            float v = x[id];
            if (rep != 1f) {
                v = v < 0 ? v * rep : v / rep; // mirrors RepetitionPenaltyLogitsProcessor
            }
            int count = h.generatedCount(id);
            if (count > 0) {
                v -= params.presencePenalty() + params.frequencyPenalty() * count; // OpenAI semantics
            }
            x[id] = v;
        }
    }

    private int draw(float[] x, int xo, int vocab) {
        int n = candidates(x, xo, vocab);
        float[] p = probs;
        int[] idx = order;
        double total = 0;
        for (int i = 0; i < n; i++) {
            total += p[i];
        }
        double u = random.nextDouble() * total;
        for (int i = 0; i < n; i++) {
            u -= p[i];
            if (u < 0) {
                return idx[i];
            }
        }
        return idx[n - 1];
    }

    /**
     * The distribution a token is drawn from (after penalties and warpers), dense over the vocabulary:
     * zero for removed tokens. For tests and log-probabilities; generation uses the sparse form.
     */
    public float[] distribution(float[] logits, int off, int vocab, TokenHistory history) {
        float[] x = penalized(logits, off, vocab, history);
        int xo = x == logits ? off : 0;
        float[] dense = new float[vocab];
        if (params.isGreedy()) {
            dense[argmax(x, xo, vocab)] = 1f;
            return dense;
        }
        int n = candidates(x, xo, vocab);
        double total = 0;
        for (int i = 0; i < n; i++) {
            total += probs[i];
        }
        for (int i = 0; i < n; i++) {
            dense[order[i]] = (float) (probs[i] / total);
        }
        return dense;
    }

    /** Fills {@code probs[0..n)} / {@code order[0..n)} with the kept tokens and their (unnormalised) probabilities. */
    private int candidates(float[] x, int xo, int vocab) {
        float invT = 1f / params.temperature();
        float max = x[xo + argmax(x, xo, vocab)];
        float[] p = ensureProbs(vocab);
        int[] idx = ensureOrder(vocab);
        int n;
        if (params.topK() > 0 && params.topK() < vocab) {
            n = topK(x, xo, vocab, params.topK(), idx);
        } else {
            n = vocab;
            for (int i = 0; i < vocab; i++) {
                idx[i] = i;
            }
        }
        // softmax over the candidates at the temperature
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp((x[xo + idx[i]] - max) * invT);
            p[i] = e;
            sum += e;
        }
        float top = 0;
        for (int i = 0; i < n; i++) {
            p[i] = (float) (p[i] / sum);
            top = Math.max(top, p[i]);
        }
        if (params.topP() < 1f) {
            n = nucleus(p, idx, n, params.topP());
        }
        if (params.minP() > 0f) {
            float floor = params.minP() * top;
            int kept = 0;
            for (int i = 0; i < n; i++) {
                if (p[i] >= floor) {
                    p[kept] = p[i];
                    idx[kept++] = idx[i];
                }
            }
            n = kept;
        }
        return n;
    }

    /**
     * Keeps, in descending probability, every candidate whose more likely predecessors sum to less than
     * {@code topP} (mirrors TopPLogitsWarper: it removes tokens whose ascending cumulative sum is ≤ 1−p).
     * Sorts only the likely candidates first; the full sort is needed only for very flat distributions.
     */
    private int nucleus(float[] p, int[] idx, int n, float topP) {
        float top = 0;
        for (int i = 0; i < n; i++) {
            top = Math.max(top, p[i]);
        }
        float floor = top * CANDIDATE_FLOOR;
        int m = 0;
        double mass = 0;
        for (int i = 0; i < n; i++) {
            if (p[i] >= floor) {
                float pv = p[i];
                int iv = idx[i];
                p[i] = p[m];
                idx[i] = idx[m];
                p[m] = pv;
                idx[m] = iv;
                mass += pv;
                m++;
            }
        }
        int sorted = mass >= topP ? m : n;
        sortDescending(p, idx, sorted);
        double cumulative = 0;
        for (int i = 0; i < sorted; i++) {
            if (cumulative >= topP) {
                return Math.max(i, 1);
            }
            cumulative += p[i];
        }
        return sorted;
    }

    /** Sorts the first n (prob, id) pairs by probability, descending; ties by id ascending. */
    private static void sortDescending(float[] p, int[] idx, int n) {
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) {
            // probabilities are >= 0, so their raw bits order like the values
            keys[i] = ((long) Float.floatToRawIntBits(p[i]) << 32) | (0xffffffffL - idx[i]);
        }
        Arrays.sort(keys);
        for (int i = 0; i < n; i++) {
            long k = keys[n - 1 - i];
            p[i] = Float.intBitsToFloat((int) (k >>> 32));
            idx[i] = (int) (0xffffffffL - (k & 0xffffffffL));
        }
    }

    /** Indices of the k largest logits (order unspecified), via a min-heap. */
    private static int topK(float[] x, int xo, int vocab, int k, int[] out) {
        int size = 0;
        for (int i = 0; i < vocab; i++) {
            float v = x[xo + i];
            if (size < k) {
                out[size] = i;
                siftUp(x, xo, out, size++);
            } else if (v > x[xo + out[0]]) {
                out[0] = i;
                siftDown(x, xo, out, size);
            }
        }
        return size;
    }

    private static void siftUp(float[] x, int xo, int[] heap, int i) {
        while (i > 0) {
            int parent = (i - 1) / 2;
            if (x[xo + heap[i]] >= x[xo + heap[parent]]) {
                return;
            }
            int t = heap[i];
            heap[i] = heap[parent];
            heap[parent] = t;
            i = parent;
        }
    }

    private static void siftDown(float[] x, int xo, int[] heap, int size) {
        int i = 0;
        while (true) {
            int l = 2 * i + 1;
            int r = l + 1;
            int smallest = i;
            if (l < size && x[xo + heap[l]] < x[xo + heap[smallest]]) {
                smallest = l;
            }
            if (r < size && x[xo + heap[r]] < x[xo + heap[smallest]]) {
                smallest = r;
            }
            if (smallest == i) {
                return;
            }
            int t = heap[i];
            heap[i] = heap[smallest];
            heap[smallest] = t;
            i = smallest;
        }
    }

    /** Index of the largest value; the first one on ties (as torch.argmax). NaN is never picked. */
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

    private float[] ensureWork(int n) {
        if (work.length < n) {
            work = new float[n];
        }
        return work;
    }

    private float[] ensureProbs(int n) {
        if (probs.length < n) {
            probs = new float[n];
        }
        return probs;
    }

    private int[] ensureOrder(int n) {
        if (order.length < n) {
            order = new int[n];
        }
        return order;
    }
}
