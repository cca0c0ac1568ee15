package io.qwen4j.models;

import io.qwen4j.common.InvalidInputException;
import io.qwen4j.common.ModelFileException;
import io.qwen4j.core.BatchRows;
import io.qwen4j.core.Batch;
import io.qwen4j.core.CausalLm;
import io.qwen4j.core.GqaAttention;
import io.qwen4j.core.KvCache;
import io.qwen4j.core.ModelInfo;
import io.qwen4j.core.Rope;
import io.qwen4j.core.Scratch;
import io.qwen4j.core.Taps;
import io.qwen4j.formats.ConfigJson;
import io.qwen4j.formats.WeightSource;
import io.qwen4j.tensor.FloatMatrix;
import io.qwen4j.tensor.Ops;
import io.qwen4j.tensor.ThreadPool;
import io.qwen4j.tensor.Weight;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Qwen3 dense decoder ({@code model_type: qwen3}, {@code Qwen3ForCausalLM}); mirrors transformers'
 * {@code models/qwen3/modeling_qwen3.py}. Spec: shared/spec/text.md §2.
 */
public final class Qwen3 implements CausalLm {

    /** Hyperparameters (text.md §1). */
    public record Config(
            int vocabSize,       // rows of embed_tokens / lm_head
            int hidden,          // H
            int intermediate,    // I, SwiGLU width
            int layers,
            int heads,           // query heads
            int kvHeads,         // GQA groups
            int headDim,         // explicit: NOT hidden/heads in Qwen3 (0.6B: 128 vs 64)
            float rmsEps,
            double ropeTheta,
            boolean tiedEmbeddings,
            int contextLength,
            int[] eosTokenIds) {

        static Config from(ConfigJson c, ConfigJson generation) {
            int hidden = c.requireInt("hidden_size");
            int heads = c.requireInt("num_attention_heads");
            // transformers falls back to hidden/heads when head_dim is absent; released Qwen3 configs set it.
            int headDim = c.optionalInt("head_dim").orElse(hidden / heads);
            double theta = c.section("rope_parameters").flatMap(r -> r.optionalDouble("rope_theta"))
                    .orElseGet(() -> c.doubleOr(10000.0, "rope_theta"));
            String ropeType = c.section("rope_parameters").flatMap(r -> r.string("rope_type", "type"))
                    .or(() -> c.section("rope_scaling").flatMap(r -> r.string("rope_type", "type")))
                    .orElse("default");
            if (!ropeType.equals("default")) {
                throw new ModelFileException(c.where() + ": rope_type '" + ropeType + "' is not supported yet (only 'default')");
            }
            int[] eos = generation.intList("eos_token_id");
            if (eos.length == 0) {
                eos = c.intList("eos_token_id");
            }
            return new Config(
                    c.requireInt("vocab_size"), hidden, c.requireInt("intermediate_size"), c.requireInt("num_hidden_layers"),
                    heads, c.intOr(heads, "num_key_value_heads"), headDim,
                    (float) c.doubleOr(1e-6, "rms_norm_eps"), theta,
                    c.boolOr(true, "tie_word_embeddings"), c.intOr(40960, "max_position_embeddings"), eos);
        }
    }

    /** One decoder layer's weights; shapes as in the HF checkpoint ({@code [out, in]}). */
    record Layer(
            float[] attnNorm,    // (H)                 input_layernorm
            Weight wq,           // (heads*d, H)
            Weight wk,           // (kvHeads*d, H)
            Weight wv,           // (kvHeads*d, H)
            Weight wo,           // (H, heads*d)
            float[] qNorm,       // (d) shared by all heads
            float[] kNorm,       // (d)
            float[] ffnNorm,     // (H)                 post_attention_layernorm
            Weight gate,         // (I, H)
            Weight up,           // (I, H)
            Weight down) {}      // (H, I)

    private final Config cfg;
    private final WeightSource source;
    private final Weight embed;      // (vocab, H)
    private final Layer[] layers;
    private final float[] outNorm;   // (H)
    private final Weight lmHead;     // (vocab, H), embed when tied
    private final ThreadPool pool;
    private final Ops ops;
    private final Rope rope;
    private final GqaAttention attention;
    private final Scratch scratch = new Scratch();
    private final ModelInfo info;

