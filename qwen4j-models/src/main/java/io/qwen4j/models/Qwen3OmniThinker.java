package io.qwen4j.models;

import io.qwen4j.common.InvalidInputException;
import io.qwen4j.common.ModelFileException;
import io.qwen4j.core.Batch;
import io.qwen4j.core.BatchRows;
import io.qwen4j.core.CausalLm;
import io.qwen4j.core.KvCache;
import io.qwen4j.core.MRope;
import io.qwen4j.core.MediaInputs;
import io.qwen4j.core.ModelInfo;
import io.qwen4j.core.MropePositions;
import io.qwen4j.core.PromptMedia;
import io.qwen4j.core.Rope;
import io.qwen4j.core.Scratch;
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
import java.util.Optional;

/**
 * The thinker of Qwen3-Omni ({@code model_type: qwen3_omni_moe}, {@code Qwen3OmniMoeForConditionalGeneration}'s
 * {@code thinker}: Qwen3-Omni-30B-A3B-Instruct, -Thinking, -Captioner), which reads text, images, audio and video
 * and writes text. Mirrors transformers' {@code Qwen3OmniMoeThinkerForConditionalGeneration.forward}; spec:
 * omni.md §2 and §6. It is a {@link Qwen3Moe} decoder (the text model, loaded from {@code text_config}) with:
 * <ol>
 *   <li>the media placeholders' embeddings replaced by the encoders' output ({@link Qwen3OmniAudioEncoder} for
 *       {@code <|audio_pad|>}, {@link Qwen3OmniVisionEncoder} for {@code <|image_pad|>} and {@code <|video_pad|>});
 *   <li>TM-RoPE: three position components per token ({@link MropePositions}, {@link MRope}); after the prompt a
 *       token at cache index {@code n} sits at {@code n + rope_delta} on every axis ({@link KvCache#ropeDelta()});
 *   <li>deepstack: after decoder layer {@code l < levels} the vision encoder's feature {@code l} is added to the
 *       hidden states of the image and video placeholders (never in decode steps).
 * </ol>
 * Only the {@code thinker.*} weights are read: of a whole checkpoint the talker and code2wav are never touched
 * ({@link #thinkerWeights}). A prompt's media go in through {@link #prepare}: the fully expanded prompt (as
 * {@code Qwen3OmniMoeProcessor} makes it) and the processor's tensors ({@link MediaInputs}).
 *
 * <p>Taps, with HF's {@code hidden_states[k]} in brackets: {@code inp_embd} [0] (token embeddings with the media
 * spliced in, before any deepstack: the talker's "input embeddings"), {@code blk.N.*} as {@link Qwen3Moe} with
 * {@code blk.N.l_out} [N+1] the layer's output before its deepstack addition (what the talker's
 * {@code accept_hidden_layer} reads: {@link #hiddenStateTap}), {@code blk.N.deepstack_out} after it (layers with
 * deepstack only), {@code result_norm} [last].
 */
public final class Qwen3OmniThinker implements CausalLm {
    /** The name this architecture reports. */
    public static final String ARCHITECTURE = "qwen3_omni_moe";

    /**
     * Hyperparameters ({@code thinker_config}, omni.md §1.1).
     *
     * @param text         the MoE text decoder ({@code text_config}; tied embeddings and eos from the thinker and
     *                     top-level configs)
     * @param mropeSection {@code rope_parameters.mrope_section}: frequency slots per (t, h, w) axis
     * @param tokens       placeholder and start ids of the media blocks
     * @param audio        {@code audio_config} (absent: text only)
     * @param vision       {@code vision_config} (absent: text only)
     */
    public record Config(Qwen3Moe.Config text, int[] mropeSection, MropePositions.TokenIds tokens, Optional<ConfigJson> audio,
                         Optional<ConfigJson> vision) {}

