package io.qwen4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.common.InvalidInputException;
import io.qwen4j.core.Batch;
import io.qwen4j.core.ChunkTaps;
import io.qwen4j.core.CausalLm;
import io.qwen4j.core.KvCache;
import io.qwen4j.core.MediaInputs;
import io.qwen4j.core.PromptMedia;
import io.qwen4j.formats.ConfigJson;
import io.qwen4j.tensor.FloatMatrix;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Qwen3-Omni thinker against transformers (tools/golden/make_tiny_omni.py), starting from the processor's
 * tensors in the goldens: the mixed prompt (audio, image, video, text), the same with the video's audio
 * interleaved (use_audio_in_video), and a text prompt. Compared: the position ids and rope delta, the spliced
 * input embeddings ({@code hidden_states[0]}), every layer's output before its deepstack addition, the final norm,
 * the last prompt logits; then greedy decode steps through the cache (positions = cache length + rope delta),
 * prefills in chunks that split media spans, and several prompts with different media in one batch.
 */
class Qwen3OmniThinkerGoldenTest {
    /**
     * fp32 on both sides from the same bf16 weights; the encoders agree to ~1e-6 and the decoder only sums in
     * another order, as for Qwen3-MoE (2e-5); the generator keeps every routing and greedy choice away from a tie.
     */
    static final double REL_TOL = 2e-5;

    private static Golden g;
    private static CausalLm model;

    @BeforeAll
    static void open() {
        g = Golden.open(OmniFixture.FULL);
        model = Golden.load(g.dir);
    }

    @AfterAll
    static void close() {
        model.close();
        g.close();
    }

    /** The processor's tensors of the golden prompts: HF's input_features, pixel_values, pixel_values_videos and their grids. */
    static MediaInputs media(Golden g, String prompt) {
        if (prompt.equals("text")) {
            return MediaInputs.NONE;
        }
        long[] shape = g.shape("audio.input_features");
        FloatMatrix features = new FloatMatrix(g.tensor("audio.input_features"), (int) shape[1], (int) shape[2]);
        int valid = Arrays.stream(g.ints("audio.feature_attention_mask")).sum();
        int[] image = g.ints("image.grid_thw");
        int[] video = g.ints("video.grid_thw");
        return new MediaInputs(List.of(new MediaInputs.Audio(features, valid)),
                List.of(new MediaInputs.Visual(OmniFixture.matrix(g, "image.pixel_values"), image[0], image[1], image[2], 0)),
                List.of(new MediaInputs.Visual(OmniFixture.matrix(g, "video.pixel_values"), video[0], video[1], video[2],
                        g.tensor("video.second_per_grid")[0])),
                prompt.equals("aiv"));
    }

    /** The last {@code rows} rows of {@code m}. */
    static float[] lastRows(FloatMatrix m, int rows) {
        return Arrays.copyOfRange(m.data(), (m.rows() - rows) * m.cols(), m.rows() * m.cols());
    }

    /** Prefills one golden prompt with every tap and compares positions, hidden states and logits. */
    static void assertPromptMatches(Golden g, CausalLm model, String prompt) {
        String p = "thinker." + prompt + ".";
        int[] ids = g.ints(p + "input_ids");
        PromptMedia media = model.prepare(ids, media(g, prompt));
        if (!prompt.equals("text")) {
            Qwen3OmniPositionsGoldenTest.assertPlanEquals(g, p, media.positions(), p + "rope_deltas");
        }
        Map<String, float[]> taps = new LinkedHashMap<>();
        KvCache cache = model.newCache(256);
        FloatMatrix logits = model.forward(Batch.of(cache, ids, true, media), (name, value) -> taps.put(name, Golden.rows(value)));
        int layers = countLayers(g, p);
        List<Golden.Error> errors = new ArrayList<>();
        for (int k = 0; k < layers; k++) {
            String tap = Qwen3OmniThinker.hiddenStateTap(k);
            assertTrue(taps.containsKey(tap), "no tap " + tap + " among " + taps.keySet());
            errors.add(Golden.compare("hidden_states." + k + " (" + tap + ")", taps.get(tap), g.tensor(p + "hidden_states." + k)));
        }
        errors.add(Golden.compare("hidden_states." + layers + " (result_norm)", taps.get("result_norm"), g.tensor(p + "hidden_states." + layers)));
        int logitRows = (int) g.shape(p + "logits")[1];
        errors.add(Golden.compare("logits (last " + logitRows + ")", lastRows(logits, logitRows), g.tensor(p + "logits")));
        Golden.assertAllClose(errors, REL_TOL, g.dir.getFileName() + " thinker." + prompt);
        assertEquals(ids.length, cache.length());
        assertEquals(media.ropeDelta(), cache.ropeDelta(), 0f, "the cache keeps the rope delta for decoding");
        if (!prompt.equals("text")) {
            assertTrue(taps.containsKey("blk.0.deepstack_out"), "deepstack was added after layer 0");
        }
    }

