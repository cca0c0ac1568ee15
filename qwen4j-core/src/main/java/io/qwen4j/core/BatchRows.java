package io.qwen4j.core;

/**
 * A {@link Batch} flattened to rows, as the layers see it: row {@code i} is a token of sequence
 * {@code caches[i]} at cache index {@code positions[i]} (its 1-D RoPE position too); {@code logitRows} lists the
 * rows whose logits are returned, in order. For TM-RoPE models, {@link #ropePositions()} gives each row's
 * (t, h, w) position: from its prompt's {@link PromptMedia} when its chunk carries one, else the cache index plus
 * the sequence's {@link KvCache#ropeDelta()} on every axis.
 */
public final class BatchRows {
    private final Batch batch;
    private final int[] tokens;
    private final int[] positions;
    private final KvCache[] caches;
    private final int[] logitRows;
    private final PromptMedia[] media;
    private final float[] ropeT;
    private final float[] ropeH;
    private final float[] ropeW;

    public BatchRows(Batch batch) {
        this.batch = batch;
        int n = batch.tokenCount();
        tokens = new int[n];
        positions = new int[n];
        caches = new KvCache[n];
        logitRows = new int[batch.logitRows()];
        media = new PromptMedia[n];
        ropeT = new float[n];
        ropeH = new float[n];
        ropeW = new float[n];
        int row = 0;
        int logit = 0;
        for (Batch.Chunk c : batch.chunks()) {
            int start = c.cache().length();
            PromptMedia m = c.media();
            if (!m.isEmpty()) {
                m.checkSlice(start, c.tokens());
            }
            for (int t = 0; t < c.tokens().length; t++, row++) {
                tokens[row] = c.tokens()[t];
                positions[row] = start + t;
                caches[row] = c.cache();
                media[row] = m;
                if (m.isEmpty()) {
                    float p = start + t + c.cache().ropeDelta();
                    ropeT[row] = p;
                    ropeH[row] = p;
                    ropeW[row] = p;
                } else {
                    ropeT[row] = m.positions().t()[start + t];
                    ropeH[row] = m.positions().h()[start + t];
                    ropeW[row] = m.positions().w()[start + t];
                }
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

    /** The (t, h, w) TM-RoPE position components of every row. */
    public MropePositions.Plan ropePositions() {
        return new MropePositions.Plan(ropeT, ropeH, ropeW, 0f);
    }

    /** The media of row {@code row}'s prompt ({@link PromptMedia#NONE} for text); {@link #position} is its prompt index. */
    public PromptMedia media(int row) {
        return media[row];
    }

    /** True when some row comes with media. */
    public boolean hasMedia() {
        return batch.hasMedia();
    }

    /** For text-only models: refuses a batch with media, naming the model. */
    public void requireText(String architecture) {
        if (hasMedia()) {
            throw new io.qwen4j.common.InvalidInputException(architecture + " reads text only; images, audio and video need a "
                    + "Qwen3-Omni model");
        }
    }

    /** Reserves cache room for every chunk; call before writing any layer. */
    public void reserve() {
        for (Batch.Chunk c : batch.chunks()) {
            c.cache().reserve(c.tokens().length);
        }
    }

    /**
     * Marks every chunk's tokens as cached; call after the last layer. A chunk with media sets its sequence's
     * rope delta, which the positions of the tokens after the prompt use.
     */
    public void advance() {
        for (Batch.Chunk c : batch.chunks()) {
            c.cache().advance(c.tokens().length);
            if (!c.media().isEmpty()) {
                c.cache().ropeDelta(c.media().ropeDelta());
            }
        }
    }
}
