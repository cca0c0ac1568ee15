package io.qwen4j.models;

import io.qwen4j.common.InvalidInputException;
import io.qwen4j.common.ModelFileException;
import io.qwen4j.core.Batch;
import io.qwen4j.core.BatchRows;
import io.qwen4j.core.GqaAttention;
import io.qwen4j.core.KvCache;
import io.qwen4j.core.Linear;
import io.qwen4j.core.MRope;
import io.qwen4j.core.MropePositions;
import io.qwen4j.core.Rope;
import io.qwen4j.core.Scratch;
import io.qwen4j.core.SparseMoe;
import io.qwen4j.core.SwiGlu;
import io.qwen4j.core.Taps;
import io.qwen4j.core.TextConfig;
import io.qwen4j.formats.ConfigJson;
import io.qwen4j.formats.GgufFile;
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
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The talker of Qwen3-Omni ({@code talker.*} of Qwen3-Omni-30B-A3B-Instruct, {@code talker_config}): a MoE decoder
 * that turns the thinker's states into codebook-0 codes of the 12.5 Hz speech codec, one per frame, with its
 * {@link Qwen3OmniCodePredictor} giving the other codebooks of each frame. Mirrors transformers'
 * {@code Qwen3OmniMoeTalkerForConditionalGeneration} and the talker half of
 * {@code Qwen3OmniMoeForConditionalGeneration.generate}; spec: omni.md §7.
 * <ul>
 *   <li>Decoder: Qwen3-MoE layers (q/k RMSNorm, TM-RoPE as the thinker's, routed SwiGLU experts) whose MLP adds a
 *       shared SwiGLU expert scaled by {@code sigmoid(x·shared_expert_gateᵀ)}; input rows are embeddings
 *       ({@code model.codec_embedding} for codec ids), {@code codec_head} gives the logits.
 *   <li>{@code text_projection} and {@code hidden_projection} ({@code linear_fc2(silu(linear_fc1(x)))}) bring thinker
 *       rows (input embeddings, and the hidden states of {@code accept_hidden_layer} at media placeholders) to the
 *       talker's width.
 *   <li>The prompt ({@link Speech#prompt}): the user turns' rows, then nine assistant rows mixing text and codec
 *       specials (the voice's speaker id among them); after it, one text row per frame ("trailing text"), then
 *       {@code tts_eos}, then {@code tts_pad}.
 * </ul>
 * Only the {@code talker.*} weights are read. Which code to take from the logits is the caller's choice (the
 * engine samples): a {@link Speech} gives logits and takes codes.
 */
public final class Qwen3OmniTalker implements AutoCloseable {
    /** The name this part reports. */
    public static final String ARCHITECTURE = "qwen3_omni_moe_talker";

    /** The codec's special ids ({@code talker_config}, omni.md §1.2). */
    public record Codec(int pad, int bos, int eos, int nothink, int thinkBos, int thinkEos) {}

    /** Token ids of the thinker's vocabulary the talker's prompt is built from (top-level config, omni.md §1). */
    public record Tokens(int imStart, int user, int assistant, int ttsPad, int ttsBos, int ttsEos, int audio, int image, int video) {
        boolean isMedia(int id) {
            return id == audio || id == image || id == video;
        }
    }

    /**
     * Hyperparameters ({@code talker_config}).
     *
     * @param text              the MoE decoder ({@code text_config}: vocab = codec ids, experts, ...)
     * @param sharedWidth       {@code shared_expert_intermediate_size}
     * @param mropeSection      TM-RoPE frequency slots per (t, h, w) axis
     * @param thinkerHidden     {@code thinker_hidden_size}: the projections' input width
     * @param acceptHiddenLayer the thinker's {@code hidden_states[k]} read at media placeholders
     * @param codeGroups        {@code num_code_groups}: codebooks per frame
     * @param codec             special codec ids
     * @param speakers          voice name (lower case) → codec id
     * @param tokens            thinker token ids
     */
    public record Config(Qwen3Moe.Config text, int sharedWidth, int[] mropeSection, int thinkerHidden, int acceptHiddenLayer,
                         int codeGroups, Codec codec, Map<String, Integer> speakers, Tokens tokens) {
        public Config {
            speakers = java.util.Collections.unmodifiableMap(new TreeMap<>(speakers));
        }

        /** Codebook-0 codes are {@code [0, codebookSize)}; the ids above are specials (generate suppresses all but EOS). */
        public int vocabSize() {
            return text.text().vocabSize();
        }
    }

    /** {@code Qwen3OmniMoeTalkerResizeMLP}: {@code fc2(silu(fc1(x)))}, both with biases. */
    record Projection(Weight fc1, float[] bias1, Weight fc2, float[] bias2) {
        static Projection load(WeightSource w, String prefix, int in, int width, int out) {
            return new Projection(w.require(prefix + "linear_fc1.weight", width, in), w.require(prefix + "linear_fc1.bias", width).toFloatArray(),
                    w.require(prefix + "linear_fc2.weight", out, width), w.require(prefix + "linear_fc2.bias", out).toFloatArray());
        }
    }

    /** One decoder layer; the MLP's shared expert and its gate exist in sparse layers. */
    record Layer(GqaAttention.Weights attn, float[] ffnNorm, Qwen3Moe.Ffn ffn, SwiGlu shared, Weight sharedGate) {}

    private final Config cfg;
    private final WeightSource source;
    private final ThreadPool pool;
    private final Ops ops;
    private final Weight codecEmbedding; // (vocab, H)
    private final Weight codecHead;      // (vocab, H)
    private final float[] norm;
    private final Layer[] layers;
    private final Projection textProjection;
    private final Projection hiddenProjection;
    private final Qwen3OmniCodePredictor codePredictor;
    private final SparseMoe moe;
    private final GqaAttention attention;
    private final MRope mrope;
    private final int contextLength;
    private final Scratch scratch = new Scratch();

    private Qwen3OmniTalker(Config cfg, WeightSource source, ThreadPool pool, Ops ops, Weight codecEmbedding, Weight codecHead, float[] norm,
                            Layer[] layers, Projection text, Projection hidden, Qwen3OmniCodePredictor codePredictor, int contextLength) {
        this.cfg = cfg;
        this.source = source;
        this.pool = pool;
        this.ops = ops;
        this.codecEmbedding = codecEmbedding;
        this.codecHead = codecHead;
        this.norm = norm;
        this.layers = layers;
        this.textProjection = text;
        this.hiddenProjection = hidden;
        this.codePredictor = codePredictor;
        TextConfig t = cfg.text().text();
        this.moe = new SparseMoe(t.hidden(), cfg.text().experts(), cfg.text().expertsPerToken(), cfg.text().normTopKProb());
        this.attention = new GqaAttention(t);
        this.mrope = new MRope(t.headDim(), t.ropeTheta(), cfg.mropeSection());
        this.contextLength = contextLength;
    }

    /** Whether a checkpoint folder has a talker: a Qwen3-Omni config with {@code talker_config} and audio output on. */
    public static boolean present(Path checkpoint) {
        Path config = checkpoint.resolve("config.json");
        if (!Files.isDirectory(checkpoint) || !Files.isRegularFile(config)) {
            return false;
        }
        ConfigJson c = ConfigJson.read(config);
        return c.section("talker_config").isPresent() && c.boolOr(true, "enable_audio_output");
    }

    /**
     * Loads the talker and code predictor of a Qwen3-Omni checkpoint folder (only {@code talker.*} is mapped).
     *
     * @throws ModelFileException when the checkpoint has none (the -Thinking and -Captioner checkpoints, a GGUF)
     */
    public static Qwen3OmniTalker load(Path checkpoint, LoadOptions options) {
        if (Files.isRegularFile(checkpoint) && GgufFile.isGguf(checkpoint)) {
            throw new ModelFileException(checkpoint.getFileName() + " is a GGUF file, which holds no talker (llama.cpp's format has"
                    + " none); speech needs the Qwen3-Omni Instruct safetensors checkpoint");
        }
        if (!present(checkpoint)) {
            throw new ModelFileException(checkpoint + " has no talker (speech output needs a Qwen3-Omni Instruct checkpoint with"
                    + " talker_config and enable_audio_output; -Thinking and -Captioner have none)");
        }
        ConfigJson config = ConfigJson.read(checkpoint.resolve("config.json"));
        WeightSource all = SafeTensorsSource.open(checkpoint);
        try {
            if (all.names().stream().noneMatch(n -> n.startsWith("talker."))) {
                throw new ModelFileException(checkpoint + " has a talker_config but no talker.* weights");
            }
            return load(config, all, options);
        } catch (RuntimeException e) {
            all.close();
            throw e;
        }
    }

    /**
     * Loads the talker from a whole Qwen3-Omni config and weights already open (names with their {@code talker.}
     * prefix; e.g. random weights in memory for a benchmark). The talker owns {@code all} from then on.
     */
    public static Qwen3OmniTalker load(ConfigJson config, WeightSource all, LoadOptions options) {
        return build(config, Architectures.quantized(WeightSource.under(all, "talker."), options), options);
    }

    /** Reads {@code talker_config} of a whole Qwen3-Omni config (omni.md §1.2). */
    static Config readConfig(ConfigJson config) {
        ConfigJson talker = config.section("talker_config")
                .orElseThrow(() -> new ModelFileException(config.where() + " has no talker_config"));
        ConfigJson text = talker.section("text_config").orElseThrow(() -> new ModelFileException(talker.where() + " has no text_config"));
        Qwen3Moe.Config moe = Qwen3Moe.Config.from(text, ConfigJson.empty("talker generation"));
        int[] section = text.section("rope_parameters").or(() -> text.section("rope_scaling"))
                .map(r -> r.intList("mrope_section")).filter(s -> s.length > 0).orElse(new int[] {24, 20, 20});
        if (section.length != 3 || section[0] + section[1] + section[2] != moe.text().headDim() / 2) {
            throw new ModelFileException(text.where() + ": mrope_section " + Arrays.toString(section) + " must be three sizes adding up to"
                    + " head_dim/2 = " + moe.text().headDim() / 2);
        }
        Codec codec = new Codec(talker.requireInt("codec_pad_id"), talker.requireInt("codec_bos_id"), talker.requireInt("codec_eos_token_id"),
                talker.requireInt("codec_nothink_id"), talker.requireInt("codec_think_bos_id"), talker.requireInt("codec_think_eos_id"));
        Map<String, Integer> speakers = new TreeMap<>();
        talker.section("speaker_id").ifPresent(s -> s.keys().forEach(k -> speakers.put(k.toLowerCase(Locale.ROOT), s.requireInt(k))));
        if (speakers.isEmpty()) {
            throw new ModelFileException(talker.where() + " has no speaker_id voices");
        }
        ConfigJson thinker = Qwen3OmniThinker.thinkerConfig(config);
        Tokens tokens = new Tokens(config.requireInt("im_start_token_id"), config.requireInt("user_token_id"),
                config.requireInt("assistant_token_id"), config.requireInt("tts_pad_token_id"), config.requireInt("tts_bos_token_id"),
                config.requireInt("tts_eos_token_id"), thinker.requireInt("audio_token_id"), thinker.requireInt("image_token_id"),
                thinker.requireInt("video_token_id"));
        int thinkerHidden = talker.optionalInt("thinker_hidden_size")
                .orElseGet(() -> Qwen3OmniThinker.readConfig(config, ConfigJson.empty("generation")).text().text().hidden());
        return new Config(moe, text.requireInt("shared_expert_intermediate_size"), section, thinkerHidden,
                talker.requireInt("accept_hidden_layer"), talker.requireInt("num_code_groups"), codec, speakers, tokens);
    }

    /** Declares every {@code talker.*} tensor (names without the prefix in {@code w}) with its shape. */
    private static Qwen3OmniTalker build(ConfigJson config, WeightSource w, LoadOptions options) {
        Config c = readConfig(config);
        TextConfig t = c.text().text();
        int h = t.hidden();
        Layer[] layers = new Layer[t.layers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "model.layers." + i + ".";
            boolean sparse = c.text().isSparse(i);
            layers[i] = new Layer(GqaAttention.Weights.load(w, p, t), w.require(p + "post_attention_layernorm.weight", h).toFloatArray(),
                    sparse ? new Qwen3Moe.Sparse(SparseMoe.Weights.load(w, p + "mlp.", h, c.text().experts(), c.text().expertWidth()))
                            : new Qwen3Moe.Dense(SwiGlu.load(w, p + "mlp.", h, c.text().intermediate())),
                    sparse ? SwiGlu.load(w, p + "mlp.shared_expert.", h, c.sharedWidth()) : null,
                    sparse ? w.require(p + "mlp.shared_expert_gate.weight", 1, h) : null);
        }
        int width = c.text().intermediate(); // the projections' hidden width (text_config.intermediate_size)
        ThreadPool pool = ThreadPool.create(options.threads());
        try {
            Ops ops = Ops.vector(pool);
            ConfigJson cpConfig = config.section("talker_config").flatMap(s -> s.section("code_predictor_config"))
                    .orElseThrow(() -> new ModelFileException("talker_config has no code_predictor_config"));
            Qwen3OmniCodePredictor cp = Qwen3OmniCodePredictor.load(cpConfig, WeightSource.under(w, "code_predictor."), ops, h);
            if (cp.config().codeGroups() != c.codeGroups()) {
                throw new ModelFileException("code_predictor_config.num_code_groups " + cp.config().codeGroups() + " differs from talker_config's "
                        + c.codeGroups());
            }
            int context = options.contextLength() > 0 ? options.contextLength() : t.contextLength();
            return new Qwen3OmniTalker(c, w, pool, ops, w.require("model.codec_embedding.weight", t.vocabSize(), h),
                    w.require("codec_head.weight", t.vocabSize(), h), w.require("model.norm.weight", h).toFloatArray(), layers,
                    Projection.load(w, "text_projection.", c.thinkerHidden(), width, h),
                    Projection.load(w, "hidden_projection.", c.thinkerHidden(), width, h), cp, context);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    public Config config() {
        return cfg;
    }

    public Qwen3OmniCodePredictor codePredictor() {
        return codePredictor;
    }

    /** Bytes of the talker's and code predictor's matmul weights. */
    public long weightBytes() {
        List<Weight> all = new ArrayList<>(List.of(codecEmbedding, codecHead));
        for (Layer l : layers) {
            all.addAll(l.attn().matrices());
            all.addAll(switch (l.ffn()) {
                case Qwen3Moe.Sparse s -> s.moe().matrices();
                case Qwen3Moe.Dense d -> d.mlp().matrices();
            });
            if (l.shared() != null) {
                all.addAll(l.shared().matrices());
            }
        }
        all.addAll(List.of(textProjection.fc1(), textProjection.fc2(), hiddenProjection.fc1(), hiddenProjection.fc2()));
        all.addAll(codePredictor.matrices());
        return all.stream().mapToLong(Weight::byteSize).sum();
    }

    /** The voices ({@code speaker_id}), lower case, sorted. */
    public List<String> voices() {
        return List.copyOf(cfg.speakers().keySet());
    }

    /** The reference's default voice: Ethan when the checkpoint has it, else its first. */
    public String defaultVoice() {
        return cfg.speakers().containsKey("ethan") ? "ethan" : voices().getFirst();
    }

    /**
     * The codec id of a voice, by name in any case (as {@code generate(speaker=...)}).
     *
     * @throws InvalidInputException for a voice the checkpoint does not have, listing those it has
     */
    public int speakerId(String voice) {
        Integer id = cfg.speakers().get(voice.toLowerCase(Locale.ROOT));
        if (id == null) {
            throw new InvalidInputException("unknown voice '" + voice + "'; this model speaks with " + String.join(", ", voices().stream()
                    .map(v -> v.substring(0, 1).toUpperCase(Locale.ROOT) + v.substring(1)).toList()));
        }
        return id;
    }

    /** {@code text_projection} of thinker rows ({@code [n, thinker_hidden]} → {@code [n, H]}). */
    public FloatMatrix textProjection(FloatMatrix thinkerRows) {
        return project(textProjection, thinkerRows);
    }

    /** {@code hidden_projection} of thinker hidden states ({@code [n, thinker_hidden]} → {@code [n, H]}). */
    public FloatMatrix hiddenProjection(FloatMatrix thinkerRows) {
        return project(hiddenProjection, thinkerRows);
    }

    /** Mirrors {@code Qwen3OmniMoeTalkerResizeMLP.forward}. */
    private FloatMatrix project(Projection p, FloatMatrix x) {
        if (x.cols() != cfg.thinkerHidden()) {
            throw new IllegalArgumentException("thinker rows of " + x.cols() + " values, not " + cfg.thinkerHidden());
        }
        FloatMatrix mid = new FloatMatrix(x.rows(), p.fc1().rows());
        Linear.forward(ops, p.fc1(), p.bias1(), x, mid);
        float[] m = mid.data();
        for (int i = 0; i < x.rows() * mid.cols(); i++) {
            float v = m[i];
            m[i] = (float) (v / (1.0 + Math.exp(-v)));
        }
        FloatMatrix out = new FloatMatrix(x.rows(), p.fc2().rows());
        Linear.forward(ops, p.fc2(), p.bias2(), mid, out);
        return out;
    }

    /** Row {@code id} of the codec embedding ({@code model.codec_embedding}: codebook 0 and the codec specials). */
    public float[] codecEmbeddingRow(int id) {
        float[] row = new float[codecEmbedding.cols()];
        addCodecEmbedding(id, row, 0);
        return row;
    }

    /** Row {@code id} of the codec embedding, added to {@code out}. */
    private void addCodecEmbedding(int id, float[] out, int off) {
        if (id < 0 || id >= cfg.vocabSize()) {
            throw new IllegalArgumentException("codec id " + id + " outside [0, " + cfg.vocabSize() + ")");
        }
        float[] row = new float[codecEmbedding.cols()];
        codecEmbedding.dequantizeRow(id, row, 0);
        ops.axpy(1f, row, 0, out, off, row.length);
    }

    /**
     * Index of the assistant turn the answer continues: the last {@code <|im_start|>} followed by {@code assistant}
     * ({@code assistant_start_index} in {@code generate}).
     */
    public int assistantStart(int[] promptIds) {
        for (int p = promptIds.length - 2; p >= 0; p--) {
            if (promptIds[p] == cfg.tokens().imStart() && promptIds[p + 1] == cfg.tokens().assistant()) {
                return p;
            }
        }
        throw new InvalidInputException("the prompt has no assistant turn (<|im_start|>assistant) for the talker to speak");
    }

    /**
     * The positions of the user turns' tokens ({@code user_mask} in {@code generate}): those whose latest
     * {@code <|im_start|>} at or before them is followed by {@code user}.
     */
    int[] userPositions(int[] ids) {
        List<Integer> kept = new ArrayList<>();
        int previous = -1;
        for (int p = 0; p < ids.length; p++) {
            if (ids[p] == cfg.tokens().imStart()) {
                previous = p;
            }
            int role = Math.min(Math.max(previous, 0) + 1, ids.length - 1);
            if (ids[role] == cfg.tokens().user()) {
                kept.add(p);
            }
        }
        return kept.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The talker's prompt: input rows, the ids its positions are planned from, and those (t, h, w) positions. */
    public record Prompt(FloatMatrix embeddings, int[] ids, MropePositions.Plan positions) {
        public int length() {
            return ids.length;
        }
    }

    /** A new utterance in the voice {@code speakerId} ({@link #speakerId}); {@code ttsRows} are the thinker's input
     *  embeddings of {@code tts_bos}, {@code tts_eos}, {@code tts_pad} (in that order). */
    public Speech speech(int speakerId, FloatMatrix ttsRows) {
        return new Speech(speakerId, ttsRows);
    }

    /** The thinker token ids whose embeddings {@link #speech} needs: tts_bos, tts_eos, tts_pad. */
    public int[] ttsTokens() {
        return new int[] {cfg.tokens().ttsBos(), cfg.tokens().ttsEos(), cfg.tokens().ttsPad()};
    }

    /**
     * One spoken answer: the talker's cache and the rows it reads. Use: {@link #prompt}, {@link #prefill} → logits of
     * codebook 0 of frame 0; then per frame: choose {@code c0} (stop at {@link Codec#eos}), {@link #frame} for the
     * frame's codes, {@link #next} with the next text row (a trailing text row, {@link #ttsEos}, then {@link #ttsPad})
     * → the next logits. Not thread-safe.
     */
    public final class Speech {
        private final int speaker;
        private final float[] ttsBos;
        private final float[] ttsEos;
        private final float[] ttsPad;
        private final KvCache cache;
        private float[] lastHidden;

        private Speech(int speaker, FloatMatrix ttsRows) {
            this.speaker = speaker;
            FloatMatrix projected = textProjection(ttsRows);
            this.ttsBos = projected.row(0);
            this.ttsEos = projected.row(1);
            this.ttsPad = projected.row(2);
            TextConfig t = cfg.text().text();
            this.cache = new KvCache(t.layers(), t.kvHeads(), t.headDim(), contextLength);
        }

        /** {@code tts_eos}'s row (after the last text row). */
        public float[] ttsEos() {
            return ttsEos.clone();
        }

        /** {@code tts_pad}'s row (once the text is spoken). */
        public float[] ttsPad() {
            return ttsPad.clone();
        }

        /**
         * The prompt (omni.md §7.2; {@code _get_talker_user_parts}, {@code _get_talker_assistant_parts}): the user
         * turns' rows, {@code hidden_projection(hidden[p])} at media placeholders else {@code text_projection(embeds[p])},
         * then nine assistant rows: text {@code [P0, P1, P2, pad, pad, pad, pad, bos, P3]} plus codec
         * {@code [0, 0, 0, nothink, think_bos, think_eos, speaker, pad, bos]}, where {@code P0..P3} are
         * {@code text_projection} of the first four rows of the assistant turn ({@code assistantRows}: the thinker's
         * input embeddings of {@code <|im_start|>}, {@code assistant}, {@code \n} and the first answer token). Positions:
         * the user part keeps its 3-D layout from the thinker's ({@code thinkerPositions}; null for a text prompt, whose
         * positions are plain), shifted to start where the previous kept segment ended, then the assistant rows.
         *
         * @param promptIds the thinker's prompt
         * @param embeds    the thinker's input embeddings of the prompt ({@code inp_embd}, {@code [L, thinker_hidden]})
         * @param hidden    the thinker's {@code hidden_states[accept_hidden_layer]} of the prompt ({@code [L, thinker_hidden]};
         *                  read at media placeholders only, may be null for a prompt without media)
         */
        public Prompt prompt(int[] promptIds, FloatMatrix embeds, FloatMatrix hidden, MropePositions.Plan thinkerPositions,
                             FloatMatrix assistantRows) {
            if (assistantRows.rows() != 4) {
                throw new IllegalArgumentException("the assistant part needs 4 thinker rows, got " + assistantRows.rows());
            }
            int h = cfg.text().text().hidden();
            int[] user = userPositions(promptIds);
            int n = user.length + 9;
            FloatMatrix x = new FloatMatrix(n, h);
            int[] ids = new int[n];
            // user part: media rows through hidden_projection, the rest through text_projection
            int media = 0;
            for (int p : user) {
                media += cfg.tokens().isMedia(promptIds[p]) ? 1 : 0;
            }
            FloatMatrix mediaIn = new FloatMatrix(media, cfg.thinkerHidden());
            FloatMatrix textIn = new FloatMatrix(user.length - media, cfg.thinkerHidden());
            for (int i = 0, m = 0, t = 0; i < user.length; i++) {
                int p = user[i];
                ids[i] = promptIds[p];
                if (cfg.tokens().isMedia(promptIds[p])) {
                    if (hidden == null) {
                        throw new IllegalArgumentException("the prompt has media but no hidden states were given");
                    }
                    System.arraycopy(hidden.data(), hidden.offset(p), mediaIn.data(), mediaIn.offset(m++), cfg.thinkerHidden());
                } else {
                    System.arraycopy(embeds.data(), embeds.offset(p), textIn.data(), textIn.offset(t++), cfg.thinkerHidden());
                }
            }
            FloatMatrix mediaOut = media > 0 ? hiddenProjection(mediaIn) : null;
            FloatMatrix textOut = user.length > media ? textProjection(textIn) : null;
            for (int i = 0, m = 0, t = 0; i < user.length; i++) {
                FloatMatrix src = cfg.tokens().isMedia(promptIds[user[i]]) ? mediaOut : textOut;
                int row = cfg.tokens().isMedia(promptIds[user[i]]) ? m++ : t++;
                System.arraycopy(src.data(), src.offset(row), x.data(), x.offset(i), h);
            }
            // assistant part
            FloatMatrix assistant = textProjection(assistantRows);
            Codec k = cfg.codec();
            int[] codec = {-1, -1, -1, k.nothink(), k.thinkBos(), k.thinkEos(), speaker, k.pad(), k.bos()};
            for (int j = 0; j < 9; j++) {
                int row = user.length + j;
                float[] text = switch (j) {
                    case 0, 1, 2 -> assistant.row(j);
                    case 3, 4, 5, 6 -> ttsPad;
                    case 7 -> ttsBos;
                    default -> assistant.row(3);
                };
                System.arraycopy(text, 0, x.data(), x.offset(row), h);
                if (codec[j] >= 0) {
                    addCodecEmbedding(codec[j], x.data(), x.offset(row));
                }
                ids[row] = cfg.tokens().ttsPad();
            }
            return new Prompt(x, ids, positions(user, thinkerPositions, n));
        }

        /**
         * The talker's (t, h, w) positions: {@code get_rope_index} of the talker's ids, which is that of the thinker
         * translated segment by segment (every block is laid out relative to its start, and the next start is one past
         * the largest position so far), then plain positions for the assistant rows.
         */
        private MropePositions.Plan positions(int[] user, MropePositions.Plan thinker, int n) {
            float[] t = new float[n];
            float[] hh = new float[n];
            float[] w = new float[n];
            float next = 0f;  // where the next segment starts
            float max = -1f;
            float shift = 0f;
            for (int i = 0; i < user.length; i++) {
                int p = user[i];
                float pt = thinker == null ? p : thinker.t()[p];
                float ph = thinker == null ? p : thinker.h()[p];
                float pw = thinker == null ? p : thinker.w()[p];
                if (i == 0 || p != user[i - 1] + 1) {
                    shift = next - Math.min(pt, Math.min(ph, pw));
                }
                t[i] = pt + shift;
                hh[i] = ph + shift;
                w[i] = pw + shift;
                max = Math.max(max, Math.max(t[i], Math.max(hh[i], w[i])));
                next = max + 1f;
            }
            for (int i = user.length; i < n; i++) {
                t[i] = next;
                hh[i] = next;
                w[i] = next;
                next += 1f;
            }
            return new MropePositions.Plan(t, hh, w, next - n);
        }

        /** Runs the prompt; returns the logits of codebook 0 of the first frame ({@code [vocab]}). */
        public float[] prefill(Prompt prompt) {
            if (cache.length() != 0) {
                throw new IllegalStateException("this speech is already prefilled");
            }
            float[] logits = forward(cache, prompt.embeddings(), prompt.positions().t(), prompt.positions().h(), prompt.positions().w());
            cache.ropeDelta(prompt.positions().ropeDelta());
            return logits;
        }

        /**
         * The codes of the frame whose codebook 0 is {@code code0}: {@code [code0, c1, ..., c_{G−1}]}, the code predictor
         * run on the talker's last final-norm output, {@code chooser} picking each code.
         */
        public int[] frame(int code0, Qwen3OmniCodePredictor.Chooser chooser) {
            if (lastHidden == null) {
                throw new IllegalStateException("prefill first");
            }
            float[] e0 = new float[lastHidden.length];
            addCodecEmbedding(code0, e0, 0);
            return codePredictor.predict(lastHidden, e0, code0, chooser);
        }

        /**
         * Feeds a frame back (the sum of its codebooks' embeddings plus {@code textRow}) and returns the next frame's
         * codebook-0 logits. Mirrors the talker's {@code prepare_inputs_for_generation} and forward.
         */
        public float[] next(int[] codes, float[] textRow) {
            int h = cfg.text().text().hidden();
            if (codes.length != cfg.codeGroups() || textRow.length != h) {
                throw new IllegalArgumentException("a frame of " + cfg.codeGroups() + " codes and a text row of " + h + " values");
            }
            FloatMatrix x = new FloatMatrix(1, h);
            addCodecEmbedding(codes[0], x.data(), 0);
            for (int g = 1; g < codes.length; g++) {
                codePredictor.addEmbedding(g, codes[g], x.data(), 0);
            }
            ops.axpy(1f, textRow, 0, x.data(), 0, h);
            float p = cache.length() + cache.ropeDelta();
            return forward(cache, x, new float[] {p}, new float[] {p}, new float[] {p});
        }

        /** Positions in the talker's cache. */
        public int length() {
            return cache.length();
        }

        private float[] forward(KvCache c, FloatMatrix x, float[] t, float[] hh, float[] w) {
            Step s = Qwen3OmniTalker.this.forward(c, x, t, hh, w);
            lastHidden = s.hidden();
            return s.logits();
        }
    }

    private record Step(float[] logits, float[] hidden) {}

    // Scratch slots
    private static final int X = 0, XN = 1, OUT = 2, GATE = 3, UP = 4, ROUTER = 5, SHARED = 6, SGATE = 7, COS = 8, SIN = 9;

    /**
     * Runs rows {@code x} at positions {@code (t, h, w)} through the decoder into {@code cache}; the last row's
     * codec logits and final-norm output. Mirrors {@code Qwen3OmniMoeTalkerModel.forward} (layers as
     * {@code Qwen3OmniMoeTalkerDecoderLayer}, MLP {@code Qwen3OmniMoeTalkerTextSparseMoeBlock}) and {@code codec_head}.
     */
    private synchronized Step forward(KvCache cache, FloatMatrix input, float[] t, float[] hh, float[] w) {
        int n = input.rows();
        TextConfig tc = cfg.text().text();
        int h = tc.hidden();
        FloatMatrix x = scratch.get(X, n, h);
        System.arraycopy(input.data(), 0, x.data(), 0, n * h);
        BatchRows rows = new BatchRows(Batch.of(cache, new int[n], false));
        rows.reserve();
        FloatMatrix cos = scratch.get(COS, n, mrope.half());
        FloatMatrix sin = scratch.get(SIN, n, mrope.half());
        mrope.table(t, hh, w, cos, sin);
        Rope.Table angles = new Rope.Table(cos, sin);
        FloatMatrix xn = scratch.get(XN, n, h);
        FloatMatrix out = scratch.get(OUT, n, h);
        for (int l = 0; l < layers.length; l++) {
            Layer layer = layers[l];
            attention.forward(ops, layer.attn(), rows, l, x, angles, Taps.NONE);
            ops.rmsNorm(x, layer.ffnNorm(), tc.rmsEps(), xn);
            switch (layer.ffn()) {
                case Qwen3Moe.Sparse s -> {
                    moe.forward(ops, s.moe(), xn, scratch.get(ROUTER, n, cfg.text().experts()), out);
                    FloatMatrix shared = scratch.get(SHARED, n, h);
                    layer.shared().forward(ops, xn, scratch.get(GATE, n, cfg.sharedWidth()), scratch.get(UP, n, cfg.sharedWidth()), shared);
                    FloatMatrix gate = scratch.get(SGATE, n, 1);
                    ops.matmul(layer.sharedGate(), xn, gate);
                    for (int r = 0; r < n; r++) {
                        float g = (float) (1.0 / (1.0 + Math.exp(-gate.get(r, 0))));
                        ops.axpy(g, shared.data(), shared.offset(r), out.data(), out.offset(r), h);
                    }
                }
                case Qwen3Moe.Dense d -> {
                    int width = cfg.text().intermediate();
                    d.mlp().forward(ops, xn, scratch.get(GATE, n, width), scratch.get(UP, n, width), out);
                }
            }
            ops.add(x, out);
        }
        rows.advance();
        FloatMatrix last = new FloatMatrix(1, h);
        System.arraycopy(x.data(), x.offset(n - 1), last.data(), 0, h);
        ops.rmsNorm(last, norm, tc.rmsEps(), last);
        FloatMatrix logits = new FloatMatrix(1, cfg.vocabSize());
        ops.matmul(codecHead, last, logits);
        return new Step(logits.data(), last.data());
    }

    @Override
    public void close() {
        pool.close();
        source.close();
    }
}
