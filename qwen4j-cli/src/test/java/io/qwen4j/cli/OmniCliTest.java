package io.qwen4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.formats.Json;
import io.qwen4j.formats.Npy;
import io.qwen4j.formats.SafeTensorsFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Qwen3-Omni command lines on the tiny checkpoint: {@code logits} with media files reproduces transformers'
 * thinker logits (mm and use_audio_in_video prompts), {@code run} answers with an image, audio and a video, and bad
 * media or a text-only model give one-line errors.
 */
class OmniCliTest {
    /**
     * The goldens' thinker ran on HF's log-mel of the clip; here qwen4j-media computes it from the WAV (within 4e-5
     * of HF's, qwen4j-media's AudioGoldenTest), the image and frames give HF's pixel values exactly. Observed:
     * ~4e-7 of max |logit|; 1e-4 leaves room for the mel difference.
     */
    static final double REL_TOL = 1e-4;

    @TempDir
    Path tmp;

    static final Path MEDIA = Path.of(System.getProperty("qwen4j.fixtures"), "media-golden");

    /** The golden video's four frames (resized to 64x32 by the generator), as tools/golden/make_omni_frames.py wrote them. */
    static Path frames() {
        return Path.of(System.getProperty("qwen4j.fixtures"), "omni-frames", "frames");
    }

    static String ids(String prompt) {
        JsonNode meta = Json.read(OmniCheckpoint.tiny().resolve("golden.json"));
        return String.join(",", meta.get("prompts").get(prompt).get("ids").valueStream().map(JsonNode::asText).toList());
    }

    @ParameterizedTest
    @ValueSource(strings = {"mm", "aiv"})
    void logitsWithMediaFilesMatchTransformers(String prompt) throws Exception {
        Path out = tmp.resolve(prompt + ".npy");
        List<String> args = new ArrayList<>(List.of("logits", "--model", OmniCheckpoint.tiny().toString(), "--ids", ids(prompt),
                "--out", out.toString()));
        // each kind in the order of its blocks; --fps is the frames' rate (the generator sampled them at 2 fps)
        args.addAll(List.of("--audio", MEDIA.resolve("harvard-01-02.16k.wav").toString(), "--image", MEDIA.resolve("chelsea-90x60.png").toString(),
                "--video-frames", frames().toString(), "--fps", "2"));
        if (prompt.equals("aiv")) {
            args.add("--use-audio-in-video"); // the frames have no soundtrack: the video takes the --audio clip
        }
        CliRunner r = CliRunner.run(args.toArray(String[]::new));
        assertEquals(0, r.status(), r.toString());
        Npy.Array actual = Npy.read(out);
        int vocab = (int) actual.shape()[1];
        float[] expected;
        try (SafeTensorsFile g = SafeTensorsFile.open(OmniCheckpoint.tiny().resolve("golden.safetensors"))) {
            expected = g.weight("thinker." + prompt + ".logits").toFloatArray(); // the last 8 positions
        }
        float[] last = Arrays.copyOfRange(actual.data(), actual.data().length - expected.length, actual.data().length);
        double maxErr = 0;
        double max = 0;
        for (int i = 0; i < expected.length; i++) {
            maxErr = Math.max(maxErr, Math.abs(last[i] - expected[i]));
            max = Math.max(max, Math.abs(expected[i]));
        }
        System.out.printf("qwen4j logits %s from media files: max abs error %.3e, %.3e of max |logit|%n", prompt, maxErr, maxErr / max);
        assertTrue(maxErr <= REL_TOL * max, prompt + ": max abs error " + maxErr + " vs max |logit| " + max);
        assertEquals(expected.length / vocab, 8);
    }

    @Test
    void badMediaAndTextModelsGiveOneLineErrors() throws Exception {
        Path bad = Path.of(System.getProperty("qwen4j.fixtures"), "media", "bad");
        String audio = MEDIA.resolve("harvard-01-02.16k.wav").toString();
        String image = MEDIA.resolve("chelsea-90x60.png").toString();
        String frames = frames().toString();
        for (String[] c : new String[][] {{"--image", "truncated.png"}, {"--audio", "truncated.wav"}, {"--video", "truncated.mp4"}}) {
            List<String> args = new ArrayList<>(List.of("logits", "--model", OmniCheckpoint.tiny().toString(), "--ids", ids("mm"), "--out",
                    tmp.resolve("x.npy").toString()));
            args.addAll(List.of("--audio", c[0].equals("--audio") ? bad.resolve(c[1]).toString() : audio));
            args.addAll(List.of("--image", c[0].equals("--image") ? bad.resolve(c[1]).toString() : image));
            args.addAll(c[0].equals("--video") ? List.of("--video", bad.resolve(c[1]).toString()) : List.of("--video-frames", frames));
            CliRunner r = CliRunner.run(args.toArray(String[]::new));
            assertEquals(1, r.status(), r.toString());
            assertTrue(r.err().startsWith("error: ") && r.err().strip().lines().count() == 1 && r.err().contains(c[1]), r.toString());
        }
        CliRunner text = CliRunner.run("logits", "--model", CliRunner.fixture("qwen3-tied").toString(), "--ids", "1,2,3", "--out",
                tmp.resolve("y.npy").toString(), "--image", MEDIA.resolve("chelsea-90x60.png").toString());
        assertEquals(1, text.status(), text.toString());
        assertTrue(text.err().contains("reads text only"), text.toString());
    }

    @Test
    void runAnswersAQuestionAboutAnImageAudioAndAVideo() throws Exception {
        Path model = OmniCheckpoint.chattable(Files.createDirectories(tmp.resolve("model")));
        Path video = Path.of(System.getProperty("qwen4j.fixtures"), "media", "video", "slideshow-speech.mp4");
        CliRunner r = CliRunner.run("run", "--model", model.toString(), "--temperature", "0", "--max-tokens", "4", "--ignore-eos",
                "--verbose", "--image", MEDIA.resolve("chelsea-90x60.png").toString(), "--audio", MEDIA.resolve("harvard-01-02.16k.wav").toString(),
                "--video", video.toString(), "--use-audio-in-video", "What", "is", "this?");
        assertEquals(0, r.status(), r.toString());
        // 6 image + 72 audio + 1152 video + 107 soundtrack placeholders, and the text around them
        String stats = r.err().lines().filter(l -> l.contains("prompt tokens")).findFirst().orElseThrow(() -> new AssertionError(r.toString()));
        int prompt = Integer.parseInt(stats.substring(0, stats.indexOf(' ')));
        assertTrue(prompt > 6 + 72 + 1152 + 107, stats);
        assertTrue(stats.contains("4 generated"), stats);
    }
}
