package io.qwen4j.models;

import io.qwen4j.common.InvalidInputException;
import io.qwen4j.common.ModelFileException;
import io.qwen4j.core.Conv2d;
import io.qwen4j.core.Linear;
import io.qwen4j.core.MropePositions;
import io.qwen4j.core.SegmentAttention;
import io.qwen4j.core.Taps;
import io.qwen4j.formats.ConfigJson;
import io.qwen4j.formats.WeightSource;
import io.qwen4j.tensor.FloatMatrix;
import io.qwen4j.tensor.Ops;
import io.qwen4j.tensor.Weight;
import java.util.ArrayList;
import java.util.List;

/**
 * The Qwen3-Omni audio encoder ("AuT", {@code thinker.audio_tower}, {@code model_type:
 * qwen3_omni_moe_audio_encoder}): log-mel features of one clip in, one embedding of the thinker's width per
 * audio token out. Mirrors transformers' {@code Qwen3OmniMoeAudioEncoder.forward}; spec: omni.md §3.2.
 *
 * <p>The clip is cut into chunks of {@code 2·n_window} (100) frames, each zero-padded to the longest chunk,
 * and every chunk goes through three stride-2 3×3 convolutions (mel 128→16, time 100→13) and a linear
 * projection; a sinusoidal position restarting at 0 in every chunk is added and only the frames a chunk really
 * covers are kept. The encoder layers then attend within windows of {@code 13·n_window_infer/100} tokens
 * (block-diagonal, bidirectional), and {@code ln_post → proj1 → GELU → proj2} maps to the thinker's width.
 *
 * <p>Taps: {@code conv_out} (every padded chunk's frames after the conv stem and projection, before the
 * sinusoid: {@code [chunks·13, d_model]}), {@code inp_embd} (the valid frames with their positions),
 * {@code blk.N.attn_out}, {@code blk.N.ffn_out}, {@code blk.N.l_out}, {@code result_norm} (after ln_post).
 */
public final class Qwen3OmniAudioEncoder {
    /** transformers' nn.LayerNorm default; the audio config has no eps field. */
    private static final float LN_EPS = 1e-5f;

    /** Hyperparameters ({@code audio_config}, omni.md §1.1). */
    public record Config(
            int melBins,          // num_mel_bins (128)
            int dModel,           // d_model (1280)
            int layers,           // encoder_layers
            int heads,            // encoder_attention_heads (head size d_model/heads)
            int ffnDim,           // encoder_ffn_dim
            int convChannels,     // downsample_hidden_size (480)
            int outputDim,        // output_dim: the thinker's hidden size
            int nWindow,          // n_window: chunks of 2·n_window frames
            int nWindowInfer,     // n_window_infer: attention windows of n_window_infer frames
            boolean tanhGelu) {   // activation_function "gelu_pytorch_tanh" instead of exact "gelu"

        public static Config from(ConfigJson c) {
            String act = c.string("activation_function").orElse("gelu");
            if (!act.equals("gelu") && !act.equals("gelu_pytorch_tanh")) {
                throw new ModelFileException(c.where() + ": activation_function '" + act + "' is not supported (gelu, gelu_pytorch_tanh)");
            }
            if (c.boolOr(false, "scale_embedding")) {
                throw new ModelFileException(c.where() + ": scale_embedding true is not supported (Qwen3-Omni has false)");
            }
            Config cfg = new Config(c.intOr(128, "num_mel_bins"), c.requireInt("d_model"), c.requireInt("encoder_layers"),
                    c.requireInt("encoder_attention_heads"), c.requireInt("encoder_ffn_dim"), c.intOr(480, "downsample_hidden_size"),
                    c.requireInt("output_dim"), c.intOr(50, "n_window"), c.intOr(800, "n_window_infer"), act.equals("gelu_pytorch_tanh"));
            if (cfg.dModel % cfg.heads != 0 || cfg.dModel % 2 != 0) {
                throw new ModelFileException(c.where() + ": d_model " + cfg.dModel + " is not divisible by " + cfg.heads + " heads (or odd)");
            }
            if (cfg.nWindowInfer < 2 * cfg.nWindow) {
                throw new ModelFileException(c.where() + ": n_window_infer " + cfg.nWindowInfer + " is shorter than a chunk of 2·n_window = "
                        + 2 * cfg.nWindow + " frames");
            }
            return cfg;
        }

        /** Mel bins left after the three stride-2 convolutions (128 → 16). */
        int convBins() {
            return halve(halve(halve(melBins)));
        }
    }

