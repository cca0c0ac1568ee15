package io.qwen4j.models;

import io.qwen4j.common.InvalidInputException;
import io.qwen4j.common.ModelFileException;
import io.qwen4j.core.CausalConv1d;
import io.qwen4j.core.CausalTransConv1d;
import io.qwen4j.core.ConvNeXtBlock;
import io.qwen4j.core.Rope;
import io.qwen4j.core.SlidingWindowAttention;
import io.qwen4j.core.SnakeBeta;
import io.qwen4j.core.SwiGlu;
import io.qwen4j.core.Taps;
import io.qwen4j.formats.ConfigJson;
import io.qwen4j.formats.SafeTensorsSource;
import io.qwen4j.formats.WeightSource;
import io.qwen4j.tensor.FloatMatrix;
import io.qwen4j.tensor.Ops;
import io.qwen4j.tensor.ThreadPool;
import io.qwen4j.tensor.Weight;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Qwen3-Omni's codec decoder ({@code code2wav.}, {@code code2wav_config}): codec frames of {@code num_quantizers}
 * codes in, a 24 kHz waveform in [−1, 1] out, {@code 1920} samples per frame for the real model. Mirrors
 * transformers' {@code Qwen3OmniMoeCode2Wav.forward} and {@code chunked_decode}; spec: omni.md §9.
 *
 * <ol>
 *   <li>embedding: the mean of the frame's code embeddings (quantizer {@code q} reads row {@code q·codebook + code});
 *   <li>pre-transformer: pre-norm layers with causal sliding-window attention (RoPE, no q/k norm), SwiGLU MLP and
 *       per-channel LayerScale on both residual branches; final RMSNorm;
 *   <li>upsampling: per ratio a causal transposed conv (k = s) and a ConvNeXt block;
 *   <li>decoder: causal conv to {@code decoder_dim}, blocks of SnakeBeta → transposed conv (k = 2r, s = r, channels
 *       halved) → residual units of dilation 1, 3, 9, then SnakeBeta → causal conv to one channel → clamp.
 * </ol>
 *
 * <p>Signals are channels-last, {@code [T, C]}. Taps: {@code inp_embd} (the mean embedding), {@code blk.N.l_out},
 * {@code result_norm} (pre-transformer output), {@code upsample.N} (after each ConvNeXt block), {@code decoder.N}
 * (after each decoder stage, the last being the unclamped waveform).
 */
public final class Qwen3OmniCode2Wav implements AutoCloseable {
    /** Hyperparameters ({@code code2wav_config}, omni.md §1.3). */
    public record Config(
            int codebookSize,       // codebook_size (2048)
            int quantizers,         // num_quantizers (16)
            int hidden,             // hidden_size (1024)
            int layers,             // num_hidden_layers (8)
            int heads,              // num_attention_heads (16); num_key_value_heads must equal it
            int headDim,            // head_dim, else hidden/heads (64)
            int intermediate,       // intermediate_size (3072)
            float eps,              // rms_norm_eps (1e-5)
            double ropeTheta,       // rope_parameters.rope_theta (10000)
            int slidingWindow,      // sliding_window (72)
            int[] upsamplingRatios, // upsampling_ratios ([2, 2])
            int[] upsampleRates,    // upsample_rates ([8, 5, 4, 3])
            int decoderDim) {       // decoder_dim (1536)

        public static Config from(ConfigJson c) {
            int hidden = c.requireInt("hidden_size");
            int heads = c.requireInt("num_attention_heads");
            int kv = c.intOr(heads, "num_key_value_heads");
            if (kv != heads) {
                throw new ModelFileException(c.where() + ": num_key_value_heads " + kv + " differs from num_attention_heads " + heads
                        + "; Code2Wav's attention is not grouped");
            }
            if (c.boolOr(false, "attention_bias")) {
                throw new ModelFileException(c.where() + ": attention_bias true is not supported (Qwen3-Omni's Code2Wav has none)");
            }
            String act = c.string("hidden_act").orElse("silu");
            if (!act.equals("silu")) {
                throw new ModelFileException(c.where() + ": hidden_act '" + act + "' is not supported (silu)");
            }
            double theta = c.section("rope_parameters").flatMap(r -> r.optionalDouble("rope_theta"))
                    .orElseGet(() -> c.doubleOr(10000.0, "rope_theta"));
            Config cfg = new Config(c.requireInt("codebook_size"), c.requireInt("num_quantizers"), hidden, c.requireInt("num_hidden_layers"),
                    heads, c.intOr(hidden / heads, "head_dim"), c.requireInt("intermediate_size"), (float) c.doubleOr(1e-5, "rms_norm_eps"),
                    theta, c.requireInt("sliding_window"), c.intList("upsampling_ratios"), c.intList("upsample_rates"),
                    c.requireInt("decoder_dim"));
            if (cfg.decoderDim >> cfg.upsampleRates.length == 0 || cfg.decoderDim % (1 << cfg.upsampleRates.length) != 0) {
                throw new ModelFileException(c.where() + ": decoder_dim " + cfg.decoderDim + " cannot be halved " + cfg.upsampleRates.length + " times");
            }
            return cfg;
        }

        /** Waveform samples per codec frame: the product of all upsampling factors (1920 = 24 kHz / 12.5 Hz). */
        public int samplesPerFrame() {
            int n = 1;
            for (int r : upsamplingRatios) {
                n *= r;
            }
            for (int r : upsampleRates) {
                n *= r;
            }
            return n;
        }
    }

