package io.qwen4j.core;

import io.qwen4j.common.ModelFileException;
import io.qwen4j.formats.WeightSource;
import io.qwen4j.tensor.FloatMatrix;
import io.qwen4j.tensor.Ops;
import io.qwen4j.tensor.Weight;
import java.util.List;

/**
 * The Qwen3 attention block ({@link #forward}: projections, per-head q/k RMSNorm, RoPE, cache, attention,
 * o_proj) and its core, causal grouped-query attention over per-sequence KV caches (mirrors
 * {@code eager_attention_forward}): scores {@code q·kᵀ/sqrt(d)} over every cached position up to the
 * query's own, softmax in float32, weights·V; query head {@code h} reads KV head {@code h / (heads/kvHeads)}.
 * Output heads are concatenated in order. Holds its own buffers: one forward at a time.
 */
public final class GqaAttention {
    private static final ThreadLocal<float[]> SCORES = ThreadLocal.withInitial(() -> new float[0]);

    /** One layer's attention weights ({@code self_attn.*}), shapes as in the HF checkpoint ({@code [out, in]}). */
    public record Weights(
            Weight wq,        // (heads*d, H)
            Weight wk,        // (kvHeads*d, H)
            Weight wv,        // (kvHeads*d, H)
            Weight wo,        // (H, heads*d)
            float[] qNorm,    // (d) shared by all heads
            float[] kNorm) {  // (d)

        /** Declares the tensors under {@code prefix} (e.g. {@code model.layers.3.self_attn.}) with their shapes. */
        public static Weights load(WeightSource w, String prefix, TextConfig c) {
            int h = c.hidden();
            int d = c.headDim();
            String qNorm = prefix + "q_norm.weight";
            w.info(qNorm).ifPresent(qn -> {
                if (qn.shape().length == 1 && qn.shape()[0] != d) {
                    throw new ModelFileException("config.json gives head_dim " + d + " but " + qNorm + " has " + qn.shape()[0]
                            + " values; fix head_dim in config.json");
                }
            });
            return new Weights(
                    w.require(prefix + "q_proj.weight", (long) c.heads() * d, h),
                    w.require(prefix + "k_proj.weight", (long) c.kvHeads() * d, h),
                    w.require(prefix + "v_proj.weight", (long) c.kvHeads() * d, h),
                    w.require(prefix + "o_proj.weight", h, (long) c.heads() * d),
                    w.require(qNorm, d).toFloatArray(),
                    w.require(prefix + "k_norm.weight", d).toFloatArray());
        }

        public List<Weight> matrices() {
            return List.of(wq, wk, wv, wo);
        }

        public long normParameters() {
            return qNorm.length + kNorm.length;
        }
    }

    private static final int Q = 0, K = 1, V = 2, ATT = 3;

    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final float rmsEps;
    private final float scale;
    private final Scratch scratch = new Scratch();

    public GqaAttention(int heads, int kvHeads, int headDim, float rmsEps) {
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException(heads + " query heads cannot share " + kvHeads + " KV heads evenly");
        }
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.rmsEps = rmsEps;
        this.scale = (float) (1.0 / Math.sqrt(headDim));
    }

    public GqaAttention(TextConfig c) {
        this(c.heads(), c.kvHeads(), c.headDim(), c.rmsEps());
    }

    /**
     * {@code out = o_proj(attention(x))} for the normed input {@code x} of layer {@code layer}, storing
     * the rows' keys and values in their caches; reports {@code q_norm} and {@code k_norm}. {@code cos}
     * and {@code sin} are the rows' RoPE tables. Mirrors {@code Qwen3Attention.forward}.
     */
    public void forward(Ops ops, Weights w, BatchRows rows, int layer, FloatMatrix x, FloatMatrix cos, FloatMatrix sin,
                        Taps taps, FloatMatrix out) {
        int n = x.rows();
        FloatMatrix q = scratch.get(Q, n, heads * headDim);
        FloatMatrix k = scratch.get(K, n, kvHeads * headDim);
        FloatMatrix v = scratch.get(V, n, kvHeads * headDim);
        FloatMatrix att = scratch.get(ATT, n, heads * headDim);
        ops.matmul(w.wq(), x, q);
        ops.matmul(w.wk(), x, k);
        ops.matmul(w.wv(), x, v);
        FloatMatrix qHeads = q.view(n * heads, headDim);
        FloatMatrix kHeads = k.view(n * kvHeads, headDim);
        ops.rmsNorm(qHeads, w.qNorm(), rmsEps, qHeads); // per head, before RoPE
        ops.rmsNorm(kHeads, w.kNorm(), rmsEps, kHeads);
        taps.record("q_norm", layer, q);
        taps.record("k_norm", layer, k);
        ops.rope(q, headDim, cos, sin);
        ops.rope(k, headDim, cos, sin);
        store(rows, layer, k, v);
        attend(ops, rows, layer, q, att);
        ops.matmul(w.wo(), att, out);
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