    /** hidden_states.0 .. hidden_states.{layers}: layers + 1 entries, the last after the final norm. */
    static int countLayers(Golden g, String p) {
        int k = 0;
        while (g.hasTensor(p + "hidden_states." + (k + 1))) {
            k++;
        }
        return k;
    }

    @ParameterizedTest
    @ValueSource(strings = {"mm", "aiv", "text"})
    void promptHiddenStatesAndLogitsMatch(String prompt) {
        assertPromptMatches(g, model, prompt);
    }

    /** The -Thinking / -Captioner layout: thinker weights only, enable_audio_output false; its own text golden. */
    @Test
    void theThinkerOnlyCheckpointMatchesItsGolden() {
        try (Golden t = Golden.open(OmniFixture.THINKER_ONLY); CausalLm thinker = Golden.load(t.dir)) {
            assertEquals(Qwen3OmniThinker.ARCHITECTURE, thinker.info().architecture());
            assertPromptMatches(t, thinker, "text");
        }
    }

    /**
     * Greedy generation as model.generate ran it (thinker_do_sample=False): the prompt's last logits, then each
     * generated token fed back at position cache length + rope delta.
     */
    @Test
    void decodeStepsThroughTheCacheMatch() {
        int[] sequence = g.ints("e2e.thinker_sequences");
        int[] prompt = g.ints("thinker.mm.input_ids");
        int steps = sequence.length - prompt.length;
        float[] expected = g.tensor("e2e.thinker_step_logits");
        int vocab = model.info().vocabSize();
        KvCache cache = model.newCache(256);
        PromptMedia media = model.prepare(prompt, media(g, "mm"));
        List<Golden.Error> errors = new ArrayList<>();
        FloatMatrix logits = model.forward(Batch.of(cache, prompt, false, media));
        for (int s = 0; s < steps; s++) {
            errors.add(Golden.compare("step " + s, Golden.rows(logits), Arrays.copyOfRange(expected, s * vocab, (s + 1) * vocab)));
            assertEquals(sequence[prompt.length + s], argmax(logits), "greedy token " + s);
            if (s + 1 < steps) {
                logits = model.forward(Batch.of(cache, new int[] {sequence[prompt.length + s]}, false));
            }
        }
        Golden.assertAllClose(errors, REL_TOL, "thinker greedy steps");
    }

    /** Chunks that end inside the audio, the image and the video spans carry the prompt's media and give the same logits. */
    @ParameterizedTest
    @ValueSource(strings = {"mm", "aiv"})
    void chunkedPrefillThatSplitsMediaSpansMatches(String prompt) {
        String p = "thinker." + prompt + ".";
        int[] ids = g.ints(p + "input_ids");
        PromptMedia media = model.prepare(ids, media(g, prompt));
        KvCache cache = model.newCache(256);
        int[] cuts = {20, 57, 93, 100, 101, ids.length};
        FloatMatrix last = null;
        int at = 0;
        for (int cut : cuts) {
            last = model.forward(Batch.of(cache, Arrays.copyOfRange(ids, at, cut), true, media));
            at = cut;
        }
        int logitRows = (int) g.shape(p + "logits")[1];
        Golden.assertAllClose(List.of(Golden.compare("logits", lastRows(last, logitRows), g.tensor(p + "logits"))), REL_TOL,
                "thinker." + prompt + " prefilled in chunks " + Arrays.toString(cuts));
        assertEquals(media.ropeDelta(), cache.ropeDelta(), 0f);
    }

