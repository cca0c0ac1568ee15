package io.qwen4j.models;

import io.qwen4j.core.Batch;
import io.qwen4j.core.BatchRows;
import io.qwen4j.core.CausalLm;
import io.qwen4j.core.GqaAttention;
import io.qwen4j.core.KvCache;
import io.qwen4j.core.ModelInfo;
import io.qwen4j.core.Rope;
import io.qwen4j.core.Scratch;
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
            GqaAttention.Weights attn,  // input_layernorm (H), self_attn.{q,k,v,o}_proj, q_norm, k_norm
            float[] ffnNorm,            // (H)  post_attention_layernorm
            SwiGlu mlp) {}              // mlp.{gate,up}_proj (I, H), down_proj (H, I)

    private final Config cfg;
    private final TextDecoder decoder;  // embeddings, LM head, threads, RoPE, attention
    private final Layer[] layers;
    private final Ops ops;
    private final Scratch scratch = new Scratch();
    private final ModelInfo info;

    private Qwen3(Config cfg, TextDecoder decoder, Layer[] layers) {
        this.cfg = cfg;
        this.decoder = decoder;
        this.layers = layers;
        this.ops = decoder.ops();
        List<Weight> matrices = new ArrayList<>();
        long vectors = 0;
        for (Layer l : layers) {
            matrices.addAll(l.attn().matrices());
            matrices.addAll(l.mlp().matrices());
            vectors += l.attn().vectorParameters() + l.ffnNorm().length;
        }
        this.info = decoder.info("qwen3", matrices, vectors);
    }

    /** Reads the config, declares every tensor with its expected shape, and checks them all. */
    static Qwen3 load(ConfigJson config, ConfigJson generation, WeightSource w, LoadOptions options) {
        Config c = Config.from(config, generation);
        int h = c.text().hidden();
        Layer[] layers = new Layer[c.text().layers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "model.layers." + i + ".";
            layers[i] = new Layer(
                    GqaAttention.Weights.load(w, p, c.text()),
                    w.require(p + "post_attention_layernorm.weight", h).toFloatArray(),
                    SwiGlu.load(w, p + "mlp.", h, c.intermediate()));
        }
        return new Qwen3(c, new TextDecoder(c.text(), w, options.threads(), options.contextLength()), layers);
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
        return decoder.newCache(maxTokens);
    }

    // Scratch slots
    private static final int XN = 0, OUT = 1, GATE = 2, UP = 3;

    /** Mirrors {@code Qwen3ForCausalLM.forward} → {@code Qwen3Model.forward} → {@code Qwen3DecoderLayer.forward}. */
    @Override
    public synchronized FloatMatrix forward(Batch batch, Taps taps) {
        BatchRows rows = new BatchRows(batch);
        rows.requireText("qwen3");
        int n = rows.size();
        int h = cfg.text().hidden();
        rows.reserve();
        FloatMatrix x = decoder.embed(rows, taps);
        Rope.Table angles = decoder.rope().table(rows.positions());

        FloatMatrix xn = scratch.get(XN, n, h);
        FloatMatrix out = scratch.get(OUT, n, h);
        FloatMatrix gate = scratch.get(GATE, n, cfg.intermediate());
        FloatMatrix up = scratch.get(UP, n, cfg.intermediate());
        for (int l = 0; l < layers.length; l++) {
            Layer layer = layers[l];
            decoder.attention().forward(ops, layer.attn(), rows, l, x, angles, taps); // x += attention(attn_norm(x))
            // MLP block: x += down(silu(gate(h)) * up(h)), h = ffn_norm(x)
            ops.rmsNorm(x, layer.ffnNorm(), cfg.text().rmsEps(), xn);
            taps.record("ffn_norm", l, xn);
            layer.mlp().forward(ops, xn, gate, up, out);
            taps.record("ffn_out", l, out);
            ops.add(x, out);
            taps.record("l_out", l, x);
        }
        rows.advance();
        return decoder.logits(x, rows, taps);
    }

    /** Every layer matrix is read once per decoded token. */
    @Override
    public long decodeBytesPerToken() {
        long layerBytes = 0;
        for (Layer l : layers) {
            layerBytes += l.attn().matrices().stream().mapToLong(Weight::byteSize).sum();
            layerBytes += l.mlp().matrices().stream().mapToLong(Weight::byteSize).sum();
        }
        return decoder.decodeBytesPerToken(layerBytes);
    }

    @Override
    public void close() {
        decoder.close();
    }
}
