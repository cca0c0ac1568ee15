package io.qwen4j.models;

import io.qwen4j.common.ModelFileException;
import io.qwen4j.core.Batch;
import io.qwen4j.core.BatchRows;
import io.qwen4j.core.GqaAttention;
import io.qwen4j.core.KvCache;
import io.qwen4j.core.Rope;
import io.qwen4j.core.Scratch;
import io.qwen4j.core.SwiGlu;
import io.qwen4j.core.Taps;
import io.qwen4j.core.TextConfig;
import io.qwen4j.formats.ConfigJson;
import io.qwen4j.formats.WeightSource;
import io.qwen4j.tensor.FloatMatrix;
import io.qwen4j.tensor.Ops;
import io.qwen4j.tensor.Weight;
import java.util.ArrayList;
import java.util.List;

/**
 * Qwen3-Omni's code predictor ({@code talker.code_predictor.*}, {@code code_predictor_config}): the multi-token
 * predictor that gives codebooks {@code 1..G−1} of a codec frame once the talker has chosen codebook 0. Mirrors
 * {@code Qwen3OmniMoeTalkerCodePredictorModelForConditionalGeneration} (its {@code generate} as the talker's
 * {@code prepare_inputs_for_generation} calls it); spec: omni.md §8.
 *
 * <p>A dense Qwen3 decoder (q/k RMSNorm, plain 1-D RoPE, SwiGLU) over embeddings: per frame, with a fresh cache,
 * step 0 reads {@code [h_talker, Emb_0(c0)]} (positions 0, 1; {@code h_talker} the talker's final-norm output at the
 * position that chose {@code c0}, {@code Emb_0} the talker's codec embedding) and {@code lm_head.0} gives codebook 1;
 * step {@code g ≥ 1} reads {@code codec_embedding.(g−1)(c_g)} at position {@code g+1} and {@code lm_head.g} gives
 * codebook {@code g+1}. Which code each step takes is the caller's choice ({@link Chooser}: greedy, or sampled
 * with top-k 50, top-p 0.8). Holds its buffers and one cache: one frame at a time.
 */
public final class Qwen3OmniCodePredictor {

    /** Picks codebook {@code group}'s code from its logits ({@code [vocab]}, the caller may keep them). */
    @FunctionalInterface
    public interface Chooser {
        int choose(float[] logits, int group);
    }

    /** Hyperparameters ({@code code_predictor_config}, omni.md §1.2). */
    public record Config(TextConfig text, int intermediate, int codeGroups) {
        static Config from(ConfigJson c) {
            TextConfig t = TextConfig.read(c, ConfigJson.empty("code_predictor generation"));
            int groups = c.requireInt("num_code_groups");
            if (groups < 2) {
                throw new ModelFileException(c.where() + ": num_code_groups " + groups + " must be at least 2");
            }
            return new Config(t, c.requireInt("intermediate_size"), groups);
        }
    }

    record Layer(GqaAttention.Weights attn, float[] ffnNorm, SwiGlu mlp) {}

    private final Config cfg;
    private final Ops ops;
    private final Layer[] layers;
    private final List<Weight> embeddings; // codec_embedding.{0..G-2}: (vocab, H)
    private final List<Weight> heads;      // lm_head.{0..G-2}: (vocab, H)
    private final float[] norm;
    private final Rope rope;
    private final GqaAttention attention;
    private final KvCache cache;
    private final Scratch scratch = new Scratch();

    private Qwen3OmniCodePredictor(Config cfg, Ops ops, Layer[] layers, List<Weight> embeddings, List<Weight> heads, float[] norm) {
        this.cfg = cfg;
        this.ops = ops;
        this.layers = layers;
        this.embeddings = embeddings;
        this.heads = heads;
        this.norm = norm;
        TextConfig t = cfg.text();
        this.rope = new Rope(t.headDim(), t.ropeTheta());
        this.attention = new GqaAttention(t);
        this.cache = new KvCache(t.layers(), t.kvHeads(), t.headDim(), cfg.codeGroups() + 1);
    }

    /** Declares {@code model.*} and {@code lm_head.*} of {@code w} (the talker's weights under {@code code_predictor.}). */
    static Qwen3OmniCodePredictor load(ConfigJson config, WeightSource w, Ops ops, int talkerHidden) {
        Config c = Config.from(config);
        TextConfig t = c.text();
        int h = t.hidden();
        if (h != talkerHidden) {
            throw new ModelFileException(config.where() + ": hidden_size " + h + " differs from the talker's " + talkerHidden);
        }
        Layer[] layers = new Layer[t.layers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "model.layers." + i + ".";
            layers[i] = new Layer(GqaAttention.Weights.load(w, p, t), w.require(p + "post_attention_layernorm.weight", h).toFloatArray(),
                    SwiGlu.load(w, p + "mlp.", h, c.intermediate()));
        }
        List<Weight> embeddings = new ArrayList<>();
        List<Weight> heads = new ArrayList<>();
        for (int g = 0; g < c.codeGroups() - 1; g++) {
            embeddings.add(w.require("model.codec_embedding." + g + ".weight", t.vocabSize(), h));
            heads.add(w.require("lm_head." + g + ".weight", t.vocabSize(), h));
        }
        return new Qwen3OmniCodePredictor(c, ops, layers, embeddings, heads, w.require("model.norm.weight", h).toFloatArray());
    }

