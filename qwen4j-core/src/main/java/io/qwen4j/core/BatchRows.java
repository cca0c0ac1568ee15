package io.qwen4j.core;

/**
 * A {@link Batch} flattened to rows, as the layers see it: row {@code i} is a token of sequence
 * {@code caches[i]} at position {@code positions[i]}; {@code logitRows} lists the rows whose logits are
 * returned, in order.
 */
public final class BatchRows {
    private final Batch batch;
    private final int[] tokens;
    private final int[] positions;
    private final KvCache[] caches;
    private final int[] logitRows;

    public BatchRows(Batch batch) {
        this.batch = batch;
        int n = batch.tokenCount();
        tokens = new int[n];
        positions = new int[n];
        caches = new KvCache[n];
        logitRows = new int[batch.logitRows()];
        int row = 0;
        int logit = 0;
        for (Batch.Chunk c : batch.chunks()) {
            int start = c.cache().length();
            for (int t = 0; t < c.tokens().length; t++, row++) {
                tokens[row] = c.tokens()[t];
                positions[row] = start + t;
                caches[row] = c.cache();
                if (c.allLogits() || t == c.tokens().length - 1) {
                    logitRows[logit++] = row;
                }
            }
        }
    }

    public Batch batch() {
        return batch;
    }

    public int size() {
        return tokens.length;
    }

    public int[] tokens() {
        return tokens;
    }

    public int[] positions() {
        return positions;
    }

    public KvCache cache(int row) {
        return caches[row];
    }

    public int position(int row) {
        return positions[row];
    }

    public int[] logitRows() {
        return logitRows;
    }

    /** Reserves cache room for every chunk; call before writing any layer. */
    public void reserve() {
        for (Batch.Chunk c : batch.chunks()) {
            c.cache().reserve(c.tokens().length);
        }
    }

    /** Marks every chunk's tokens as cached; call after the last layer. */
    public void advance() {
        for (Batch.Chunk c : batch.chunks()) {
            c.cache().advance(c.tokens().length);
        }
    }
}
