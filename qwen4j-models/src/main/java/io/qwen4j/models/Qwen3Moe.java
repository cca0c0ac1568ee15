package io.qwen4j.models;

import io.qwen4j.common.ModelFileException;
import io.qwen4j.core.Batch;
import io.qwen4j.core.BatchRows;
import io.qwen4j.core.CausalLm;
import io.qwen4j.core.Embeddings;
import io.qwen4j.core.GqaAttention;
import io.qwen4j.core.KvCache;
import io.qwen4j.core.ModelInfo;
import io.qwen4j.core.Rope;
import io.qwen4j.core.Scratch;
import io.qwen4j.core.SparseMoe;
import io.qwen4j.core.SwiGlu;
import io.qwen4j.core.Taps;
import io.qwen4j.core.TextConfig;
import io.qwen4j.formats.ConfigJson;
import io.qwen4j.formats.WeightSource;
import io.qwen4j.tensor.FloatMatrix;
import io.qwen4j.tensor.Ops;
import io.qwen4j.tensor.ThreadPool;
import io.qwen4j.tensor.Weight;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Qwen3-MoE decoder ({@code model_type: qwen3_moe}, {@code Qwen3MoeForCausalLM}, e.g. Qwen3-30B-A3B);
 * mirrors transformers' {@code models/qwen3_moe/modeling_qwen3_moe.py}. The same decoder as {@link Qwen3}
 * except the MLP: a sparse mixture of SwiGLU experts (text.md §2.5), or a dense SwiGLU in the layers that
 * {@code decoder_sparse_step} and {@code mlp_only_layers} leave dense (none in released checkpoints).
 */
public final class Qwen3Moe implements CausalLm {

    /** Hyperparameters (text.md §1.1). */
    public record Config(
            TextConfig text,       // what every Qwen3-family decoder has: sizes, heads, eps, RoPE, eos
            int intermediate,      // I, width of the dense MLP of non-sparse layers
            int experts,           // E: num_experts (4.x) or num_local_experts (what 5.x writes)
            int expertsPerToken,   // k: num_experts_per_tok
            int expertWidth,       // Ie: moe_intermediate_size
            boolean normTopKProb,  // renormalise the k routing weights; true in released configs, false by default
            int sparseStep,        // decoder_sparse_step
            int[] mlpOnlyLayers) { // layers that keep a dense MLP

        static Config from(ConfigJson c, ConfigJson generation) {
            TextConfig text = TextConfig.read(c, generation);
            int experts = c.requireInt("num_experts", "num_local_experts");
            int k = c.requireInt("num_experts_per_tok");
            int step = c.intOr(1, "decoder_sparse_step");
            if (k < 1 || k > experts || step < 1) {
                throw new ModelFileException(c.where() + ": num_experts_per_tok " + k + " must be within [1, " + experts
                        + "] and decoder_sparse_step " + step + " at least 1");
            }
            return new Config(text, c.requireInt("intermediate_size"), experts, k, c.requireInt("moe_intermediate_size"),
                    // the class default is false: only the file says (text.md §1.1)
                    c.boolOr(false, "norm_topk_prob"), step, c.intList("mlp_only_layers"));
        }

        /** Mirrors the choice in {@code Qwen3MoeDecoderLayer.__init__}. */
        boolean isSparse(int layer) {
            return Arrays.stream(mlpOnlyLayers).noneMatch(l -> l == layer) && experts > 0 && (layer + 1) % sparseStep == 0;
        }
    }

    /** A layer's feed-forward block: sparse experts, or the dense SwiGLU of a non-sparse layer. */
    sealed interface Ffn {}

    record Sparse(SparseMoe.Weights moe) implements Ffn {} // mlp.gate (E, H), mlp.experts.{e}.{gate,up}_proj (Ie, H), down_proj (H, Ie)

    record Dense(SwiGlu mlp) implements Ffn {}             // mlp.{gate,up}_proj (I, H), down_proj (H, I)

    /** One decoder layer's weights; shapes as in the HF checkpoint ({@code [out, in]}). */
    record Layer(
            float[] attnNorm,           // (H)  input_layernorm
            GqaAttention.Weights attn,  // self_attn.{q,k,v,o}_proj, q_norm, k_norm
            float[] ffnNorm,            // (H)  post_attention_layernorm
            Ffn ffn) {}

    private final Config cfg;
    private final TextConfig text;
    private final WeightSource source;
    private final Embeddings ends;   // embed_tokens, norm, lm_head
    private final Layer[] layers;
    private final ThreadPool pool;
    private final Ops ops;
    private final Rope rope;
    private final GqaAttention attention;
    private final SparseMoe moe;
    private final Scratch scratch = new Scratch();
    private final ModelInfo info;

