package io.qwen4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.common.InvalidInputException;
import io.qwen4j.common.ModelFileException;
import io.qwen4j.core.Batch;
import io.qwen4j.core.ChunkTaps;
import io.qwen4j.core.KvCache;
import io.qwen4j.core.PromptMedia;
import io.qwen4j.tensor.FloatMatrix;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Qwen3-Omni talker and code predictor against transformers (tools/golden/make_tiny_omni.py): one code-predictor
 * generation (groups 1..3 of a frame, greedy), and the end-to-end greedy run of {@code model.generate} on the mixed
 * prompt: the thinker's tokens, the talker's prompt (rows, ids, 3-D positions, rope delta), its trailing text rows,
 * every talker step's logits, the code predictor's logits of every frame and the frames' codes.
 */
class Qwen3OmniTalkerGoldenTest {
    /** fp32 on both sides from the same bf16 weights; sums in another order only. */
    static final double REL_TOL = 1e-4;

    private static Golden g;
    private static Qwen3OmniThinker thinker;
    private static Qwen3OmniTalker talker;

    @BeforeAll
    static void open() {
        g = Golden.open(OmniFixture.FULL);
        thinker = (Qwen3OmniThinker) Golden.load(g.dir);
        talker = Qwen3OmniTalker.load(g.dir, LoadOptions.defaults().withThreads(2));
    }

    @AfterAll
    static void close() {
        talker.close();
        thinker.close();
        g.close();
    }