    /** One pre-transformer layer. */
    record Layer(float[] attnNorm, Weight wq, Weight wk, Weight wv, Weight wo, float[] attnScale,
                 float[] ffnNorm, SwiGlu mlp, float[] mlpScale) {}

    /** A residual unit: {@code x + conv2(snake2(conv1(snake1(x))))}, conv1 of kernel 7 and dilation d, conv2 of kernel 1. */
    record ResidualUnit(SnakeBeta act1, CausalConv1d conv1, SnakeBeta act2, CausalConv1d conv2) {}

    /** A decoder block: SnakeBeta → transposed conv (halving the channels) → residual units. */
    record DecoderBlock(SnakeBeta act, CausalTransConv1d up, ResidualUnit[] units) {}

    private static final int[] DILATIONS = {1, 3, 9};

    private final Config cfg;
    private final Ops ops;
    private final Weight codeEmbedding;      // (quantizers·codebook, hidden)
    private final Layer[] layers;
    private final float[] norm;              // (hidden)
    private final Rope rope;
    private final CausalTransConv1d[] upConvs;
    private final ConvNeXtBlock[] upBlocks;
    private final CausalConv1d inputConv;    // decoder.0: hidden → decoder_dim, k 7
    private final DecoderBlock[] blocks;     // decoder.1..n
    private final SnakeBeta finalAct;        // decoder.n+1
    private final CausalConv1d outputConv;   // decoder.n+2: → 1 channel, k 7
    private AutoCloseable owned;             // what open() made for this decoder (weights, threads), closed with it

    private Qwen3OmniCode2Wav(Config cfg, Ops ops, Weight codeEmbedding, Layer[] layers, float[] norm, CausalTransConv1d[] upConvs,
                              ConvNeXtBlock[] upBlocks, CausalConv1d inputConv, DecoderBlock[] blocks, SnakeBeta finalAct,
                              CausalConv1d outputConv) {
        this.cfg = cfg;
        this.ops = ops;
        this.codeEmbedding = codeEmbedding;
        this.layers = layers;
        this.norm = norm;
        this.rope = new Rope(cfg.headDim(), cfg.ropeTheta());
        this.upConvs = upConvs;
        this.upBlocks = upBlocks;
        this.inputConv = inputConv;
        this.blocks = blocks;
        this.finalAct = finalAct;
        this.outputConv = outputConv;
    }

