package io.qwen4j.models;

import io.qwen4j.common.ModelFileException;
import io.qwen4j.core.Batch;
import io.qwen4j.core.BatchRows;
import io.qwen4j.core.CausalLm;
import io.qwen4j.core.GqaAttention;
import io.qwen4j.core.KvCache;
import io.qwen4j.core.ModelInfo;
import io.qwen4j.core.Rope;
import io.qwen4j.core.Scratch;
import io.qwen4j.core.SparseMoe;
import io.qwen4j.core.SwiGlu;
import io.qwen4j.core.Taps;
import io.qwen4j.core.TextConfig;
import io.qwen4j.core.TextDecoder;
import io.qwen4j.formats.ConfigJson;
import io.qwen4j.formats.WeightSource;
import io.qwen4j.tensor.FloatMatrix;
import io.qwen4j.tensor.Ops;
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
            GqaAttention.Weights attn,  // input_layernorm (H), self_attn.{q,k,v,o}_proj, q_norm, k_norm
            float[] ffnNorm,            // (H)  post_attention_layernorm
            Ffn ffn) {}

    private final Config cfg;
    private final TextDecoder decoder;  // embeddings, LM head, threads, RoPE, attention
    private final Layer[] layers;
    private final Ops ops;
    private final SparseMoe moe;
    private final Scratch scratch = new Scratch();
    private final ModelInfo info;

    private final String architecture;
    private final List<Weight> matrices = new ArrayList<>(); // every layer's matmul weights
    private final long vectors;                              // the layers' norm parameters

    private Qwen3Moe(Config cfg, TextDecoder decoder, Layer[] layers, String architecture) {
        this.cfg = cfg;
        this.decoder = decoder;
        this.layers = layers;
        this.ops = decoder.ops();
        this.architecture = architecture;
        this.moe = new SparseMoe(cfg.text().hidden(), cfg.experts(), cfg.expertsPerToken(), cfg.normTopKProb());
        long v = 0;
        for (Layer l : layers) {
            matrices.addAll(l.attn().matrices());
            matrices.addAll(switch (l.ffn()) {
                case Sparse s -> s.moe().matrices();
                case Dense d -> d.mlp().matrices();
            });
            v += l.attn().vectorParameters() + l.ffnNorm().length;
        }
        this.vectors = v;
        this.info = decoder.info(architecture, matrices, vectors);
    }

    /** Reads the config, declares every tensor with its expected shape, and checks them all. */
    static Qwen3Moe load(ConfigJson config, ConfigJson generation, WeightSource w, LoadOptions options) {
        return build(Config.from(config, generation), w, options, "qwen3_moe");
    }

    /**
     * The decoder of {@code c} over {@code w} (HF names {@code model.*}, {@code lm_head.weight}), which it owns
     * from then on; {@code architecture} names it in its {@link ModelInfo} (the Omni thinker's text model is one).
     */
    static Qwen3Moe build(Config c, WeightSource w, LoadOptions options, String architecture) {
        int h = c.text().hidden();
        Layer[] layers = new Layer[c.text().layers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "model.layers." + i + ".";
            Ffn ffn = c.isSparse(i)
                    ? new Sparse(SparseMoe.Weights.load(w, p + "mlp.", h, c.experts(), c.expertWidth()))
                    : new Dense(SwiGlu.load(w, p + "mlp.", h, c.intermediate()));
            layers[i] = new Layer(
                    GqaAttention.Weights.load(w, p, c.text()),
                    w.require(p + "post_attention_layernorm.weight", h).toFloatArray(),
                    ffn);
        }
        return new Qwen3Moe(c, new TextDecoder(c.text(), w, options.threads(), options.contextLength()), layers, architecture);
    }

    public Config config() {
        return cfg;
    }

    /** Embeddings, final norm, LM head, threads. */
    TextDecoder decoder() {
        return decoder;
    }

    /** Every layer's matmul weights. */
    List<Weight> layerMatrices() {
        return List.copyOf(matrices);
    }

    /** Parameters of the layers' norms. */
    long layerVectors() {
        return vectors;
    }

    /** Work done after a decoder layer, on the batch's hidden states (the Omni thinker adds deepstack features). */
    @FunctionalInterface
    interface AfterLayer {
        AfterLayer NONE = (layer, x) -> {};

        void apply(int layer, FloatMatrix x);
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    @Override
    public KvCache newCache(int maxTokens) {
        return decoder.newCache(maxTokens);
    }

    // Scratch slots
    private static final int XN = 0, OUT = 1, GATE = 2, UP = 3, ROUTER = 4;

    /**
     * Mirrors {@code Qwen3MoeForCausalLM.forward} → {@code Qwen3MoeModel.forward} →
     * {@code Qwen3MoeDecoderLayer.forward}; router logits are reported as {@code blk.N.ffn_moe_logits}.
     */
    @Override
    public synchronized FloatMatrix forward(Batch batch, Taps taps) {
        BatchRows rows = new BatchRows(batch);
        rows.requireText(architecture);
        rows.reserve();
        FloatMatrix x = decoder.embed(rows, taps);
        layers(rows, x, decoder.rope().table(rows.positions()), AfterLayer.NONE, taps);
        rows.advance();
        return decoder.logits(x, rows, taps);
    }

    /**
     * Runs every decoder layer over the rows' hidden states {@code x} in place, with the rotary tables
     * {@code angles}, calling {@code after} once a layer's output is in {@code x} (and tapped as {@code l_out}).
     * Mirrors the layer loop of {@code Qwen3MoeModel.forward} and {@code Qwen3MoeDecoderLayer.forward}.
     */
    void layers(BatchRows rows, FloatMatrix x, Rope.Table angles, AfterLayer after, Taps taps) {
        int n = rows.size();
        int h = cfg.text().hidden();
        FloatMatrix xn = scratch.get(XN, n, h);
        FloatMatrix out = scratch.get(OUT, n, h);
        FloatMatrix routerLogits = scratch.get(ROUTER, n, cfg.experts());
        for (int l = 0; l < layers.length; l++) {
            Layer layer = layers[l];
            decoder.attention().forward(ops, layer.attn(), rows, l, x, angles, taps); // x += attention(attn_norm(x))
            // feed-forward block: x += ffn(h), h = ffn_norm(x), ffn the sparse experts or a dense SwiGLU
            ops.rmsNorm(x, layer.ffnNorm(), cfg.text().rmsEps(), xn);
            taps.record("ffn_norm", l, xn);
            switch (layer.ffn()) {
                case Sparse s -> {
                    moe.forward(ops, s.moe(), xn, routerLogits, out);
                    taps.record("ffn_moe_logits", l, routerLogits);
                }
                case Dense d -> {
                    int width = cfg.intermediate();
                    d.mlp().forward(ops, xn, scratch.get(GATE, n, width), scratch.get(UP, n, width), out);
                }
            }
            taps.record("ffn_out", l, out);
            ops.add(x, out);
            taps.record("l_out", l, x);
            after.apply(l, x);
        }
    }

    /** Per decoded token: attention, the router and dense MLPs, and k experts of each sparse layer (one expert's bytes each). */
    @Override
    public long decodeBytesPerToken() {
        long layerBytes = 0;
        for (Layer l : layers) {
            layerBytes += l.attn().matrices().stream().mapToLong(Weight::byteSize).sum();
            layerBytes += switch (l.ffn()) {
                case Sparse s -> s.moe().router().byteSize() + (long) cfg.expertsPerToken()
                        * s.moe().experts().getFirst().matrices().stream().mapToLong(Weight::byteSize).sum();
                case Dense d -> d.mlp().matrices().stream().mapToLong(Weight::byteSize).sum();
            };
        }
        return decoder.decodeBytesPerToken(layerBytes);
    }

    @Override
    public void close() {
        decoder.close();
    }
}
