package io.qwen4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.common.InvalidInputException;
import io.qwen4j.common.ModelFileException;
import io.qwen4j.core.Batch;
import io.qwen4j.core.CausalLm;
import io.qwen4j.core.PromptMedia;
import io.qwen4j.formats.ConfigJson;
import io.qwen4j.formats.GgufSource;
import io.qwen4j.formats.Json;
import io.qwen4j.formats.QuantizingSource;
import io.qwen4j.formats.SafeTensorsSource;
import io.qwen4j.formats.WeightSource;
import io.qwen4j.tensor.DType;
import io.qwen4j.tensor.FloatMatrix;
import io.qwen4j.tensor.ThreadPool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loading Qwen3-Omni as published, on stand-ins built from the tiny checkpoint: the sharded full checkpoint reads
 * only {@code thinker.*} (the talker and code2wav are never mapped nor quantized), the thinker-only layout (covered by
 * Qwen3OmniThinkerGoldenTest), and llama.cpp's GGUF pair (tools/golden/make_omni_gguf.py: the text model as
 * {@code qwen3vlmoe}, the encoders in the mmproj file) gives the same thinker; {@code --quantize} touches only the text
 * model's matmuls.
 */
class Qwen3OmniLoadingTest {
    static final double REL_TOL = Qwen3OmniThinkerGoldenTest.REL_TOL;

    @TempDir
    Path tmp;

    static Path ggufDir() {
        return Golden.root().resolve("gguf-omni");
    }

    @Test
    void theWholeCheckpointShowsOnlyTheThinkerAndQuantizesOnlyItsTextModel() {
        try (WeightSource all = SafeTensorsSource.open(OmniFixture.checkpoint(OmniFixture.FULL))) {
            assertTrue(all.names().stream().anyMatch(n -> n.startsWith("talker.")), "the stand-in has talker weights");
            WeightSource thinker = Qwen3OmniThinker.thinkerWeights(all);
            assertTrue(thinker.names().stream().noneMatch(n -> n.startsWith("talker.") || n.startsWith("code2wav.") || n.startsWith("thinker.")),
                    "only thinker tensors, under thinker-relative names");
            assertTrue(thinker.contains("model.embed_tokens.weight") && thinker.contains("audio_tower.proj2.weight")
                    && thinker.contains("visual.merger.mlp.2.weight"));
            try (ThreadPool pool = ThreadPool.create(2)) {
                QuantizingSource q = QuantizingSource.of(thinker, DType.Q8_0, pool, io.qwen4j.formats.Progress.NONE);
                assertEquals(DType.Q8_0, q.info("model.layers.0.self_attn.q_proj.weight").orElseThrow().dtype());
                assertEquals(DType.Q8_0, q.info("lm_head.weight").orElseThrow().dtype());
                assertEquals(DType.BF16, q.info("audio_tower.layers.0.self_attn.q_proj.weight").orElseThrow().dtype(), "encoders stay as stored");
                assertEquals(DType.BF16, q.info("visual.blocks.0.attn.qkv.weight").orElseThrow().dtype());
            }
        }
    }