    /**
     * Declares every tensor under {@code prefix} (e.g. {@code "code2wav."}) with its expected shape; the decoder runs on
     * {@code ops}. Convolution weights are repacked to float32 at load (about 0.2 GB for the real model).
     */
    public static Qwen3OmniCode2Wav load(WeightSource w, ConfigJson code2wavConfig, String prefix, Ops ops) {
        Config c = Config.from(code2wavConfig);
        int h = c.hidden();
        int qd = c.heads() * c.headDim();
        Weight emb = w.require(prefix + "code_embedding.weight", (long) c.quantizers() * c.codebookSize(), h);
        Layer[] layers = new Layer[c.layers()];
        for (int i = 0; i < layers.length; i++) {
            String p = prefix + "pre_transformer.layers." + i + ".";
            layers[i] = new Layer(vector(w, p + "input_layernorm.weight", h),
                    w.require(p + "self_attn.q_proj.weight", qd, h), w.require(p + "self_attn.k_proj.weight", qd, h),
                    w.require(p + "self_attn.v_proj.weight", qd, h), w.require(p + "self_attn.o_proj.weight", h, qd),
                    vector(w, p + "self_attn_layer_scale.scale", h), vector(w, p + "post_attention_layernorm.weight", h),
                    SwiGlu.load(w, p + "mlp.", h, c.intermediate()), vector(w, p + "mlp_layer_scale.scale", h));
        }
        float[] norm = vector(w, prefix + "pre_transformer.norm.weight", h);
        int ups = c.upsamplingRatios().length;
        CausalTransConv1d[] upConvs = new CausalTransConv1d[ups];
        ConvNeXtBlock[] upBlocks = new ConvNeXtBlock[ups];
        for (int i = 0; i < ups; i++) {
            int r = c.upsamplingRatios()[i];
            String p = prefix + "upsample." + i + ".";
            upConvs[i] = new CausalTransConv1d(w.require(p + "0.conv.weight", h, h, r), vector(w, p + "0.conv.bias", h), h, r, r);
            upBlocks[i] = ConvNeXtBlock.load(w, p + "1.", h);
        }
        int dim = c.decoderDim();
        CausalConv1d inputConv = conv(w, prefix + "decoder.0.conv.", h, dim, 7, 1);
        int n = c.upsampleRates().length;
        DecoderBlock[] blocks = new DecoderBlock[n];
        for (int i = 0; i < n; i++) {
            int in = dim >> i;
            int out = dim >> (i + 1);
            int r = c.upsampleRates()[i];
            String p = prefix + "decoder." + (i + 1) + ".block.";
            ResidualUnit[] units = new ResidualUnit[DILATIONS.length];
            for (int u = 0; u < units.length; u++) {
                String q = p + (u + 2) + ".";
                units[u] = new ResidualUnit(snake(w, q + "act1.", out), conv(w, q + "conv1.conv.", out, out, 7, DILATIONS[u]),
                        snake(w, q + "act2.", out), conv(w, q + "conv2.conv.", out, out, 1, 1));
            }
            blocks[i] = new DecoderBlock(snake(w, p + "0.", in),
                    new CausalTransConv1d(w.require(p + "1.conv.weight", in, out, 2L * r), vector(w, p + "1.conv.bias", out), in, 2 * r, r),
                    units);
        }
        int last = dim >> n;
        SnakeBeta finalAct = snake(w, prefix + "decoder." + (n + 1) + ".", last);
        CausalConv1d outputConv = conv(w, prefix + "decoder." + (n + 2) + ".conv.", last, 1, 7, 1);
        return new Qwen3OmniCode2Wav(c, ops, emb, layers, norm, upConvs, upBlocks, inputConv, blocks, finalAct, outputConv);
    }

