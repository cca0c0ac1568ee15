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
    private static final ThreadLocal<float[]> SCORES = ThreadLocal.withInitial(() -> new float[0]);

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
                float[] keys = rows.cache(r).keys(layer);
                float[] values = rows.cache(r).values(layer);
                float[] scores = scratch(len);
                int qOff = q.offset(r) + h * headDim;
                for (int p = 0; p < len; p++) {
                    scores[p] = ops.dot(qs, qOff, keys, p * kvDim + kvh * headDim, headDim) * scale;
                }
                ops.softmax(scores, 0, len);
                int oOff = out.offset(r) + h * headDim;
                java.util.Arrays.fill(os, oOff, oOff + headDim, 0f);
                for (int p = 0; p < len; p++) {
                    ops.axpy(scores[p], values, p * kvDim + kvh * headDim, os, oOff, headDim);
                }
            }
        });
    }

    private static float[] scratch(int n) {
        float[] s = SCORES.get();
        if (s.length < n) {
            s = new float[Math.max(n, 2 * s.length)];
            SCORES.set(s);
        }
        return s;
    }
}