    /** One encoder layer; Linear weights {@code [out, in]} with biases. */
    record Layer(
            float[] attnNormW, float[] attnNormB,  // (d)   self_attn_layer_norm
            Weight wq, float[] bq,                 // (d, d)
            Weight wk, float[] bk,                 // (d, d)
            Weight wv, float[] bv,                 // (d, d)
            Weight wo, float[] bo,                 // (d, d) out_proj
            float[] ffnNormW, float[] ffnNormB,    // (d)   final_layer_norm
            Weight fc1, float[] b1,                // (ffn, d)
            Weight fc2, float[] b2) {}             // (d, ffn)

    private final Config cfg;
    private final Ops ops;
    private final Conv2d conv1;      // (C, 1, 3, 3) stride 2 pad 1
    private final Conv2d conv2;      // (C, C, 3, 3)
    private final Conv2d conv3;      // (C, C, 3, 3)
    private final Weight convOut;    // (d, C·convBins), no bias; input feature c·convBins + f
    private final Layer[] layers;
    private final float[] lnPostW;   // (d)
    private final float[] lnPostB;   // (d)
    private final Weight proj1;      // (d, d)
    private final float[] proj1B;
    private final Weight proj2;      // (output, d)
    private final float[] proj2B;

    private Qwen3OmniAudioEncoder(Config cfg, Ops ops, Conv2d conv1, Conv2d conv2, Conv2d conv3, Weight convOut, Layer[] layers,
                                  float[] lnPostW, float[] lnPostB, Weight proj1, float[] proj1B, Weight proj2, float[] proj2B) {
        this.cfg = cfg;
        this.ops = ops;
        this.conv1 = conv1;
        this.conv2 = conv2;
        this.conv3 = conv3;
        this.convOut = convOut;
        this.layers = layers;
        this.lnPostW = lnPostW;
        this.lnPostB = lnPostB;
        this.proj1 = proj1;
        this.proj1B = proj1B;
        this.proj2 = proj2;
        this.proj2B = proj2B;
    }

    /**
     * Declares every tensor under {@code prefix} (e.g. {@code "thinker.audio_tower."}) with its expected shape.
     * The encoder runs on {@code ops}; the caller owns both.
     */
    public static Qwen3OmniAudioEncoder load(WeightSource w, ConfigJson audioConfig, String prefix, Ops ops) {
        Config c = Config.from(audioConfig);
        int d = c.dModel();
        int ch = c.convChannels();
        Conv2d conv1 = new Conv2d(w.require(prefix + "conv2d1.weight", ch, 1, 3, 3), w.require(prefix + "conv2d1.bias", ch).toFloatArray(), 1, 3, 2, 1);
        Conv2d conv2 = new Conv2d(w.require(prefix + "conv2d2.weight", ch, ch, 3, 3), w.require(prefix + "conv2d2.bias", ch).toFloatArray(), ch, 3, 2, 1);
        Conv2d conv3 = new Conv2d(w.require(prefix + "conv2d3.weight", ch, ch, 3, 3), w.require(prefix + "conv2d3.bias", ch).toFloatArray(), ch, 3, 2, 1);
        Weight convOut = w.require(prefix + "conv_out.weight", d, (long) ch * c.convBins());
        Layer[] layers = new Layer[c.layers()];
        for (int i = 0; i < layers.length; i++) {
            String p = prefix + "layers." + i + ".";
            layers[i] = new Layer(
                    vector(w, p + "self_attn_layer_norm.weight", d), vector(w, p + "self_attn_layer_norm.bias", d),
                    w.require(p + "self_attn.q_proj.weight", d, d), vector(w, p + "self_attn.q_proj.bias", d),
                    w.require(p + "self_attn.k_proj.weight", d, d), vector(w, p + "self_attn.k_proj.bias", d),
                    w.require(p + "self_attn.v_proj.weight", d, d), vector(w, p + "self_attn.v_proj.bias", d),
                    w.require(p + "self_attn.out_proj.weight", d, d), vector(w, p + "self_attn.out_proj.bias", d),
                    vector(w, p + "final_layer_norm.weight", d), vector(w, p + "final_layer_norm.bias", d),
                    w.require(p + "fc1.weight", c.ffnDim(), d), vector(w, p + "fc1.bias", c.ffnDim()),
                    w.require(p + "fc2.weight", d, c.ffnDim()), vector(w, p + "fc2.bias", d));
        }
        return new Qwen3OmniAudioEncoder(c, ops, conv1, conv2, conv3, convOut, layers,
                vector(w, prefix + "ln_post.weight", d), vector(w, prefix + "ln_post.bias", d),
                w.require(prefix + "proj1.weight", d, d), vector(w, prefix + "proj1.bias", d),
                w.require(prefix + "proj2.weight", c.outputDim(), d), vector(w, prefix + "proj2.bias", c.outputDim()));
    }

    private static float[] vector(WeightSource w, String name, int n) {
        return w.require(name, n).toFloatArray();
    }

    public Config config() {
        return cfg;
    }