    static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) {
            if (x[i] > x[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Greedy over what generate lets the talker say: codebook-0 codes and the codec EOS (the other specials are suppressed). */
    static int greedyCode0(float[] logits, Qwen3OmniTalker t) {
        int codebook = t.codePredictor().vocabSize();
        int best = 0;
        for (int i = 1; i < codebook; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        int eos = t.config().codec().eos();
        return logits[eos] > logits[best] ? eos : best;
    }

    static float[] rowsOf(float[] all, int from, int to, int cols) {
        return Arrays.copyOfRange(all, from * cols, to * cols);
    }

    @Test
    void codePredictorStepsMatch() {
        float[] hidden = g.tensor("code_predictor.talker_hidden");
        int code0 = g.ints("code_predictor.code0")[0];
        // step 0 reads [h, Emb_0(code0)], Emb_0 the talker's codec embedding
        List<float[]> logits = new ArrayList<>();
        int[] codes = talker.codePredictor().predict(hidden, talker.codecEmbeddingRow(code0), code0, (l, group) -> {
            logits.add(l.clone());
            return argmax(l);
        });
        int vocab = talker.codePredictor().vocabSize();
        float[] expected = g.tensor("code_predictor.step_logits");
        List<Golden.Error> errors = new ArrayList<>();
        float[] step0 = g.tensor("code_predictor.logits_step0");
        errors.add(Golden.compare("logits_step0 (last row)", logits.get(0), rowsOf(step0, 1, 2, vocab)));
        for (int s = 0; s < logits.size(); s++) {
            errors.add(Golden.compare("step " + s, logits.get(s), rowsOf(expected, s, s + 1, vocab)));
        }
        Golden.assertAllClose(errors, REL_TOL, "code predictor");
        int[] golden = g.ints("code_predictor.codes");
        assertArrayEquals(golden, Arrays.copyOfRange(codes, 1, codes.length), "greedy codes of groups 1..3");
        assertEquals(code0, codes[0]);
    }

    @Test
    void endToEndGreedyRunMatches() {
        int[] prompt = g.ints("thinker.mm.input_ids");
        int[] sequence = g.ints("e2e.thinker_sequences");
        PromptMedia media = thinker.prepare(prompt, Qwen3OmniThinkerGoldenTest.media(g, "mm"));
        KvCache cache = thinker.newCache(256);
        Batch batch = Batch.of(cache, prompt, false, media);
        String hiddenTap = Qwen3OmniThinker.hiddenStateTap(talker.config().acceptHiddenLayer());
        ChunkTaps taps = new ChunkTaps(batch, Set.of("inp_embd", hiddenTap));
        FloatMatrix logits = thinker.forward(batch, taps);
        FloatMatrix embeds = taps.get(0, "inp_embd").orElseThrow();
        FloatMatrix hidden = taps.get(0, hiddenTap).orElseThrow();
        // the thinker, greedy, 5 tokens; each token but the last is fed back
        int steps = sequence.length - prompt.length;
        List<Integer> generated = new ArrayList<>();
        for (int s = 0; s < steps; s++) {
            int token = Qwen3OmniThinkerGoldenTest.argmax(logits);
            generated.add(token);
            if (s + 1 < steps) {
                logits = thinker.forward(Batch.of(cache, new int[] {token}, false));
            }
        }
        assertArrayEquals(Arrays.copyOfRange(sequence, prompt.length, sequence.length), generated.stream().mapToInt(Integer::intValue).toArray(),
                "thinker tokens");
        // the talker's prompt
        int a = talker.assistantStart(prompt);
        assertEquals(prompt.length - 3, a);
        FloatMatrix assistantRows = new FloatMatrix(4, embeds.cols());
        System.arraycopy(embeds.data(), embeds.offset(a), assistantRows.data(), 0, 3 * embeds.cols());
        FloatMatrix g0 = thinker.inputEmbeddings(new int[] {generated.getFirst()}, PromptMedia.NONE);
        System.arraycopy(g0.data(), 0, assistantRows.data(), assistantRows.offset(3), embeds.cols());
        Qwen3OmniTalker.Speech speech = talker.speech(talker.speakerId("Ethan"), thinker.inputEmbeddings(talker.ttsTokens(), PromptMedia.NONE));
        Qwen3OmniTalker.Prompt tp = speech.prompt(prompt, embeds, hidden, media.positions(), assistantRows);
        assertArrayEquals(g.ints("e2e.talker_input_ids"), tp.ids(), "talker input ids");
        int lt = tp.length();
        List<Golden.Error> errors = new ArrayList<>();
        errors.add(Golden.compare("talker_inputs_embeds", Golden.rows(tp.embeddings()), g.tensor("e2e.talker_inputs_embeds")));
        float[] pos = g.tensor("e2e.talker_position_ids");
        assertArrayEquals(Arrays.copyOfRange(pos, 0, lt), tp.positions().t(), "t positions");
        assertArrayEquals(Arrays.copyOfRange(pos, lt, 2 * lt), tp.positions().h(), "h positions");
        assertArrayEquals(Arrays.copyOfRange(pos, 2 * lt, 3 * lt), tp.positions().w(), "w positions");
        assertEquals(g.tensor("e2e.talker_rope_deltas")[0], tp.positions().ropeDelta(), "rope delta");
        // trailing text: the fed tokens after the first, then tts_eos
        int[] fed = generated.subList(1, generated.size() - 1).stream().mapToInt(Integer::intValue).toArray();
        FloatMatrix trailing = talker.textProjection(thinker.inputEmbeddings(fed, PromptMedia.NONE));
        float[] trailingAll = Arrays.copyOf(Golden.rows(trailing), (fed.length + 1) * trailing.cols());
        System.arraycopy(speech.ttsEos(), 0, trailingAll, fed.length * trailing.cols(), trailing.cols());
        errors.add(Golden.compare("trailing_text_hidden", trailingAll, g.tensor("e2e.trailing_text_hidden")));
        errors.add(Golden.compare("tts_pad_embed", speech.ttsPad(), g.tensor("e2e.tts_pad_embed")));
        // the talker's steps: 6 codebook-0 choices, the last of which never gets its residual codes
        float[] expectedSteps = g.tensor("e2e.talker_step_logits");
        float[] expectedCp = g.tensor("e2e.code_predictor_step_logits");
        int vocab = talker.config().vocabSize();
        int cpVocab = talker.codePredictor().vocabSize();
        int talkerSteps = (int) g.shape("e2e.talker_step_logits")[0];
        List<int[]> frames = new ArrayList<>();
        List<float[]> cpLogits = new ArrayList<>();
        float[] stepLogits = speech.prefill(tp);
        for (int s = 0; s < talkerSteps; s++) {
            errors.add(Golden.compare("talker step " + s, stepLogits, rowsOf(expectedSteps, s, s + 1, vocab)));
            int code0 = greedyCode0(stepLogits, talker);
            assertFalse(code0 == talker.config().codec().eos(), "the golden run never reached the codec EOS");
            if (s + 1 == talkerSteps) {
                break;
            }
            int[] codes = speech.frame(code0, (l, group) -> {
                cpLogits.add(l.clone());
                return argmax(l);
            });
            frames.add(codes);
            float[] text = s < fed.length ? trailing.row(s) : s == fed.length ? speech.ttsEos() : speech.ttsPad();
            stepLogits = speech.next(codes, text);
        }
        for (int i = 0; i < cpLogits.size(); i++) {
            errors.add(Golden.compare("code predictor " + i, cpLogits.get(i), rowsOf(expectedCp, i, i + 1, cpVocab)));
        }
        Golden.assertAllClose(errors, REL_TOL, "talker e2e");
        int[] expectedCodes = g.ints("e2e.talker_codes"); // [1, G, frames]
        int groups = talker.config().codeGroups();
        assertEquals(expectedCodes.length / groups, frames.size(), "frames");
        for (int f = 0; f < frames.size(); f++) {
            for (int q = 0; q < groups; q++) {
                assertEquals(expectedCodes[q * frames.size() + f], frames.get(f)[q], "frame " + f + " codebook " + q);
            }
        }
    }

    @Test
    void voicesComeFromTheConfig() {
        assertEquals(List.of("aiden", "chelsie", "ethan"), talker.voices());
        assertEquals("ethan", talker.defaultVoice());
        int chelsie = g.meta.get("codec_ids").get("speakers").get("chelsie").get("tiny").asInt();
        assertEquals(chelsie, talker.speakerId("Chelsie"));
        assertEquals(chelsie, talker.speakerId("CHELSIE"));
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> talker.speakerId("Bob"));
        assertTrue(e.getMessage().contains("Aiden, Chelsie, Ethan"), e.getMessage());
    }

    @Test
    void checkpointsWithoutATalkerSaySo() {
        ModelFileException e = assertThrows(ModelFileException.class,
                () -> Qwen3OmniTalker.load(OmniFixture.checkpoint(OmniFixture.THINKER_ONLY), LoadOptions.defaults()));
        assertTrue(e.getMessage().contains("has no talker"), e.getMessage());
        assertFalse(Qwen3OmniTalker.present(OmniFixture.checkpoint(OmniFixture.THINKER_ONLY)));
        assertTrue(Qwen3OmniTalker.present(g.dir));
    }
}