    private final Config cfg;
    private final Qwen3Moe textModel;
    private final TextDecoder decoder;
    private final Ops ops;
    private final MRope mrope;
    private final MropePositions planner;
    private final Optional<Qwen3OmniAudioEncoder> audio;
    private final Optional<Qwen3OmniVisionEncoder> vision;
    private final int deepstackLevels;
    private final ModelInfo info;
    private final Scratch scratch = new Scratch();

    private Qwen3OmniThinker(Config cfg, Qwen3Moe textModel, MropePositions planner, Optional<Qwen3OmniAudioEncoder> audio,
                             Optional<Qwen3OmniVisionEncoder> vision) {
        this.cfg = cfg;
        this.textModel = textModel;
        this.decoder = textModel.decoder();
        this.ops = decoder.ops();
        TextConfig t = cfg.text().text();
        this.mrope = new MRope(t.headDim(), t.ropeTheta(), cfg.mropeSection());
        this.planner = planner;
        this.audio = audio;
        this.vision = vision;
        this.deepstackLevels = vision.map(v -> v.config().deepstackIndexes().length).orElse(0);
        List<Weight> matrices = new ArrayList<>(textModel.layerMatrices());
        audio.ifPresent(a -> matrices.addAll(a.matrices()));
        vision.ifPresent(v -> matrices.addAll(v.matrices()));
        this.info = decoder.info(ARCHITECTURE, matrices, textModel.layerVectors());
    }

    /**
     * Of a checkpoint's weights, the thinker's: the {@code thinker.*} tensors without the prefix (a whole
     * Qwen3-Omni or a thinker-only -Thinking/-Captioner checkpoint), or all of them when nothing is prefixed (a
     * thinker saved on its own, or a GGUF pair).
     */
    static WeightSource thinkerWeights(WeightSource all) {
        return all.names().stream().anyMatch(n -> n.startsWith("thinker.")) ? WeightSource.under(all, "thinker.") : all;
    }

    /** The thinker's section of a config: {@code thinker_config} of a {@code qwen3_omni_moe} config, or a thinker's own. */
    static ConfigJson thinkerConfig(ConfigJson config) {
        return config.section("thinker_config").orElseGet(() -> {
            if (config.has("text_config")) {
                return config; // qwen3_omni_moe_thinker: the thinker saved on its own
            }
            throw new ModelFileException(config.where() + " has no thinker_config; it is not a Qwen3-Omni config");
        });
    }

    /** Reads the config (omni.md §1.1, the HF 4.x and 5.x spellings). */
    static Config readConfig(ConfigJson config, ConfigJson generation) {
        ConfigJson thinker = thinkerConfig(config);
        ConfigJson textJson = thinker.section("text_config")
                .orElseThrow(() -> new ModelFileException(thinker.where() + " has no text_config"));
        Qwen3Moe.Config moe = Qwen3Moe.Config.from(textJson, generation);
        TextConfig t = moe.text();
        int[] eos = t.eosTokenIds().length > 0 ? t.eosTokenIds() : config.intList("im_end_token_id"); // HF generate's thinker eos
        // the thinker config holds tie_word_embeddings (false for Qwen3-Omni); text_config does not
        boolean tied = thinker.boolOr(textJson.boolOr(false, "tie_word_embeddings"), "tie_word_embeddings");
        t = new TextConfig(t.vocabSize(), t.hidden(), t.layers(), t.heads(), t.kvHeads(), t.headDim(), t.rmsEps(), t.ropeTheta(), tied,
                t.contextLength(), eos);
        moe = new Qwen3Moe.Config(t, moe.intermediate(), moe.experts(), moe.expertsPerToken(), moe.expertWidth(), moe.normTopKProb(),
                moe.sparseStep(), moe.mlpOnlyLayers());
        int[] section = textJson.section("rope_parameters").or(() -> textJson.section("rope_scaling"))
                .map(r -> r.intList("mrope_section")).filter(s -> s.length > 0).orElse(new int[] {24, 20, 20});
        if (section.length == 4 && section[3] == 0) {
            section = new int[] {section[0], section[1], section[2]}; // llama.cpp pads the sections to 4
        }
        if (section.length != 3 || section[0] + section[1] + section[2] != t.headDim() / 2) {
            throw new ModelFileException(textJson.where() + ": mrope_section " + java.util.Arrays.toString(section)
                    + " must be three sizes adding up to head_dim/2 = " + t.headDim() / 2);
        }
        MropePositions.TokenIds tokens = new MropePositions.TokenIds(thinker.requireInt("image_token_id"),
                thinker.requireInt("video_token_id"), thinker.requireInt("audio_token_id"), thinker.requireInt("vision_start_token_id"),
                thinker.requireInt("audio_start_token_id"));
        return new Config(moe, section, tokens, thinker.section("audio_config"), thinker.section("vision_config"));
    }