    /** The matmul weights (conv_out, every layer's projections, proj1, proj2), for parameter counts. */
    public List<Weight> matrices() {
        List<Weight> all = new ArrayList<>(List.of(convOut, proj1, proj2));
        for (Layer l : layers) {
            all.addAll(List.of(l.wq(), l.wk(), l.wv(), l.wo(), l.fc1(), l.fc2()));
        }
        return all;
    }

    /** Audio tokens (rows of {@link #encode}) for a clip of {@code frames} mel frames. */
    public int outputLength(int frames) {
        return MropePositions.audioTokens(frames, cfg.nWindow());
    }

    /** {@code mel} is {@code [num_mel_bins][frames]} (one clip, unpadded); returns {@code [tokens, output_dim]}. */
    public FloatMatrix encode(float[][] mel) {
        return encode(mel, Taps.NONE);
    }

    /** As {@link #encode(float[][])}, reporting taps. Mirrors {@code Qwen3OmniMoeAudioEncoder.forward} for one clip. */
    public FloatMatrix encode(float[][] mel, Taps taps) {
        return encodeClip(mel, Math.min(2 * cfg.nWindow(), checkMel(mel)), taps);
    }

    /**
     * Every clip of a prompt in one call, as transformers' {@code get_audio_features} does: the rows of all clips
     * in order. Not the same as one call per clip when a clip is shorter than a chunk and another is not: every
     * chunk of the call is zero-padded to the longest chunk of all clips, which changes a short clip's last frames.
     */
    public FloatMatrix encode(List<float[][]> clips) {
        int longest = 0;
        for (float[][] mel : clips) {
            longest = Math.max(longest, Math.min(2 * cfg.nWindow(), checkMel(mel)));
        }
        List<FloatMatrix> outputs = new ArrayList<>();
        int rows = 0;
        for (float[][] mel : clips) {
            FloatMatrix out = encodeClip(mel, longest, Taps.NONE);
            outputs.add(out);
            rows += out.rows();
        }
        FloatMatrix all = new FloatMatrix(rows, cfg.outputDim());
        int row = 0;
        for (FloatMatrix out : outputs) {
            System.arraycopy(out.data(), 0, all.data(), all.offset(row), out.rows() * out.cols());
            row += out.rows();
        }
        return all;
    }

    /** One clip whose chunks are zero-padded to {@code padded} frames (the longest chunk of the call). */
    private FloatMatrix encodeClip(float[][] mel, int padded, Taps taps) {
        int frames = mel[0].length;
        int d = cfg.dModel();
        int chunk = 2 * cfg.nWindow();
        int chunks = (frames + chunk - 1) / chunk;
        int perChunk = halve(halve(halve(padded))); // 13 for a full chunk
        int tokens = outputLength(frames);

        // Conv stem per chunk, channels-last images [mel·time, C] (mirrors chunk_and_pad_features + the conv loop).
        FloatMatrix stem = new FloatMatrix(chunks * perChunk, d);
        FloatMatrix x = new FloatMatrix(tokens, d);
        float[] position = new float[d];
        int kept = 0;
        for (int c = 0; c < chunks; c++) {
            int start = c * chunk;
            int len = Math.min(chunk, frames - start);
            FloatMatrix image = new FloatMatrix(cfg.melBins() * padded, 1);
            for (int f = 0; f < cfg.melBins(); f++) {
                System.arraycopy(mel[f], start, image.data(), f * padded, len);
            }
            int h = cfg.melBins();
            int w = padded;
            FloatMatrix y = conv1.forward(ops, image, h, w);
            ops.gelu(y, y);
            h = conv1.outSize(h);
            w = conv1.outSize(w);
            y = conv2.forward(ops, y, h, w);
            ops.gelu(y, y);
            h = conv2.outSize(h);
            w = conv2.outSize(w);
            y = conv3.forward(ops, y, h, w);
            ops.gelu(y, y);
            h = conv3.outSize(h);
            w = conv3.outSize(w);
            // (freq, time, C) → per time step the features c·freq + f, then conv_out
            int channels = conv3.outChannels();
            FloatMatrix flat = new FloatMatrix(w, channels * h);
            for (int f = 0; f < h; f++) {
                for (int t = 0; t < w; t++) {
                    for (int ch = 0; ch < channels; ch++) {
                        flat.set(t, ch * h + f, y.get(f * w + t, ch));
                    }
                }
            }
            FloatMatrix rows = new FloatMatrix(w, d);
            ops.matmul(convOut, flat, rows);
            System.arraycopy(rows.data(), 0, stem.data(), stem.offset(c * perChunk), w * d);
            // sinusoidal positions restart in every chunk; keep the frames the chunk really covers
            int valid = halve(halve(halve(len)));
            for (int t = 0; t < valid; t++) {
                sinusoid(t, position);
                for (int i = 0; i < d; i++) {
                    x.set(kept, i, rows.get(t, i) + position[i]);
                }
                kept++;
            }
        }
        taps.record("conv_out", stem);
        if (kept != tokens) {
            throw new IllegalStateException(kept + " audio frames kept, " + tokens + " expected");
        }
        taps.record("inp_embd", x);

        int[] windows = windows(tokens, perChunk);
        int headDim = d / cfg.heads();
        FloatMatrix xn = new FloatMatrix(tokens, d);
        FloatMatrix q = new FloatMatrix(tokens, d);
        FloatMatrix k = new FloatMatrix(tokens, d);
        FloatMatrix v = new FloatMatrix(tokens, d);
        FloatMatrix att = new FloatMatrix(tokens, d);
        FloatMatrix proj = new FloatMatrix(tokens, d);
        FloatMatrix ffn = new FloatMatrix(tokens, cfg.ffnDim());
        for (int l = 0; l < layers.length; l++) {
            Layer layer = layers[l];
            // mirrors Qwen3OmniMoeAudioEncoderLayer.forward
            ops.layerNorm(x, layer.attnNormW(), layer.attnNormB(), LN_EPS, xn);
            Linear.forward(ops, layer.wq(), layer.bq(), xn, q);
            Linear.forward(ops, layer.wk(), layer.bk(), xn, k);
            Linear.forward(ops, layer.wv(), layer.bv(), xn, v);
            SegmentAttention.attend(ops, q, k, v, cfg.heads(), headDim, windows, att);
            Linear.forward(ops, layer.wo(), layer.bo(), att, proj);
            taps.record("attn_out", l, proj);
            ops.add(x, proj);
            ops.layerNorm(x, layer.ffnNormW(), layer.ffnNormB(), LN_EPS, xn);
            Linear.forward(ops, layer.fc1(), layer.b1(), xn, ffn);
            activation(ffn);
            Linear.forward(ops, layer.fc2(), layer.b2(), ffn, proj);
            taps.record("ffn_out", l, proj);
            ops.add(x, proj);
            taps.record("l_out", l, x);
        }
        ops.layerNorm(x, lnPostW, lnPostB, LN_EPS, xn);
        taps.record("result_norm", xn);
        Linear.forward(ops, proj1, proj1B, xn, proj);
        activation(proj);
        FloatMatrix out = new FloatMatrix(tokens, cfg.outputDim());
        Linear.forward(ops, proj2, proj2B, proj, out);
        return out;
    }