    /**
     * Loads Code2Wav from a Qwen3-Omni checkpoint folder (config.json's {@code code2wav_config}, the {@code code2wav.*}
     * tensors of its safetensors shards) on a pool of {@code threads} threads that {@link #close} releases.
     *
     * @throws ModelFileException when the checkpoint has no Code2Wav (the -Thinking and -Captioner checkpoints, a GGUF)
     */
    public static Qwen3OmniCode2Wav open(Path checkpoint, int threads) {
        Path configFile = checkpoint.resolve("config.json");
        if (!Files.isDirectory(checkpoint) || !Files.isRegularFile(configFile)) {
            throw new ModelFileException(checkpoint + " is not a Qwen3-Omni checkpoint folder with config.json: Code2Wav (speech output) needs"
                    + " the Instruct safetensors checkpoint");
        }
        ConfigJson config = ConfigJson.read(configFile);
        ConfigJson c2w = config.section("code2wav_config").orElseThrow(() -> new ModelFileException(configFile
                + " has no code2wav_config: this checkpoint cannot speak (the -Thinking and -Captioner checkpoints have no Code2Wav)"));
        WeightSource w = SafeTensorsSource.open(checkpoint);
        ThreadPool pool = null;
        try {
            if (w.names().stream().noneMatch(n -> n.startsWith("code2wav."))) {
                throw new ModelFileException(checkpoint + " has a code2wav_config but no code2wav.* weights");
            }
            pool = ThreadPool.create(threads);
            Qwen3OmniCode2Wav model = load(w, c2w, "code2wav.", Ops.vector(pool));
            ThreadPool p = pool;
            model.owned = () -> {
                p.close();
                w.close();
            };
            return model;
        } catch (RuntimeException e) {
            if (pool != null) {
                pool.close();
            }
            w.close();
            throw e;
        }
    }

    /** Releases what {@link #open} made (nothing for a decoder made by {@link #load}). */
    @Override
    public void close() {
        AutoCloseable o = owned;
        owned = null;
        if (o != null) {
            try {
                o.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing Code2Wav: " + e, e);
            }
        }
    }

    private static float[] vector(WeightSource w, String name, int n) {
        return w.require(name, n).toFloatArray();
    }

    private static SnakeBeta snake(WeightSource w, String prefix, int channels) {
        return new SnakeBeta(vector(w, prefix + "alpha", channels), vector(w, prefix + "beta", channels));
    }

    private static CausalConv1d conv(WeightSource w, String prefix, int in, int out, int kernel, int dilation) {
        return new CausalConv1d(w.require(prefix + "weight", out, in, kernel), vector(w, prefix + "bias", out), in, kernel, dilation);
    }

    public Config config() {
        return cfg;
    }

    /** The stored matmul weights (embedding table, pre-transformer and ConvNeXt projections), for parameter counts. */
    public List<Weight> matrices() {
        List<Weight> all = new ArrayList<>(List.of(codeEmbedding));
        for (Layer l : layers) {
            all.addAll(List.of(l.wq(), l.wk(), l.wv(), l.wo()));
            all.addAll(l.mlp().matrices());
        }
        for (ConvNeXtBlock b : upBlocks) {
            all.addAll(b.matrices());
        }
        return all;
    }

    /** Weights and biases of the convolutions (repacked to float32 at load). */
    public long convolutionParameters() {
        long n = inputConv.parameters() + outputConv.parameters();
        for (CausalTransConv1d c : upConvs) {
            n += c.parameters();
        }
        for (DecoderBlock b : blocks) {
            n += b.up().parameters();
            for (ResidualUnit u : b.units()) {
                n += u.conv1().parameters() + u.conv2().parameters();
            }
        }
        return n;
    }

    /** Samples of the waveform of {@code frames} codec frames decoded at once ({@code 1920·T − 555} for the real model). */
    public int outputLength(int frames) {
        int n = frames;
        for (int r : cfg.upsamplingRatios()) {
            n *= r;
        }
        for (int r : cfg.upsampleRates()) {
            n = (n - 1) * r;
        }
        return Math.max(0, n);
    }

    /** {@code codes[q][t]}: {@code num_quantizers} rows of {@code T} codes. Returns the waveform. */
    public float[] decode(int[][] codes) {
        return decode(codes, Taps.NONE);
    }