    private Qwen3(Config cfg, WeightSource source, Weight embed, Layer[] layers, float[] outNorm, Weight lmHead,
                  LoadOptions options) {
        this.cfg = cfg;
        this.source = source;
        this.embed = embed;
        this.layers = layers;
        this.outNorm = outNorm;
        this.lmHead = lmHead;
        this.pool = ThreadPool.create(options.threads());
        this.ops = Ops.vector(pool);
        this.rope = new Rope(cfg.headDim(), cfg.ropeTheta());
        this.attention = new GqaAttention(cfg.heads(), cfg.kvHeads(), cfg.headDim());
        int context = options.contextLength() > 0 ? options.contextLength() : cfg.contextLength();
        this.info = new ModelInfo("qwen3", cfg.vocabSize(), context, parameterCount(), weightBytes(), cfg.eosTokenIds(),
                source.description(), weightTypes(), ops.describe());
    }

    /** Reads the config, declares every tensor with its expected shape, and checks them all. */
    static Qwen3 load(ConfigJson config, ConfigJson generation, WeightSource w, LoadOptions options) {
        Config c = Config.from(config, generation);
        int h = c.hidden();
        int d = c.headDim();
        String first = "model.layers.0.self_attn.q_norm.weight";
        w.info(first).ifPresent(qn -> {
            if (qn.shape().length == 1 && qn.shape()[0] != d) {
                throw new ModelFileException(config.where() + " gives head_dim " + d + " but " + first + " has " + qn.shape()[0]
                        + " values; fix head_dim in " + config.where());
            }
        });
        Layer[] layers = new Layer[c.layers()];
        for (int i = 0; i < c.layers(); i++) {
            String p = "model.layers." + i + ".";
            layers[i] = new Layer(
                    w.require(p + "input_layernorm.weight", h).toFloatArray(),
                    w.require(p + "self_attn.q_proj.weight", (long) c.heads() * d, h),
                    w.require(p + "self_attn.k_proj.weight", (long) c.kvHeads() * d, h),
                    w.require(p + "self_attn.v_proj.weight", (long) c.kvHeads() * d, h),
                    w.require(p + "self_attn.o_proj.weight", h, (long) c.heads() * d),
                    w.require(p + "self_attn.q_norm.weight", d).toFloatArray(),
                    w.require(p + "self_attn.k_norm.weight", d).toFloatArray(),
                    w.require(p + "post_attention_layernorm.weight", h).toFloatArray(),
                    w.require(p + "mlp.gate_proj.weight", c.intermediate(), h),
                    w.require(p + "mlp.up_proj.weight", c.intermediate(), h),
                    w.require(p + "mlp.down_proj.weight", h, c.intermediate()));
        }
        Weight embed = w.require("model.embed_tokens.weight", c.vocabSize(), h);
        // A missing lm_head means tied, whatever the config says (text.md §1.2).
        Weight lmHead = w.contains("lm_head.weight") ? w.require("lm_head.weight", c.vocabSize(), h) : embed;
        if (!c.tiedEmbeddings() && lmHead == embed) {
            throw new ModelFileException("lm_head.weight is missing from " + w.description() + " and tie_word_embeddings is false");
        }
        float[] outNorm = w.require("model.norm.weight", h).toFloatArray();
        return new Qwen3(c, w, embed, layers, outNorm, lmHead, options);
    }

