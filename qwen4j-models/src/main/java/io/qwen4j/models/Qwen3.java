package io.qwen4j.models;

import io.qwen4j.core.Batch;
import io.qwen4j.core.BatchRows;
import io.qwen4j.core.CausalLm;
import io.qwen4j.core.Embeddings;
import io.qwen4j.core.GqaAttention;
import io.qwen4j.core.KvCache;
import io.qwen4j.core.ModelInfo;
import io.qwen4j.core.Rope;
import io.qwen4j.core.Scratch;
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
import java.util.List;

/**
 * Qwen3 dense decoder ({@code model_type: qwen3}, {@code Qwen3ForCausalLM}); mirrors transformers'
 * {@code models/qwen3/modeling_qwen3.py}. Spec: shared/spec/text.md §2.
 */
public final class Qwen3 implements CausalLm {

    /** Hyperparameters (text.md §1). */
    public record Config(
            TextConfig text,     // what every Qwen3-family decoder has: sizes, heads, eps, RoPE, eos
            int intermediate) {  // I, SwiGLU width

        static Config from(ConfigJson c, ConfigJson generation) {
            return new Config(TextConfig.read(c, generation), c.requireInt("intermediate_size"));
        }
    }

    /** One decoder layer's weights; shapes as in the HF checkpoint ({@code [out, in]}). */
    record Layer(
            float[] attnNorm,           // (H)  input_layernorm
            GqaAttention.Weights attn,  // self_attn.{q,k,v,o}_proj, q_norm, k_norm
            float[] ffnNorm,            // (H)  post_attention_layernorm
            SwiGlu mlp) {}              // mlp.{gate,up}_proj (I, H), down_proj (H, I)

    private final Config cfg;
    private final TextConfig text;
    private final WeightSource source;
    private final Embeddings ends;   // embed_tokens, norm, lm_head
    private final Layer[] layers;
    private final ThreadPool pool;
    private final Ops ops;
    private final Rope rope;
    private final GqaAttention attention;
    private final Scratch scratch = new Scratch();
    private final ModelInfo info;

    private Qwen3(Config cfg, WeightSource source, Embeddings ends, Layer[] layers, LoadOptions options) {
        this.cfg = cfg;
        this.text = cfg.text();
        this.source = source;
        this.ends = ends;
        this.layers = layers;
        this.pool = ThreadPool.create(options.threads());
        this.ops = Ops.vector(pool);
        this.rope = new Rope(text.headDim(), text.ropeTheta());
        this.attention = new GqaAttention(text);
        int context = options.contextLength() > 0 ? options.contextLength() : text.contextLength();
        List<Weight> matrices = new ArrayList<>(List.of(ends.embed(), ends.lmHead()));
        long vectors = ends.outNorm().length;
        for (Layer l : layers) {
            matrices.addAll(l.attn().matrices());
            matrices.addAll(l.mlp().matrices());
            vectors += l.attnNorm().length + l.ffnNorm().length + l.attn().normParameters();
        }
        this.info = ModelInfo.of("qwen3", text, context, matrices, vectors, source.description(), ops.describe());
    }

    /** Reads the config, declares every tensor with its expected shape, and checks them all. */
    static Qwen3 load(ConfigJson config, ConfigJson generation, WeightSource w, LoadOptions options) {
        Config c = Config.from(config, generation);
        int h = c.text().hidden();
        Layer[] layers = new Layer[c.text().layers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "model.layers." + i + ".";
            layers[i] = new Layer(
                    w.require(p + "input_layernorm.weight", h).toFloatArray(),
                    GqaAttention.Weights.load(w, p + "self_attn.", c.text()),
                    w.require(p + "post_attention_layernorm.weight", h).toFloatArray(),
                    SwiGlu.load(w, p + "mlp.", h, c.intermediate()));
        }
        return new Qwen3(c, w, Embeddings.load(w, c.text()), layers, options);
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
    private static final int X = 0, XN = 1, PROJ = 2, GATE = 3, UP = 4, COS = 5, SIN = 6;

    /** Mirrors {@code Qwen3ForCausalLM.forward} → {@code Qwen3Model.forward} → {@code Qwen3DecoderLayer.forward}. */
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
        FloatMatrix gate = scratch.get(GATE, n, cfg.intermediate());
        FloatMatrix up = scratch.get(UP, n, cfg.intermediate());
        for (int l = 0; l < layers.length; l++) {
            Layer layer = layers[l];
            // attention block
            ops.rmsNorm(x, layer.attnNorm(), eps, xn);
            taps.record("attn_norm", l, xn);
            attention.forward(ops, layer.attn(), rows, l, xn, cos, sin, taps, proj);
            taps.record("attn_out", l, proj);
            ops.add(x, proj);
            // MLP block: down(silu(gate(h)) * up(h))
            ops.rmsNorm(x, layer.ffnNorm(), eps, xn);
            taps.record("ffn_norm", l, xn);
            layer.mlp().forward(ops, xn, gate, up, proj);
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