    /** As {@link #decode(int[][])}, reporting taps. Mirrors {@code Qwen3OmniMoeCode2Wav.forward}. */
    public float[] decode(int[][] codes, Taps taps) {
        int frames = checkCodes(codes);
        FloatMatrix x = embed(codes, frames);
        taps.record("inp_embd", x);
        x = preTransformer(x, taps);
        taps.record("result_norm", x);
        for (int i = 0; i < upConvs.length; i++) {
            x = upConvs[i].forward(ops, x);
            upBlocks[i].forward(ops, x);
            taps.record("upsample." + i, x);
        }
        x = inputConv.forward(ops, x);
        taps.record("decoder.0", x);
        for (int i = 0; i < blocks.length; i++) {
            DecoderBlock b = blocks[i];
            b.act().forward(ops, x, x);
            x = b.up().forward(ops, x);
            for (ResidualUnit u : b.units()) {
                FloatMatrix y = new FloatMatrix(x.rows(), x.cols());
                u.act1().forward(ops, x, y);
                y = u.conv1().forward(ops, y);
                u.act2().forward(ops, y, y);
                y = u.conv2().forward(ops, y);
                ops.add(x, y);
            }
            taps.record("decoder." + (i + 1), x);
        }
        finalAct.forward(ops, x, x);
        taps.record("decoder." + (blocks.length + 1), x);
        x = outputConv.forward(ops, x);
        taps.record("decoder." + (blocks.length + 2), x);
        float[] wav = Arrays.copyOf(x.data(), x.rows());
        for (int i = 0; i < wav.length; i++) {
            wav[i] = Math.max(-1f, Math.min(1f, wav[i]));
        }
        return wav;
    }

    /**
     * The waveform decoded in chunks of {@code chunkSize} frames, each after the first preceded by up to
     * {@code leftContext} earlier frames whose samples are dropped (mirrors {@code chunked_decode}; transformers'
     * {@code generate} uses 300 and 25). Every chunk of {@code n} frames adds {@code samplesPerFrame·n − 555} samples
     * for the real model: the total is shorter than {@link #decode}'s.
     */
    public float[] chunkedDecode(int[][] codes, int chunkSize, int leftContext) {
        int frames = checkCodes(codes);
        Code2WavStream.checkSizes(chunkSize, leftContext);
        int perFrame = cfg.samplesPerFrame();
        List<float[]> parts = new ArrayList<>();
        int total = 0;
        for (int start = 0; start < frames; ) {
            int end = Math.min(start + chunkSize, frames);
            int context = start - leftContext > 0 ? leftContext : start;
            int[][] chunk = new int[codes.length][];
            for (int q = 0; q < codes.length; q++) {
                chunk[q] = Arrays.copyOfRange(codes[q], start - context, end);
            }
            float[] wav = decode(chunk);
            float[] kept = Arrays.copyOfRange(wav, Math.min(wav.length, context * perFrame), wav.length);
            parts.add(kept);
            total += kept.length;
            start = end;
        }
        float[] wav = new float[total];
        int at = 0;
        for (float[] part : parts) {
            System.arraycopy(part, 0, wav, at, part.length);
            at += part.length;
        }
        return wav;
    }

    /** A streaming decoder over this model: frames in one at a time, waveform chunks out (see {@link Code2WavStream}). */
    public Code2WavStream stream(int chunkSize, int leftContext) {
        return new Code2WavStream(this, chunkSize, leftContext);
    }

    /** The reference's defaults of {@code chunked_decode}: chunks of 300 frames with 25 frames of left context. */
    public Code2WavStream stream() {
        return stream(Code2WavStream.DEFAULT_CHUNK_SIZE, Code2WavStream.DEFAULT_LEFT_CONTEXT);
    }