    /** Q8_0 at load: the encoders give exactly what they give unquantized; the text model stays close. */
    @Test
    void quantizeAtLoadAppliesToTheThinkersMatmuls() {
        try (Golden g = Golden.open(OmniFixture.FULL);
             CausalLm q8 = Architectures.load(g.dir, LoadOptions.defaults().withThreads(2).withQuantize(LoadOptions.Quantize.Q8_0));
             CausalLm bf16 = Golden.load(g.dir)) {
            assertTrue(q8.info().weightTypes().contains("Q8_0"), q8.info().weightTypes());
            Qwen3OmniVisionEncoder.Output a = ((Qwen3OmniThinker) q8).visionEncoder().orElseThrow()
                    .encode(OmniFixture.matrix(g, "image.pixel_values"), OmniFixture.grids(g, "image.grid_thw"));
            Qwen3OmniVisionEncoder.Output b = ((Qwen3OmniThinker) bf16).visionEncoder().orElseThrow()
                    .encode(OmniFixture.matrix(g, "image.pixel_values"), OmniFixture.grids(g, "image.grid_thw"));
            assertArrayEquals(Golden.rows(b.merged()), Golden.rows(a.merged()));
            int[] ids = g.ints("thinker.mm.input_ids");
            FloatMatrix logits = q8.forward(Batch.of(q8.newCache(256), ids, false, q8.prepare(ids, Qwen3OmniThinkerGoldenTest.media(g, "mm"))));
            float[] expected = g.tensor("thinker.mm.logits");
            float[] last = Arrays.copyOfRange(expected, expected.length - logits.cols(), expected.length);
            Golden.Error e = Golden.compare("q8_0 logits", Golden.rows(logits), last);
            System.out.println("Q8_0 at load, last mm logits: " + e);
            assertTrue(e.relToMax() < 0.05, e.toString()); // 8-bit weights on a random tiny model: a few percent
        }
    }

    @Test
    void theGgufPairIsTheSameThinker() throws IOException {
        try (Golden g = Golden.open(OmniFixture.FULL);
             CausalLm gguf = Architectures.load(ggufDir().resolve("thinker.gguf"), LoadOptions.defaults().withThreads(2))) {
            assertEquals(Qwen3OmniThinker.ARCHITECTURE, gguf.info().architecture());
            Qwen3OmniThinker t = (Qwen3OmniThinker) gguf;
            assertArrayEquals(new int[] {4, 2, 2}, t.config().mropeSection());
            assertEquals(OmniFixture.thinkerConfig(OmniFixture.FULL).requireInt("image_token_id"), t.config().tokens().image());
            assertEquals(OmniFixture.thinkerConfig(OmniFixture.FULL).requireInt("audio_start_token_id"), t.config().tokens().audioStart());
            assertArrayEquals(new int[] {0, 1}, t.visionEncoder().orElseThrow().config().deepstackIndexes());
            assertArrayEquals(new int[] {g.meta.get("token_ids").get("<|im_end|>").get("tiny").asInt()}, gguf.info().eosTokenIds());

            // the text prompt: transformers' golden, as from safetensors
            Qwen3OmniThinkerGoldenTest.assertPromptMatches(g, gguf, "text");
            // the vision encoder (patch kernel rebuilt from its two halves, deepstack mergers renumbered): the goldens
            Qwen3OmniVisionEncoder.Output v = t.visionEncoder().orElseThrow().encode(OmniFixture.matrix(g, "image.pixel_values"),
                    OmniFixture.grids(g, "image.grid_thw"));
            Golden.assertAllClose(List.of(Golden.compare("image.merged", Golden.rows(v.merged()), g.tensor("image.merged")),
                    Golden.compare("image.deepstack.0", Golden.rows(v.deepstack().get(0)), g.tensor("image.deepstack.0")),
                    Golden.compare("image.deepstack.1", Golden.rows(v.deepstack().get(1)), g.tensor("image.deepstack.1"))), REL_TOL,
                    "vision encoder from the mmproj");
            // with media: llama.cpp keeps no n_window_infer, so the pair uses Qwen3-Omni's 800 where the tiny model has 400;
            // the safetensors checkpoint with 800 is the same thinker
            try (CausalLm hf = Golden.load(withAudioWindow(800))) {
                for (String prompt : List.of("mm", "aiv")) {
                    int[] ids = g.ints("thinker." + prompt + ".input_ids");
                    FloatMatrix a = gguf.forward(Batch.of(gguf.newCache(256), ids, true, gguf.prepare(ids, Qwen3OmniThinkerGoldenTest.media(g, prompt))));
                    FloatMatrix b = hf.forward(Batch.of(hf.newCache(256), ids, true, hf.prepare(ids, Qwen3OmniThinkerGoldenTest.media(g, prompt))));
                    Golden.assertAllClose(List.of(Golden.compare(prompt + " logits", Golden.rows(a), Golden.rows(b))), REL_TOL,
                            "GGUF pair against safetensors (n_window_infer 800)");
                }
            }
        }
    }