    /**
     * Reads the config, declares every tensor of the text model and the encoders with its expected shape.
     * {@code w} holds the thinker's tensors under thinker-relative names ({@link #thinkerWeights}).
     */
    static Qwen3OmniThinker load(ConfigJson config, ConfigJson generation, WeightSource w, LoadOptions options) {
        Config c = readConfig(config, generation);
        ConfigJson thinker = thinkerConfig(config);
        MropePositions planner = MropePositions.fromThinkerConfig(thinker);
        Qwen3Moe text = Qwen3Moe.build(c.text(), w, options, ARCHITECTURE);
        try {
            int h = c.text().text().hidden();
            // an audio or vision config without its weights is a text-only file (a GGUF without its mmproj)
            Optional<Qwen3OmniAudioEncoder> audio = c.audio().filter(a -> w.contains("audio_tower.proj2.weight"))
                    .map(a -> Qwen3OmniAudioEncoder.load(w, a, "audio_tower.", text.decoder().ops()));
            Optional<Qwen3OmniVisionEncoder> vision = c.vision().filter(v -> w.contains("visual.merger.mlp.2.weight"))
                    .map(v -> Qwen3OmniVisionEncoder.load(w, v, "visual.", text.decoder().ops()));
            audio.filter(a -> a.config().outputDim() != h).ifPresent(a -> {
                throw new ModelFileException("audio_config.output_dim " + a.config().outputDim() + " differs from the text hidden size " + h);
            });
            vision.filter(v -> v.config().outHidden() != h).ifPresent(v -> {
                throw new ModelFileException("vision_config.out_hidden_size " + v.config().outHidden() + " differs from the text hidden size " + h);
            });
            vision.filter(v -> v.config().deepstackIndexes().length > c.text().text().layers()).ifPresent(v -> {
                throw new ModelFileException("more deepstack levels than thinker layers");
            });
            return new Qwen3OmniThinker(c, text, planner, audio, vision);
        } catch (RuntimeException e) {
            text.close();
            throw e;
        }
    }

    public Config config() {
        return cfg;
    }

    /** The audio encoder, when the checkpoint has one. */
    public Optional<Qwen3OmniAudioEncoder> audioEncoder() {
        return audio;
    }

    /** The vision encoder, when the checkpoint has one. */
    public Optional<Qwen3OmniVisionEncoder> visionEncoder() {
        return vision;
    }

    /** The position planner of this thinker's token ids and media settings. */
    public MropePositions planner() {
        return planner;
    }

