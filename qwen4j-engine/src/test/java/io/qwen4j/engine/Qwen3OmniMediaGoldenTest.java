package io.qwen4j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.core.Batch;
import io.qwen4j.core.CausalLm;
import io.qwen4j.core.MediaInputs;
import io.qwen4j.core.MropePositions;
import io.qwen4j.core.PromptMedia;
import io.qwen4j.formats.Json;
import io.qwen4j.formats.SafeTensorsFile;
import io.qwen4j.models.Architectures;
import io.qwen4j.models.LoadOptions;
import io.qwen4j.tensor.FloatMatrix;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The thinker goldens again (tools/golden/make_tiny_omni.py), this time from the media files through qwen4j-media
 * (fixtures/media-golden: the WAV and PNG the generator fed HF's processors; fixtures/omni-frames: the video frames,
 * which it resized itself, saved from its tensor as PNGs): the processor outputs must be HF's (log-mel within qwen4j-media's tolerance,
 * pixel values exact), the media placed by {@link OmniMedia#inputs} from the golden ids, and the thinker's last prompt
 * logits must follow.
 */
class Qwen3OmniMediaGoldenTest {
    /** qwen4j-media's log-mel tolerance against HF's WhisperFeatureExtractor on the same 16 kHz samples (AudioGoldenTest). */
    static final double MEL_TOL = 1e-4;
    /**
     * Logits: the thinker matches transformers to ~5e-7 on HF's own features (Qwen3OmniThinkerGoldenTest); a mel
     * difference of up to 1e-4 goes through a 2-layer audio encoder with unit-gain random weights, so allow 1e-4 of
     * max |logit| (observed ~5e-7).
     */
    static final double LOGIT_TOL = 1e-4;

    static SafeTensorsFile golden;
    static JsonNode meta;
    static CausalLm model;
    static Path frames;

    @BeforeAll
    static void open() {
        golden = SafeTensorsFile.open(OmniFixtures.tinyOmni().resolve("golden.safetensors"));
        meta = Json.read(OmniFixtures.tinyOmni().resolve("golden.json"));
        model = Architectures.load(OmniFixtures.tinyOmni(), LoadOptions.defaults().withThreads(2));
        frames = OmniFixtures.fixtures().resolve("omni-frames").resolve("frames"); // tools/golden/make_omni_frames.py
    }

    @AfterAll
    static void close() {
        model.close();
        golden.close();
    }

    static float[] tensor(String name) {
        return golden.weight(name).toFloatArray();
    }

    static double maxAbs(float[] a, float[] b) {
        assertEquals(b.length, a.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    @ParameterizedTest
    @ValueSource(strings = {"mm", "aiv"})
    void fromTheMediaFilesTheProcessorOutputsAndLogitsMatch(String prompt) {
        Path media = OmniFixtures.fixtures().resolve("media-golden");
        int[] ids = Json.MAPPER.convertValue(meta.get("prompts").get(prompt).get("ids"), int[].class);
        MropePositions.TokenIds tokens = model.mediaTokens().orElseThrow();
        MediaInputs in = new OmniMedia().inputs(ids, tokens, List.of(new OmniMedia.FileSource(media.resolve("chelsea-90x60.png"))),
                List.of(new OmniMedia.FileSource(media.resolve("harvard-01-02.16k.wav"))), List.of(new OmniMedia.FramesSource(frames, 2.0)),
                prompt.equals("aiv"));

        // the processors' outputs
        MediaInputs.Audio audio = in.audios().getFirst();
        assertEquals(meta.get("audio").get("feature_len").asInt(), audio.validFrames(), "mel frames");
        float[] mel = Arrays.copyOf(audio.features().data(), audio.features().rows() * audio.features().cols());
        double melErr = maxAbs(mel, tensor("audio.input_features"));
        assertArrayEquals(tensor("image.pixel_values"), flat(in.images().getFirst().pixelValues()), "image pixel_values");
        assertArrayEquals(ints(meta.get("image").get("grid_thw")), in.images().getFirst().grid());
        assertArrayEquals(tensor("video.pixel_values"), flat(in.videos().getFirst().pixelValues()), "video pixel_values");
        assertArrayEquals(ints(meta.get("video").get("grid_thw")), in.videos().getFirst().grid());
        assertEquals(tensor("video.second_per_grid")[0], in.videos().getFirst().secondsPerGrid(), 0);

        // the logits they lead to
        PromptMedia prepared = model.prepare(ids, in);
        FloatMatrix logits = model.forward(Batch.of(model.newCache(ids.length), ids, true, prepared));
        float[] expected = tensor("thinker." + prompt + ".logits");
        float[] last = Arrays.copyOfRange(logits.data(), logits.rows() * logits.cols() - expected.length, logits.rows() * logits.cols());
        double logitErr = maxAbs(last, expected) / maxAbs(expected);
        System.out.printf(Locale.ROOT, "thinker.%s from media files: log-mel max abs error %.3e, pixel values exact, logits %.3e of max |logit|%n",
                prompt, melErr, logitErr);
        assertTrue(melErr <= MEL_TOL, "log-mel differs from HF's by " + melErr);
        assertTrue(logitErr <= LOGIT_TOL, "logits differ by " + logitErr + " of max |logit|");
    }

    static float[] flat(FloatMatrix m) {
        return Arrays.copyOf(m.data(), m.rows() * m.cols());
    }

    static int[] ints(JsonNode a) {
        return Json.MAPPER.convertValue(a, int[].class);
    }
}
