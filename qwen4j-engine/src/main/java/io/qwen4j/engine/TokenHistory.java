package io.qwen4j.engine;

import java.util.Arrays;

/** The ids a sequence has seen (prompt and output) and how often each was generated, for the penalties. */
public final class TokenHistory {
    private final int vocab;
    private final boolean[] seen;        // (vocab) in prompt or output
    private final int[] generatedCount;  // (vocab)
    private int[] touched = new int[64]; // ids with seen[id], for sparse iteration
    private int touchedCount;

    public TokenHistory(int vocab, int[] prompt) {
        this.vocab = vocab;
        this.seen = new boolean[vocab];
        this.generatedCount = new int[vocab];
        for (int id : prompt) {
            mark(id);
        }
    }

    private void mark(int id) {
        if (id >= 0 && id < vocab && !seen[id]) {
            seen[id] = true;
            if (touchedCount == touched.length) {
                touched = Arrays.copyOf(touched, touchedCount * 2);
            }
            touched[touchedCount++] = id;
        }
    }

    public void addGenerated(int id) {
        mark(id);
        if (id >= 0 && id < vocab) {
            generatedCount[id]++;
        }
    }

    int touchedCount() {
        return touchedCount;
    }

    int touched(int i) {
        return touched[i];
    }

    int generatedCount(int id) {
        return generatedCount[id];
    }
}