    public Config config() {
        return cfg;
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    @Override
    public KvCache newCache(int maxTokens) {
        return new KvCache(cfg.layers(), cfg.kvHeads() * cfg.headDim(), Math.min(maxTokens, info.contextLength()));
    }

    // Scratch slots
    private static final int X = 0, XN = 1, Q = 2, K = 3, V = 4, ATT = 5, PROJ = 6, GATE = 7, UP = 8, COS = 9, SIN = 10, LAST = 11, LOGITS = 12;

    /** Mirrors {@code Qwen3ForCausalLM.forward} → {@code Qwen3Model.forward} → {@code Qwen3DecoderLayer.forward}. */
    @Override
    public synchronized FloatMatrix forward(Batch batch, Taps taps) {
        BatchRows rows = new BatchRows(batch);
        int n = rows.size();
        int h = cfg.hidden();
        int d = cfg.headDim();
        int qDim = cfg.heads() * d;
        int kvDim = cfg.kvHeads() * d;
        rows.reserve();

        FloatMatrix x = scratch.get(X, n, h);
        int[] tokens = rows.tokens();
        for (int r = 0; r < n; r++) {
            if (tokens[r] < 0 || tokens[r] >= cfg.vocabSize()) {
                throw new InvalidInputException("token id " + tokens[r] + " is outside the vocabulary [0, " + cfg.vocabSize() + ")");
            }
            embed.dequantizeRow(tokens[r], x.data(), x.offset(r));
        }
        taps.record("inp_embd", x);

        FloatMatrix cos = scratch.get(COS, n, d / 2);
        FloatMatrix sin = scratch.get(SIN, n, d / 2);
        rope.table(rows.positions(), cos, sin);

        FloatMatrix xn = scratch.get(XN, n, h);
        FloatMatrix q = scratch.get(Q, n, qDim);
        FloatMatrix k = scratch.get(K, n, kvDim);
        FloatMatrix v = scratch.get(V, n, kvDim);
        FloatMatrix att = scratch.get(ATT, n, qDim);
        FloatMatrix proj = scratch.get(PROJ, n, h);
        FloatMatrix gate = scratch.get(GATE, n, cfg.intermediate());
        FloatMatrix up = scratch.get(UP, n, cfg.intermediate());

        for (int l = 0; l < layers.length; l++) {
            Layer layer = layers[l];
            // attention block
            ops.rmsNorm(x, layer.attnNorm(), cfg.rmsEps(), xn);
            taps.record("attn_norm", l, xn);
            ops.matmul(layer.wq(), xn, q);
            ops.matmul(layer.wk(), xn, k);
            ops.matmul(layer.wv(), xn, v);
            FloatMatrix qHeads = q.view(n * cfg.heads(), d);
            FloatMatrix kHeads = k.view(n * cfg.kvHeads(), d);
            ops.rmsNorm(qHeads, layer.qNorm(), cfg.rmsEps(), qHeads); // per head, before RoPE
            ops.rmsNorm(kHeads, layer.kNorm(), cfg.rmsEps(), kHeads);
            taps.record("q_norm", l, q);
            taps.record("k_norm", l, k);
            ops.rope(q, d, cos, sin);
            ops.rope(k, d, cos, sin);
            attention.store(rows, l, k, v);
            attention.attend(ops, rows, l, q, att);
            ops.matmul(layer.wo(), att, proj);
            taps.record("attn_out", l, proj);
            ops.add(x, proj);
            // MLP block: down(silu(gate(h)) * up(h))
            ops.rmsNorm(x, layer.ffnNorm(), cfg.rmsEps(), xn);
            taps.record("ffn_norm", l, xn);
            ops.matmul(layer.gate(), xn, gate);
            ops.matmul(layer.up(), xn, up);
            ops.siluMul(gate, up, gate);
            ops.matmul(layer.down(), gate, proj);
            taps.record("ffn_out", l, proj);
            ops.add(x, proj);
            taps.record("l_out", l, x);
        }
        rows.advance();

        ops.rmsNorm(x, outNorm, cfg.rmsEps(), x);
        taps.record("result_norm", x);
        int[] logitRows = rows.logitRows();
        FloatMatrix last = scratch.get(LAST, logitRows.length, h);
        for (int i = 0; i < logitRows.length; i++) {
            System.arraycopy(x.data(), x.offset(logitRows[i]), last.data(), last.offset(i), h);
        }
        FloatMatrix logits = new FloatMatrix(logitRows.length, cfg.vocabSize());
        ops.matmul(lmHead, last, logits);
        return logits;
    }

    private Set<Weight> allWeights() {
        Set<Weight> all = new LinkedHashSet<>();
        all.add(embed);
        all.add(lmHead);
        for (Layer l : layers) {
            all.addAll(Arrays.asList(l.wq(), l.wk(), l.wv(), l.wo(), l.gate(), l.up(), l.down()));
        }
        return all;
    }

    private long parameterCount() {
        long n = allWeights().stream().mapToLong(wt -> (long) wt.rows() * wt.cols()).sum();
        n += outNorm.length;
        for (Layer l : layers) {
            n += l.attnNorm().length + l.ffnNorm().length + l.qNorm().length + l.kNorm().length;
        }
        return n;
    }

    @Override
    public long decodeBytesPerToken() {
        long bytes = lmHead.byteSize() + embed.byteSize() / cfg.vocabSize(); // the head, one embedding row
        for (Layer l : layers) {
            for (Weight w : Arrays.asList(l.wq(), l.wk(), l.wv(), l.wo(), l.gate(), l.up(), l.down())) {
                bytes += w.byteSize();
            }
        }
        return bytes;
    }

    private long weightBytes() {
        return allWeights().stream().mapToLong(Weight::byteSize).sum();
    }

    private String weightTypes() {
        return String.join("+", allWeights().stream().map(wt -> wt.dtype().name()).distinct().sorted().toList());
    }

    @Override
    public void close() {
        pool.close();
        source.close();
    }
}