    /**
     * The tap holding HF's {@code hidden_states[k]}: {@code inp_embd} for 0, else layer {@code k−1}'s output before
     * its deepstack addition; the talker reads {@code hiddenStateTap(accept_hidden_layer)} at media placeholders.
     */
    public static String hiddenStateTap(int k) {
        return k == 0 ? "inp_embd" : "blk." + (k - 1) + ".l_out";
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    @Override
    public KvCache newCache(int maxTokens) {
        return decoder.newCache(maxTokens);
    }

    /** The media token ids, when the checkpoint has an encoder (a GGUF without its mmproj reads text only). */
    @Override
    public Optional<MropePositions.TokenIds> mediaTokens() {
        return audio.isPresent() || vision.isPresent() ? Optional.of(cfg.tokens()) : Optional.empty();
    }

    /**
     * Positions now (mirrors {@code get_rope_index}, which also checks that the placeholders are as many as the
     * media make), the encoders on first use by a prefill chunk. Items are numbered audios, then images, then
     * videos, each in prompt order.
     */
    @Override
    public PromptMedia prepare(int[] prompt, MediaInputs media) {
        if (media.isEmpty()) {
            return PromptMedia.NONE;
        }
        if (!media.audios().isEmpty() && audio.isEmpty()) {
            throw new InvalidInputException("this model has no audio encoder (for a GGUF, load its mmproj file too)");
        }
        if ((!media.images().isEmpty() || !media.videos().isEmpty()) && vision.isEmpty()) {
            throw new InvalidInputException("this model has no vision encoder (for a GGUF, load its mmproj file too)");
        }
        float[] seconds = new float[media.videos().size()];
        for (int i = 0; i < seconds.length; i++) {
            seconds[i] = (float) media.videos().get(i).secondsPerGrid();
        }
        MropePositions.Plan plan = planner.plan(prompt, new MropePositions.Media(
                media.images().stream().map(MediaInputs.Visual::grid).toList(), media.videos().stream().map(MediaInputs.Visual::grid).toList(),
                seconds, media.audios().stream().mapToInt(MediaInputs.Audio::validFrames).toArray(), media.audioInVideo()));
        // placeholders in prompt order, each with its media item: the k-th pad of a kind belongs to the item whose
        // rows (in the encoder's output order) include row k
        MropePositions.TokenIds ids = cfg.tokens();
        int[] audioEnds = ends(media.audios().stream().mapToInt(a -> audio.get().outputLength(a.validFrames())).toArray());
        int[] imageEnds = ends(media.images().stream().mapToInt(v -> vision.get().tokens(v.grid())).toArray());
        int[] videoEnds = ends(media.videos().stream().mapToInt(v -> vision.get().tokens(v.grid())).toArray());
        int count = 0;
        for (int id : prompt) {
            count += id == ids.audio() || id == ids.image() || id == ids.video() ? 1 : 0;
        }
        int[] placeholders = new int[count];
        boolean[] visual = new boolean[count];
        int[] itemOf = new int[count];
        int a = 0;
        int im = 0;
        int vi = 0;
        int k = 0;
        for (int p = 0; p < prompt.length; p++) {
            int id = prompt[p];
            if (id == ids.audio()) {
                itemOf[k] = item(audioEnds, a++);
            } else if (id == ids.image()) {
                itemOf[k] = audioEnds.length + item(imageEnds, im++);
                visual[k] = true;
            } else if (id == ids.video()) {
                itemOf[k] = audioEnds.length + imageEnds.length + item(videoEnds, vi++);
                visual[k] = true;
            } else {
                continue;
            }
            placeholders[k++] = p;
        }
        List<String> fingerprints = new ArrayList<>();
        media.audios().forEach(x -> fingerprints.add(x.fingerprint()));
        media.images().forEach(x -> fingerprints.add(x.fingerprint()));
        media.videos().forEach(x -> fingerprints.add(x.fingerprint()));
        return new PromptMedia(prompt, plan, placeholders, visual, itemOf, fingerprints.toArray(String[]::new),
                () -> encode(prompt, media, placeholders, visual));
    }

    /** Cumulative sums: item i owns rows [ends[i−1], ends[i]). */
    private static int[] ends(int[] sizes) {
        int[] ends = new int[sizes.length];
        int sum = 0;
        for (int i = 0; i < sizes.length; i++) {
            sum += sizes[i];
            ends[i] = sum;
        }
        return ends;
    }

    private static int item(int[] ends, int row) {
        for (int i = 0; i < ends.length; i++) {
            if (row < ends[i]) {
                return i;
            }
        }
        throw new IllegalStateException("placeholder row " + row + " beyond the media's " + (ends.length == 0 ? 0 : ends[ends.length - 1]));
    }

    /**
     * Runs the encoders as {@code Qwen3OmniMoeThinkerForConditionalGeneration.forward} does (every audio clip in one
     * call of the audio tower, every image in one call of the ViT, every video in another) and lays their rows out
     * by placeholder: {@code masked_scatter} of audio, image and video features, and the deepstack features of
     * images and videos joined in prompt order ({@code visual_pos_masks}).
     */
    private PromptMedia.Encoded encode(int[] prompt, MediaInputs media, int[] placeholders, boolean[] visual) {
        int h = cfg.text().text().hidden();
        MropePositions.TokenIds ids = cfg.tokens();
        FloatMatrix audioRows = media.audios().isEmpty() ? new FloatMatrix(0, h)
                : audio.orElseThrow().encode(media.audios().stream().map(MediaInputs.Audio::mel).toList());
        Qwen3OmniVisionEncoder.Output images = media.images().isEmpty() ? null : encodeVisual(media.images());
        Qwen3OmniVisionEncoder.Output videos = media.videos().isEmpty() ? null : encodeVisual(media.videos());
        FloatMatrix embeddings = new FloatMatrix(placeholders.length, h);
        int visualCount = 0;
        for (boolean v : visual) {
            visualCount += v ? 1 : 0;
        }
        List<FloatMatrix> deepstack = new ArrayList<>();
        for (int l = 0; l < deepstackLevels; l++) {
            deepstack.add(new FloatMatrix(visualCount, h));
        }
        int a = 0;
        int im = 0;
        int vi = 0;
        int vis = 0;
        for (int k = 0; k < placeholders.length; k++) {
            int id = prompt[placeholders[k]];
            if (id == ids.audio()) {
                copyRow(audioRows, a++, embeddings, k);
                continue;
            }
            Qwen3OmniVisionEncoder.Output out = id == ids.image() ? images : videos;
            int row = id == ids.image() ? im++ : vi++;
            copyRow(out.merged(), row, embeddings, k);
            for (int l = 0; l < deepstackLevels; l++) {
                copyRow(out.deepstack().get(l), row, deepstack.get(l), vis);
            }
            vis++;
        }
        checkUsed("audio", a, audioRows.rows());
        checkUsed("image", im, images == null ? 0 : images.merged().rows());
        checkUsed("video", vi, videos == null ? 0 : videos.merged().rows());
        return new PromptMedia.Encoded(embeddings, deepstack);
    }

    private Qwen3OmniVisionEncoder.Output encodeVisual(List<MediaInputs.Visual> items) {
        int dim = items.getFirst().pixelValues().cols();
        int rows = items.stream().mapToInt(v -> v.pixelValues().rows()).sum();
        FloatMatrix all = new FloatMatrix(rows, dim);
        int row = 0;
        for (MediaInputs.Visual v : items) {
            if (v.pixelValues().cols() != dim) {
                throw new InvalidInputException("pixel values of " + v.pixelValues().cols() + " and " + dim + " values per patch");
            }
            System.arraycopy(v.pixelValues().data(), v.pixelValues().offset(0), all.data(), all.offset(row), v.pixelValues().rows() * dim);
            row += v.pixelValues().rows();
        }
        return vision.orElseThrow().encode(all, items.stream().map(MediaInputs.Visual::grid).toList());
    }

    private static void checkUsed(String kind, int used, int rows) {
        if (used != rows) {
            throw new InvalidInputException("the prompt has " + used + " " + kind + " placeholders but its " + kind + "s make " + rows);
        }
    }

    private static void copyRow(FloatMatrix src, int srcRow, FloatMatrix dst, int dstRow) {
        System.arraycopy(src.data(), src.offset(srcRow), dst.data(), dst.offset(dstRow), dst.cols());
    }

    /**
     * The decoder's input embeddings of {@code tokens}, a prompt and what was generated after it: token
     * embeddings, with the media's at the prompt's placeholders (the tap {@code inp_embd}; the talker's
     * {@code text_projection} input). Runs the encoders if {@code media} has released their output.
     */
    public FloatMatrix inputEmbeddings(int[] tokens, PromptMedia media) {
        FloatMatrix x = new FloatMatrix(tokens.length, cfg.text().text().hidden());
        decoder.embed(tokens, x);
        if (!media.isEmpty()) {
            PromptMedia.Encoded enc = media.encoded();
            for (int p = 0; p < Math.min(tokens.length, media.length()); p++) {
                int k = media.placeholder(p);
                if (k >= 0) {
                    copyRow(enc.embeddings(), k, x, p);
                }
            }
        }
        return x;
    }

    // Scratch slots
    private static final int COS = 0, SIN = 1;

    /** Mirrors {@code Qwen3OmniMoeThinkerForConditionalGeneration.forward} and {@code Qwen3OmniMoeThinkerTextModel.forward}. */
    @Override
    public synchronized FloatMatrix forward(Batch batch, Taps taps) {
        BatchRows rows = new BatchRows(batch);
        int n = rows.size();
        rows.reserve();
        FloatMatrix x = decoder.embed(rows, Taps.NONE);
        // the encoders' rows over the placeholders' token embeddings (masked_scatter)
        for (int r = 0; r < n; r++) {
            PromptMedia m = rows.media(r);
            int k = m.isEmpty() ? -1 : m.placeholder(rows.position(r));
            if (k >= 0) {
                copyRow(m.encoded().embeddings(), k, x, r);
            }
        }
        taps.record("inp_embd", x);
        // TM-RoPE tables of the rows' (t, h, w) positions (Qwen3OmniMoeThinkerTextRotaryEmbedding)
        MropePositions.Plan p = rows.ropePositions();
        FloatMatrix cos = scratch.get(COS, n, mrope.half());
        FloatMatrix sin = scratch.get(SIN, n, mrope.half());
        mrope.table(p.t(), p.h(), p.w(), cos, sin);
        textModel.layers(rows, x, new Rope.Table(cos, sin), (layer, hidden) -> deepstack(rows, layer, hidden, taps), taps);
        rows.advance();
        // a prompt wholly in the cache needs its media's encodings no more
        for (Batch.Chunk c : batch.chunks()) {
            if (!c.media().isEmpty() && c.cache().length() >= c.media().length()) {
                c.media().release();
            }
        }
        return decoder.logits(x, rows, taps);
    }

    /** Mirrors {@code Qwen3OmniMoeThinkerTextModel._deepstack_process}: feature {@code layer} added at the visual placeholders. */
    private void deepstack(BatchRows rows, int layer, FloatMatrix x, Taps taps) {
        if (layer >= deepstackLevels || !rows.hasMedia()) {
            return;
        }
        for (int r = 0; r < rows.size(); r++) {
            PromptMedia m = rows.media(r);
            int k = m.isEmpty() ? -1 : m.placeholder(rows.position(r));
            int v = k < 0 ? -1 : m.visualRow(k);
            if (v >= 0) {
                FloatMatrix feature = m.encoded().deepstack().get(layer);
                ops.axpy(1f, feature.data(), feature.offset(v), x.data(), x.offset(r), x.cols());
            }
        }
        taps.record("deepstack_out", layer, x);
    }

    @Override
    public long decodeBytesPerToken() {
        return textModel.decodeBytesPerToken();
    }

    @Override
    public void close() {
        textModel.close();
    }
}