    /** The tiny checkpoint with another audio attention window (audio_config.n_window_infer). */
    Path withAudioWindow(int window) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("window-" + window));
        try (var files = Files.list(OmniFixture.checkpoint(OmniFixture.FULL))) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        ObjectNode config = (ObjectNode) Json.read(dir.resolve("config.json"));
        ((ObjectNode) config.get("thinker_config").get("audio_config")).put("n_window_infer", window);
        Json.MAPPER.writeValue(dir.resolve("config.json").toFile(), config);
        return dir;
    }

    @Test
    void withoutItsMmprojTheGgufReadsTextOnly() throws IOException {
        Path alone = Files.createDirectories(tmp.resolve("alone")).resolve("thinker.gguf");
        Files.copy(ggufDir().resolve("thinker.gguf"), alone);
        try (Golden g = Golden.open(OmniFixture.FULL); CausalLm text = Golden.load(alone.getParent().resolve("thinker.gguf"))) {
            assertTrue(text.mediaTokens().isEmpty());
            Qwen3OmniThinkerGoldenTest.assertPromptMatches(g, text, "text");
            int[] ids = g.ints("thinker.mm.input_ids");
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> text.prepare(ids, Qwen3OmniThinkerGoldenTest.media(g, "mm")));
            assertTrue(e.getMessage().contains("mmproj"), e.getMessage());
        }
        // the same file with its mmproj named explicitly
        try (CausalLm both = Architectures.load(alone, LoadOptions.defaults().withThreads(2).withMmproj(ggufDir().resolve("mmproj-thinker.gguf")))) {
            assertTrue(both.mediaTokens().isPresent());
        }
        ModelFileException e = assertThrows(ModelFileException.class, () -> Architectures.load(ggufDir().resolve("mmproj-thinker.gguf"),
                LoadOptions.defaults().withThreads(2)));
        assertTrue(e.getMessage().contains("mmproj"), e.getMessage());
    }

    /** llama.cpp numbers deepstack mergers by vision block; HF numbers them in order. */
    @Test
    void deepstackMergersAreRenumberedInOrder() {
        try (GgufSource s = GgufSource.open(ggufDir().resolve("deepstack-names.gguf"));
             GgufSource thinker = GgufSource.open(ggufDir().resolve("thinker.gguf"))) {
            List<String> names = new ArrayList<>(s.names());
            assertTrue(names.containsAll(List.of("visual.merger_list.0.ln_q.weight", "visual.merger_list.0.mlp.2.bias",
                    "visual.merger_list.1.mlp.0.weight")), names.toString());
            assertFalse(names.stream().anyMatch(n -> n.startsWith("visual.merger_list.3")), names.toString());
            // values: block 1's tensors hold 1 + noise, block 3's 3 + noise (make_omni_gguf.py)
            float[] first = s.weight("visual.merger_list.0.ln_q.weight").toFloatArray();
            float[] second = s.weight("visual.merger_list.1.ln_q.weight").toFloatArray();
            assertTrue(mean(first) < 2 && mean(second) > 2, mean(first) + " / " + mean(second));
            ConfigJson config = thinker.config(s);
            assertArrayEquals(new int[] {1, 3}, config.section("thinker_config").orElseThrow().section("vision_config").orElseThrow()
                    .intList("deepstack_visual_indexes"));
        }
    }

    static double mean(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x;
        }
        return s / v.length;
    }

    @Test
    void aThinkerOnlyCheckpointNeedsNoPromptMediaForText() {
        try (Golden g = Golden.open(OmniFixture.THINKER_ONLY); CausalLm t = Golden.load(g.dir)) {
            assertEquals(PromptMedia.NONE, t.prepare(new int[] {1, 2, 3}, io.qwen4j.core.MediaInputs.NONE));
        }
    }
}