    public Config config() {
        return cfg;
    }

    /** Codes per codebook (the codec's codebook size). */
    public int vocabSize() {
        return cfg.text().vocabSize();
    }

    List<Weight> matrices() {
        List<Weight> all = new ArrayList<>(embeddings);
        all.addAll(heads);
        for (Layer l : layers) {
            all.addAll(l.attn().matrices());
            all.addAll(l.mlp().matrices());
        }
        return all;
    }

    /** Row {@code code} of {@code codec_embedding.(group−1)}: codebook {@code group ≥ 1}'s embedding, added to {@code out}. */
    void addEmbedding(int group, int code, float[] out, int off) {
        Weight e = embeddings.get(group - 1);
        float[] row = new float[e.cols()];
        e.dequantizeRow(checkCode(code, e.rows()), row, 0);
        ops.axpy(1f, row, 0, out, off, row.length);
    }

    private static int checkCode(int code, int vocab) {
        if (code < 0 || code >= vocab) {
            throw new IllegalArgumentException("codec code " + code + " outside [0, " + vocab + ")");
        }
        return code;
    }

    /**
     * The codes of one frame: {@code codes[0] = code0}, then codebooks {@code 1..G−1} as {@code chooser} picks them
     * from each step's logits. {@code talkerHidden} is the talker's final-norm output that chose {@code code0},
     * {@code code0Embedding} its codec embedding row. Mirrors {@code code_predictor.generate(inputs_embeds=[h, e0],
     * max_new_tokens=G−1)}.
     */
    public synchronized int[] predict(float[] talkerHidden, float[] code0Embedding, int code0, Chooser chooser) {
        int h = cfg.text().hidden();
        int groups = cfg.codeGroups();
        int[] codes = new int[groups];
        codes[0] = code0;
        cache.truncate(0);
        FloatMatrix x = scratch.get(X, 2, h);
        System.arraycopy(talkerHidden, 0, x.data(), 0, h);
        System.arraycopy(code0Embedding, 0, x.data(), h, h);
        for (int g = 1; g < groups; g++) {
            if (g > 1) {
                x = scratch.get(X, 1, h);
                java.util.Arrays.fill(x.data(), 0, h, 0f);
                addEmbedding(g - 1, codes[g - 1], x.data(), 0);
            }
            float[] logits = forward(x, g - 1);
            codes[g] = checkCode(chooser.choose(logits, g), vocabSize());
        }
        return codes;
    }

    // Scratch slots
    private static final int X = 0, XN = 1, OUT = 2, GATE = 3, UP = 4, LOGITS = 5;

    /**
     * Runs the rows {@code x} at the next cache positions and returns {@code lm_head.head}'s logits of the last row.
     * Mirrors {@code Qwen3OmniMoeTalkerCodePredictorModel.forward} (layers as {@code Qwen3OmniMoeTalkerCodePredictorDecoderLayer}).
     */
    private float[] forward(FloatMatrix x, int head) {
        int n = x.rows();
        int h = cfg.text().hidden();
        BatchRows rows = new BatchRows(Batch.of(cache, new int[n], false));
        rows.reserve();
        Rope.Table angles = rope.table(rows.positions());
        FloatMatrix xn = scratch.get(XN, n, h);
        FloatMatrix out = scratch.get(OUT, n, h);
        FloatMatrix gate = scratch.get(GATE, n, cfg.intermediate());
        FloatMatrix up = scratch.get(UP, n, cfg.intermediate());
        for (int l = 0; l < layers.length; l++) {
            Layer layer = layers[l];
            attention.forward(ops, layer.attn(), rows, l, x, angles, Taps.NONE);
            ops.rmsNorm(x, layer.ffnNorm(), cfg.text().rmsEps(), xn);
            layer.mlp().forward(ops, xn, gate, up, out);
            ops.add(x, out);
        }
        rows.advance();
        FloatMatrix last = scratch.get(XN, 1, h);
        System.arraycopy(x.data(), x.offset(n - 1), last.data(), 0, h);
        ops.rmsNorm(last, norm, cfg.text().rmsEps(), last);
        FloatMatrix logits = new FloatMatrix(1, vocabSize());
        ops.matmul(heads.get(head), last, logits);
        return logits.data();
    }
}