    /** Three sequences with different media (and none) in one forward pass: each gets its own. */
    @Test
    void promptsWithDifferentMediaShareABatch() {
        String[] prompts = {"mm", "text", "aiv"};
        List<Batch.Chunk> chunks = new ArrayList<>();
        for (String prompt : prompts) {
            int[] ids = g.ints("thinker." + prompt + ".input_ids");
            chunks.add(new Batch.Chunk(model.newCache(256), ids, true, model.prepare(ids, media(g, prompt))));
        }
        FloatMatrix logits = model.forward(new Batch(chunks));
        List<Golden.Error> errors = new ArrayList<>();
        int row = 0;
        int vocab = logits.cols();
        for (int i = 0; i < prompts.length; i++) {
            int n = chunks.get(i).tokens().length;
            String p = "thinker." + prompts[i] + ".";
            int logitRows = (int) g.shape(p + "logits")[1];
            float[] mine = Arrays.copyOfRange(logits.data(), (row + n - logitRows) * vocab, (row + n) * vocab);
            errors.add(Golden.compare(prompts[i], mine, g.tensor(p + "logits")));
            row += n;
        }
        Golden.assertAllClose(errors, REL_TOL, "three prompts in one batch");
    }

    /**
     * What the talker reads of the thinker (omni.md §7.2): the input embeddings and the hidden states of its
     * accept_hidden_layer (2 in the tiny config), per sequence of a batch, and the same embeddings on demand.
     */
    @Test
    void theTalkersInputsArePerSequenceTaps() {
        int accept = OmniFixture.section(ConfigJson.read(g.dir.resolve("config.json")), "talker_config").requireInt("accept_hidden_layer");
        String[] prompts = {"text", "mm"};
        List<Batch.Chunk> chunks = new ArrayList<>();
        for (String prompt : prompts) {
            int[] ids = g.ints("thinker." + prompt + ".input_ids");
            chunks.add(new Batch.Chunk(model.newCache(256), ids, false, model.prepare(ids, media(g, prompt))));
        }
        Batch batch = new Batch(chunks);
        String hidden = Qwen3OmniThinker.hiddenStateTap(accept);
        ChunkTaps taps = new ChunkTaps(batch, Set.of("inp_embd", hidden));
        model.forward(batch, taps);
        List<Golden.Error> errors = new ArrayList<>();
        for (int i = 0; i < prompts.length; i++) {
            String p = "thinker." + prompts[i] + ".";
            errors.add(Golden.compare(prompts[i] + " inp_embd", Golden.rows(taps.get(i, "inp_embd").orElseThrow()), g.tensor(p + "hidden_states.0")));
            errors.add(Golden.compare(prompts[i] + " " + hidden, Golden.rows(taps.get(i, hidden).orElseThrow()),
                    g.tensor(p + "hidden_states." + accept)));
            FloatMatrix embeddings = ((Qwen3OmniThinker) model).inputEmbeddings(chunks.get(i).tokens(), chunks.get(i).media());
            errors.add(Golden.compare(prompts[i] + " inputEmbeddings", Golden.rows(embeddings), g.tensor(p + "hidden_states.0")));
        }
        Golden.assertAllClose(errors, REL_TOL, "the talker's inputs");
    }

    @Test
    void placeholdersThatDoNotMatchTheMediaAreRefused() {
        int[] ids = g.ints("thinker.mm.input_ids");
        int[] fewer = Arrays.copyOf(ids, ids.length);
        int audioPad = g.meta.get("token_ids").get("<|audio_pad|>").get("tiny").asInt();
        int first = Arrays.stream(fewer).boxed().toList().indexOf(audioPad);
        fewer[first] = 'x';
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> model.prepare(fewer, media(g, "mm")));
        assertTrue(e.getMessage().contains("<|audio_pad|>"), e.getMessage());
        // a chunk that is not its prompt's slice is refused too
        PromptMedia media = model.prepare(ids, media(g, "mm"));
        KvCache cache = model.newCache(256);
        assertThrows(InvalidInputException.class, () -> model.forward(Batch.of(cache, Arrays.copyOfRange(ids, 1, 10), false, media)));
        assertEquals(0, cache.length());
    }

    @Test
    void textModelsRefuseMedia() {
        try (Golden q = Golden.open("qwen3-tied"); CausalLm text = Golden.load(q.dir)) {
            assertTrue(text.mediaTokens().isEmpty());
            assertThrows(InvalidInputException.class, () -> text.prepare(new int[] {1, 2}, media(g, "mm")));
        }
        assertTrue(model.mediaTokens().isPresent());
        assertArrayEquals(new int[] {g.meta.get("token_ids").get("<|im_end|>").get("tiny").asInt()}, model.info().eosTokenIds(),
                "the thinker stops at <|im_end|> (HF generate's thinker eos)");
    }

    static int argmax(FloatMatrix logits) {
        int best = 0;
        for (int i = 1; i < logits.cols(); i++) {
            if (logits.get(logits.rows() - 1, i) > logits.get(logits.rows() - 1, best)) {
                best = i;
            }
        }
        return best;
    }
}