    private int checkMel(float[][] mel) {
        if (mel.length != cfg.melBins()) {
            throw new InvalidInputException("audio features have " + mel.length + " mel bins; this encoder takes " + cfg.melBins());
        }
        int frames = mel[0].length;
        for (float[] row : mel) {
            if (row.length != frames) {
                throw new InvalidInputException("audio feature rows differ in length (" + row.length + " vs " + frames + ")");
            }
        }
        if (frames == 0) {
            throw new InvalidInputException("an audio clip of 0 frames cannot be encoded");
        }
        return frames;
    }

    private void activation(FloatMatrix x) {
        if (cfg.tanhGelu()) {
            ops.geluTanh(x, x);
        } else {
            ops.gelu(x, x);
        }
    }

    /**
     * Attention windows over the token sequence: {@code maxPerChunk·(n_window_infer / 2·n_window)} tokens each
     * (104 = 8 s for the real model), then the remainder (mirrors {@code get_audio_cu_seqlens} for one clip).
     */
    private int[] windows(int tokens, int maxPerChunk) {
        int window = maxPerChunk * (cfg.nWindowInfer() / (2 * cfg.nWindow()));
        int full = tokens / window;
        int rest = tokens % window;
        int[] bounds = new int[full + (rest > 0 ? 1 : 0) + 1];
        for (int i = 1; i <= full; i++) {
            bounds[i] = i * window;
        }
        if (rest > 0) {
            bounds[bounds.length - 1] = tokens;
        }
        return bounds;
    }

    /**
     * Row {@code t} of the fixed sinusoid table: {@code [sin(t·inv), cos(t·inv)]} with
     * {@code inv[i] = exp(−i·ln(10000)/(d/2 − 1))}, in float32 as torch computes it (mirrors
     * {@code SinusoidsPositionEmbedding.compute_default_singular_positional_embedding}).
     */
    private void sinusoid(int t, float[] out) {
        int half = cfg.dModel() / 2;
        float increment = (float) -(Math.log(10000) / (half - 1));
        for (int i = 0; i < half; i++) {
            float inv = (float) Math.exp(increment * i);
            float angle = t * inv;
            out[i] = (float) Math.sin(angle);
            out[half + i] = (float) Math.cos(angle);
        }
    }

    /** Output length of a 3-wide, stride-2, padding-1 convolution. */
    private static int halve(int n) {
        return (n - 1) / 2 + 1;
    }
}