    /** Mirrors {@code code_embedding(codes + code_offset).mean(1)}: the sum in float32, then divided by the count. */
    private FloatMatrix embed(int[][] codes, int frames) {
        int h = cfg.hidden();
        FloatMatrix x = new FloatMatrix(frames, h);
        float[] row = new float[h];
        for (int t = 0; t < frames; t++) {
            int base = x.offset(t);
            for (int q = 0; q < codes.length; q++) {
                codeEmbedding.dequantizeRow(q * cfg.codebookSize() + codes[q][t], row, 0);
                for (int i = 0; i < h; i++) {
                    x.data()[base + i] += row[i];
                }
            }
            for (int i = 0; i < h; i++) {
                x.data()[base + i] /= codes.length;
            }
        }
        return x;
    }

    /** Mirrors {@code Qwen3OmniMoeCode2WavTransformerModel.forward}: positions 0..T−1, sliding-window causal mask. */
    private FloatMatrix preTransformer(FloatMatrix x, Taps taps) {
        int t = x.rows();
        int h = cfg.hidden();
        int qd = cfg.heads() * cfg.headDim();
        int[] positions = new int[t];
        for (int i = 0; i < t; i++) {
            positions[i] = i;
        }
        FloatMatrix cos = new FloatMatrix(t, cfg.headDim() / 2);
        FloatMatrix sin = new FloatMatrix(t, cfg.headDim() / 2);
        rope.table(positions, cos, sin);
        FloatMatrix xn = new FloatMatrix(t, h);
        FloatMatrix q = new FloatMatrix(t, qd);
        FloatMatrix k = new FloatMatrix(t, qd);
        FloatMatrix v = new FloatMatrix(t, qd);
        FloatMatrix att = new FloatMatrix(t, qd);
        FloatMatrix proj = new FloatMatrix(t, h);
        FloatMatrix gate = new FloatMatrix(t, cfg.intermediate());
        FloatMatrix up = new FloatMatrix(t, cfg.intermediate());
        for (int l = 0; l < layers.length; l++) {
            Layer layer = layers[l];
            // mirrors Qwen3OmniMoeCode2WavTransformerLayer.forward
            ops.rmsNorm(x, layer.attnNorm(), cfg.eps(), xn);
            ops.matmul(layer.wq(), xn, q);
            ops.matmul(layer.wk(), xn, k);
            ops.matmul(layer.wv(), xn, v);
            ops.rope(q, cfg.headDim(), cos, sin);
            ops.rope(k, cfg.headDim(), cos, sin);
            SlidingWindowAttention.attend(ops, q, k, v, cfg.heads(), cfg.headDim(), cfg.slidingWindow(), att);
            ops.matmul(layer.wo(), att, proj);
            addScaled(x, proj, layer.attnScale());
            ops.rmsNorm(x, layer.ffnNorm(), cfg.eps(), xn);
            layer.mlp().forward(ops, xn, gate, up, proj);
            addScaled(x, proj, layer.mlpScale());
            taps.record("l_out", l, x);
        }
        ops.rmsNorm(x, norm, cfg.eps(), x);
        return x;
    }

    /** {@code x += scale ⊙ y} per row (LayerScale on a residual branch). */
    private static void addScaled(FloatMatrix x, FloatMatrix y, float[] scale) {
        int n = x.cols();
        float[] xs = x.data();
        float[] ys = y.data();
        for (int r = 0; r < x.rows(); r++) {
            int base = r * n;
            for (int i = 0; i < n; i++) {
                xs[base + i] += scale[i] * ys[base + i];
            }
        }
    }

    int checkCodes(int[][] codes) {
        if (codes.length != cfg.quantizers()) {
            throw new InvalidInputException("Code2Wav takes " + cfg.quantizers() + " codes per frame, got " + codes.length + " rows");
        }
        int frames = codes[0].length;
        for (int[] row : codes) {
            if (row.length != frames) {
                throw new InvalidInputException("codec code rows differ in length (" + row.length + " vs " + frames + ")");
            }
            for (int code : row) {
                if (code < 0 || code >= cfg.codebookSize()) {
                    throw new InvalidInputException("codec code " + code + " is outside the codebook [0, " + cfg.codebookSize() + ")");
                }
            }
        }
        if (frames == 0) {
            throw new InvalidInputException("no codec frames to decode");
        }
        return frames;
    }
}
