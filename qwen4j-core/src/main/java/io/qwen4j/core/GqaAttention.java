package io.qwen4j.core;

import io.qwen4j.tensor.FloatMatrix;
import io.qwen4j.tensor.Ops;

/**
 * Causal grouped-query attention over per-sequence KV caches (mirrors {@code eager_attention_forward}):
 * scores {@code q·kᵀ/sqrt(d)} over every cached position up to the query's own, softmax in float32,
 * weights·V; query head {@code h} reads KV head {@code h / (heads/kvHeads)}. Output heads are
 * concatenated in order.
 */
public final class GqaAttention {
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final float scale;

    public GqaAttention(int heads, int kvHeads, int headDim) {
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException(heads + " query heads cannot share " + kvHeads + " KV heads evenly");
        }
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.scale = (float) (1.0 / Math.sqrt(headDim));
    }

    /** Copies the batch's new keys and values ({@code [rows, kvHeads·headDim]}) into the caches. */
    public void store(BatchRows rows, int layer, FloatMatrix k, FloatMatrix v) {
        int kvDim = kvHeads * headDim;
        for (int r = 0; r < rows.size(); r++) {
            KvCache cache = rows.cache(r);
            int dst = rows.position(r) * kvDim;
            System.arraycopy(k.data(), k.offset(r), cache.keys(layer), dst, kvDim);
            System.arraycopy(v.data(), v.offset(r), cache.values(layer), dst, kvDim);
        }
    }

    /** {@code out[r] = attention(q[r])} for every row; the rows' keys must already be stored. */
    public void attend(Ops ops, BatchRows rows, int layer, FloatMatrix q, FloatMatrix out) {
        int group = heads / kvHeads;
        int kvDim = kvHeads * headDim;
        float[] qs = q.data();
        float[] os = out.data();
        ops.pool().parallelFor(rows.size() * heads, 1, (start, end) -> {
            for (int item = start; item < end; item++) {
                int r = item / heads;
                int h = item % heads;
                int kvh = h / group;
                int len = rows.position(r) + 1; // causal: positions 0..p
                AttentionKernel.attend(ops, qs, q.offset(r) + h * headDim, rows.cache(r).keys(layer), rows.cache(r).values(layer), 0, len,
                        kvDim, kvh * headDim, headDim, scale, os, out.offset(r) + h * headDim);
            }
        });
    }
}