    private Qwen3Moe(Config cfg, WeightSource source, Embeddings ends, Layer[] layers, LoadOptions options) {
        this.cfg = cfg;
        this.text = cfg.text();
        this.source = source;
        this.ends = ends;
        this.layers = layers;
        this.pool = ThreadPool.create(options.threads());
        this.ops = Ops.vector(pool);
        this.rope = new Rope(text.headDim(), text.ropeTheta());
        this.attention = new GqaAttention(text);
        this.moe = new SparseMoe(text.hidden(), cfg.experts(), cfg.expertsPerToken(), cfg.normTopKProb());
        int context = options.contextLength() > 0 ? options.contextLength() : text.contextLength();
        List<Weight> matrices = new ArrayList<>(List.of(ends.embed(), ends.lmHead()));
        long vectors = ends.outNorm().length;
        for (Layer l : layers) {
            matrices.addAll(l.attn().matrices());
            matrices.addAll(switch (l.ffn()) {
                case Sparse s -> s.moe().matrices();
                case Dense d -> d.mlp().matrices();
            });
            vectors += l.attnNorm().length + l.ffnNorm().length + l.attn().normParameters();
        }
        this.info = ModelInfo.of("qwen3_moe", text, context, matrices, vectors, source.description(), ops.describe());
    }

    /** Reads the config, declares every tensor with its expected shape, and checks them all. */
    static Qwen3Moe load(ConfigJson config, ConfigJson generation, WeightSource w, LoadOptions options) {
        Config c = Config.from(config, generation);
        int h = c.text().hidden();
        Layer[] layers = new Layer[c.text().layers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "model.layers." + i + ".";
            Ffn ffn = c.isSparse(i)
                    ? new Sparse(SparseMoe.Weights.load(w, p + "mlp.", h, c.experts(), c.expertWidth()))
                    : new Dense(SwiGlu.load(w, p + "mlp.", h, c.intermediate()));
            layers[i] = new Layer(
                    w.require(p + "input_layernorm.weight", h).toFloatArray(),
                    GqaAttention.Weights.load(w, p + "self_attn.", c.text()),
                    w.require(p + "post_attention_layernorm.weight", h).toFloatArray(),
                    ffn);
        }
        return new Qwen3Moe(c, w, Embeddings.load(w, c.text()), layers, options);
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
        return new KvCache(text.layers(), text.kvHeads() * text.headDim(), Math.min(maxTokens, info.contextLength()));
    }

    // Scratch slots
    private static final int X = 0, XN = 1, PROJ = 2, GATE = 3, UP = 4, COS = 5, SIN = 6, ROUTER = 7;

    /**
     * Mirrors {@code Qwen3MoeForCausalLM.forward} → {@code Qwen3MoeModel.forward} →
     * {@code Qwen3MoeDecoderLayer.forward}; router logits are reported as {@code blk.N.ffn_moe_logits}.
     */
    @Override
    public synchronized FloatMatrix forward(Batch batch, Taps taps) {
        BatchRows rows = new BatchRows(batch);
        int n = rows.size();
        int h = text.hidden();
        float eps = text.rmsEps();
        rows.reserve();

        FloatMatrix x = scratch.get(X, n, h);
        ends.lookup(rows.tokens(), x);
        taps.record("inp_embd", x);
        FloatMatrix cos = scratch.get(COS, n, rope.half());
        FloatMatrix sin = scratch.get(SIN, n, rope.half());
        rope.table(rows.positions(), cos, sin);

        FloatMatrix xn = scratch.get(XN, n, h);
        FloatMatrix proj = scratch.get(PROJ, n, h);
        FloatMatrix routerLogits = scratch.get(ROUTER, n, cfg.experts());
        for (int l = 0; l < layers.length; l++) {
            Layer layer = layers[l];
            // attention block
            ops.rmsNorm(x, layer.attnNorm(), eps, xn);
            taps.record("attn_norm", l, xn);
            attention.forward(ops, layer.attn(), rows, l, xn, cos, sin, taps, proj);
            taps.record("attn_out", l, proj);
            ops.add(x, proj);
            // feed-forward block: sparse experts or a dense SwiGLU
            ops.rmsNorm(x, layer.ffnNorm(), eps, xn);
            taps.record("ffn_norm", l, xn);
            switch (layer.ffn()) {
                case Sparse s -> {
                    moe.forward(ops, s.moe(), xn, routerLogits, proj);
                    taps.record("ffn_moe_logits", l, routerLogits);
                }
                case Dense d -> {
                    int width = cfg.intermediate();
                    d.mlp().forward(ops, xn, scratch.get(GATE, n, width), scratch.get(UP, n, width), proj);
                }
            }
            taps.record("ffn_out", l, proj);
            ops.add(x, proj);
            taps.record("l_out", l, x);
        }
        rows.advance();

        ops.rmsNorm(x, ends.outNorm(), eps, x);
        taps.record("result_norm", x);
        return ends.logits(ops, x, rows.logitRows());
    }

    @Override
    public void close() {
        pool.close();
        source.close();
    }
}
