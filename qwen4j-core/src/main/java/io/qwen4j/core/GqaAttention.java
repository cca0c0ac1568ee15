package io.qwen4j.core;

import io.qwen4j.common.ModelFileException;
import io.qwen4j.formats.WeightSource;
import io.qwen4j.tensor.FloatMatrix;
import io.qwen4j.tensor.Ops;
import io.qwen4j.tensor.Weight;
import java.util.List;

/**
 * The attention half of a Qwen3-family decoder layer ({@link #forward}: pre-norm, projections, per-head
 * q/k RMSNorm, RoPE, cache, attention, o_proj, residual) and its core, causal grouped-query attention over
 * per-sequence KV caches (mirrors {@code eager_attention_forward}): scores {@code q·kᵀ/sqrt(d)} over every
 * cached position up to the query's own, softmax in float32, weights·V; query head {@code h} reads KV head
 * {@code h / (heads/kvHeads)}. Output heads are concatenated in order. Holds its own buffers: one forward
 * at a time.
 */
public final class GqaAttention {
    /** One layer's attention weights, shapes as in the HF checkpoint ({@code [out, in]}). */
    public record Weights(
            float[] attnNorm, // (H) input_layernorm
            Weight wq,        // (heads*d, H)
            Weight wk,        // (kvHeads*d, H)
            Weight wv,        // (kvHeads*d, H)
            Weight wo,        // (H, heads*d)
            float[] qNorm,    // (d) shared by all heads
            float[] kNorm) {  // (d)

        /**
         * Declares {@code input_layernorm.weight} and {@code self_attn.*} under {@code layerPrefix} (e.g.
         * {@code model.layers.3.}) with their shapes.
         */
        public static Weights load(WeightSource w, String layerPrefix, TextConfig c) {
            int h = c.hidden();
            int d = c.headDim();
            String p = layerPrefix + "self_attn.";
            String qNorm = p + "q_norm.weight";
            w.info(qNorm).ifPresent(qn -> {
                if (qn.shape().length == 1 && qn.shape()[0] != d) {
                    throw new ModelFileException("config.json gives head_dim " + d + " but " + qNorm + " has " + qn.shape()[0]
                            + " values; fix head_dim in config.json");
                }
            });
            return new Weights(
                    w.require(layerPrefix + "input_layernorm.weight", h).toFloatArray(),
                    w.require(p + "q_proj.weight", (long) c.heads() * d, h),
                    w.require(p + "k_proj.weight", (long) c.kvHeads() * d, h),
                    w.require(p + "v_proj.weight", (long) c.kvHeads() * d, h),
                    w.require(p + "o_proj.weight", h, (long) c.heads() * d),
                    w.require(qNorm, d).toFloatArray(),
                    w.require(p + "k_norm.weight", d).toFloatArray());
        }

        public List<Weight> matrices() {
            return List.of(wq, wk, wv, wo);
        }

        /** Parameters held as float arrays (the norms). */
        public long vectorParameters() {
            return attnNorm.length + qNorm.length + kNorm.length;
        }
    }

    private static final int XN = 0, Q = 1, K = 2, V = 3, ATT = 4, OUT = 5;

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
     * {@code x += o_proj(attention(rmsNorm(x)))} for the rows of layer {@code layer}, storing their keys
     * and values in their caches; reports {@code attn_norm}, {@code q_norm}, {@code k_norm} and
     * {@code attn_out}. Mirrors the attention half of {@code Qwen3DecoderLayer.forward} and
     * {@code Qwen3Attention.forward}.
     */
    public void forward(Ops ops, Weights w, BatchRows rows, int layer, FloatMatrix x, Rope.Table rope, Taps taps) {
        int n = x.rows();
        FloatMatrix xn = scratch.get(XN, n, x.cols());
        FloatMatrix q = scratch.get(Q, n, heads * headDim);
        FloatMatrix k = scratch.get(K, n, kvHeads * headDim);
        FloatMatrix v = scratch.get(V, n, kvHeads * headDim);
        FloatMatrix att = scratch.get(ATT, n, heads * headDim);
        FloatMatrix out = scratch.get(OUT, n, x.cols());
        ops.rmsNorm(x, w.attnNorm(), rmsEps, xn);
        taps.record("attn_norm", layer, xn);
        ops.matmul(w.wq(), xn, q);
        ops.matmul(w.wk(), xn, k);
        ops.matmul(w.wv(), xn, v);
        FloatMatrix qHeads = q.view(n * heads, headDim);
        FloatMatrix kHeads = k.view(n * kvHeads, headDim);
        ops.rmsNorm(qHeads, w.qNorm(), rmsEps, qHeads); // per head, before RoPE
        ops.rmsNorm(kHeads, w.kNorm(), rmsEps, kHeads);
        taps.record("q_norm", layer, q);
        taps.record("k_norm", layer, k);
        ops.rope(q, headDim, rope.cos(), rope.sin());
        ops.rope(k, headDim, rope.cos(), rope.sin());
        store(rows, layer, k, v);
        attend(ops, rows, layer, q, att);
        ops.matmul(w.wo(), att, out);
        taps.record("attn_out", layer, out);
        ops.add(x, out);
    }

    /** Copies the batch's new keys and values ({@code [rows, kvHeads·headDim]}) into the caches. */
    public void store(BatchRows rows, int layer, FloatMatrix k, FloatMatrix v) {
        for (int r = 0; r < rows.size(); r++) {
            KvCache cache = rows.cache(r);
            if (cache.kvHeads() != kvHeads || cache.headDim() != headDim) {
                throw new IllegalArgumentException("a cache of " + cache.kvHeads() + " heads of " + cache.headDim() + " for attention with "
                        + kvHeads + " of " + headDim);
            }
            cache.write(layer, rows.position(r), k.data(), k.offset(r), v.data(), v.offset(r));
        }
    }

    /** {@code out[r] = attention(q[r])} for every row; the rows' keys must already be stored. */
    public void attend(Ops ops, BatchRows rows, int layer, FloatMatrix q, FloatMatrix out) {
        int group = heads / kvHeads;
        float[] qs = q.data();
        float[] os = out.data();
        ops.pool().parallelFor(rows.size() * heads, 1, (start, end) -> {
            for (int item = start; item < end; item++) {
                int r = item / heads;
                int h = item % heads;
                int kvh = h / group;
                int len = rows.position(r) + 1; // causal: positions 0..p
                KvCache cache = rows.cache(r);
                // one head's rows are contiguous: stride headDim, the head's block at offset(kvh, 0)
                AttentionKernel.attend(ops, qs, q.offset(r) + h * headDim, cache.keys(layer), cache.values(layer), 0, len,
                        headDim, cache.offset(kvh, 0), headDim, scale, os, out.offset(r) + h * headDim);
            }
        });
    }
}
