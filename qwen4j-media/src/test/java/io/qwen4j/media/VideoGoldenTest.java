package io.qwen4j.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.tensor.FloatMatrix;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Video decoding against PyAV (frames as {@code to_ndarray(format="rgb24")}), frame sampling against
 * Qwen2VLVideoProcessor.sample_frames, patches against its patchify on PIL-resized frames, the soundtrack's
 * log-mel, and the audio-in-video interleaving against Qwen3OmniMoeProcessor.
 */
class VideoGoldenTest {
    private static MediaGoldens g;

    @BeforeAll
    static void open() {
        g = MediaGoldens.open("video");
    }

    @AfterAll
    static void close() {
        g.close();
    }

    @Test
    void decodesSamplesAndPatchifiesLikePyAvAndHf() {
        VideoDecoder dec = new VideoDecoder();
        VisionProcessor proc = new VisionProcessor();
        LogMel mel = new LogMel();
        List<String> failures = new ArrayList<>();
        for (JsonNode n : g.get("files")) {
            String name = n.asText();
            String key = "file." + name;
            JsonNode m = g.get(key);
            DecodedVideo v = dec.decode(MediaGoldens.file("video", name));
            assertEquals(m.get("total_frames").asInt(), v.totalFrames(), name + " frames");
            assertEquals(m.get("video_fps").asDouble(), v.videoFps(), 1e-9, name + " fps");
            assertArrayEquals(ints(m.get("indices")), v.indices(), name + " sampled frame indices");
            int identical = 0;
            for (int i = 0; i < v.frames().size(); i++) {
                if (MediaGoldens.sha256(v.frames().get(i).rgb()).equals(m.get("frame_sha256").get(i).asText())) {
                    identical++;
                }
            }
            int maxErr = 0;
            for (int j : new int[] {0, v.frames().size() - 1}) {
                maxErr = Math.max(maxErr, rowsError(v.frames().get(j), key + ".frame" + j));
            }
            VideoPatches p = proc.video(v.frames(), v.samplingFps());
            assertArrayEquals(ints(m.get("grid_thw")), new int[] {p.gridT(), p.gridH(), p.gridW()}, name + " grid_thw");
            assertEquals(m.get("tokens").asInt(), p.tokens(), name + " tokens");
            assertEquals(m.get("second_per_grid").asDouble(), p.secondPerGrid(), 0, name + " second_per_grid");
            double pvErr = rowsError(p.pixelValues(), key + ".pixel_values");
            boolean pvExact = sha(p.pixelValues()).equals(m.get("pixel_values").get("sha256").asText());
            MediaGoldens.report("video " + name + " (" + v.codec() + ")", "%d/%d sampled frames identical to PyAV (max abs error %d levels on sampled rows); "
                    + "pixel_values %s, max abs error %.3g", identical, v.frames().size(), maxErr, pvExact ? "bit-identical" : "differ", pvErr);
            if (identical != v.frames().size() || !pvExact) {
                failures.add(name + ": " + identical + "/" + v.frames().size() + " frames identical, pixel_values max abs error " + pvErr);
            }
            // the soundtrack, and how its tokens interleave with the video's
            assertTrue(v.audio().isPresent(), name + " has a soundtrack");
            DecodedAudio a = v.audio().get();
            assertEquals(m.get("audio_rate").asInt(), a.sampleRate(), name + " audio rate");
            float[] wave = a.mono(LogMel.SAMPLE_RATE);
            JsonNode w = m.get("wave16k");
            assertEquals(w.get("length").asInt(), wave.length, name + " 16 kHz samples");
            float[] ref = g.f32(key + ".wave16k");
            double resErr = MediaGoldens.maxAbs(Arrays.copyOfRange(wave, w.get("start").asInt(), w.get("start").asInt() + ref.length), ref);
            AudioFeatures f = mel.extract(wave);
            assertEquals(m.get("feature_len").asInt(), f.validFrames(), name + " feature_len");
            assertEquals(m.get("audio_tokens").asInt(), f.tokens(), name + " audio tokens");
            double melErr = rowsError(transpose(f.features()), key + ".mel_t");
            MediaGoldens.report("soundtrack " + name, "resampled max abs error %.3g, log-mel %.3g", resErr, melErr);
            assertTrue(resErr <= AudioGoldenTest.RESAMPLE_TOLERANCE && melErr <= AudioGoldenTest.MEL_END_TO_END_TOLERANCE,
                    name + " soundtrack: resampled " + resErr + ", log-mel " + melErr);
            assertEquals(m.get("interleaved").asText(), letters(AudioInVideo.order(f.tokens(), p)), name + " audio-in-video order");
        }
        assertTrue(failures.isEmpty(), failures.toString());
    }

    @Test
    void mediaProcessorGivesTheSameItems() {
        MediaProcessor mp = new MediaProcessor();
        JsonNode m = g.get("file.slideshow-speech.mp4");
        VideoItem item = mp.video(MediaGoldens.file("video", "slideshow-speech.mp4"));
        assertEquals(m.get("pixel_values").get("sha256").asText(), sha(item.patches().pixelValues()), "pixel_values");
        assertEquals(m.get("interleaved").asText(), letters(item.interleaving()), "interleaving");
        assertEquals(m.get("tokens").asInt() + m.get("audio_tokens").asInt(), item.tokens(true), "audio-in-video tokens");
        assertEquals(m.get("tokens").asInt(), item.tokens(false), "video tokens");
    }

    @Test
    void readsAFolderOfFrames() {
        JsonNode m = g.get("folder");
        DecodedVideo v = new VideoDecoder().decodeFrames(MediaGoldens.media().resolve("frames"), m.get("fps").asDouble());
        assertArrayEquals(ints(m.get("indices")), v.indices(), "folder indices");
        VideoPatches p = new VisionProcessor().video(v.frames(), v.samplingFps());
        assertArrayEquals(ints(m.get("grid_thw")), new int[] {p.gridT(), p.gridH(), p.gridW()}, "folder grid_thw");
        double err = rowsError(p.pixelValues(), "folder.pixel_values");
        MediaGoldens.report("video from a folder of frames", "grid %s, pixel_values max abs error %.3g", Arrays.toString(new int[] {p.gridT(), p.gridH(), p.gridW()}), err);
        assertEquals(m.get("pixel_values").get("sha256").asText(), sha(p.pixelValues()), "folder pixel_values");
    }

    @Test
    void interleavesLikeTheProcessor() {
        for (JsonNode c : g.get("interleave_cases")) {
            int[] grid = ints(c.get("grid_thw"));
            boolean[] order = AudioInVideo.order(c.get("audio").asInt(), grid[0], grid[1] * grid[2] / 4, c.get("second_per_grid").asDouble(),
                    AudioInVideo.POSITION_ID_PER_SECOND);
            assertEquals(c.get("order").asText(), letters(order), "interleaving " + c);
        }
    }

    @Test
    void samplesFramesLikeHf() {
        // total frames, video fps -> indices, from the same formula's goldens above; plus the short-video floor
        assertArrayEquals(new int[] {0, 1, 2, 3}, FrameSampler.DEFAULT.indices(4, 30), "4 frames at 30 fps: all (min_frames 4)");
        assertArrayEquals(new int[] {0, 1}, FrameSampler.DEFAULT.indices(3, 30), "3 frames: floored to a pair");
        assertArrayEquals(new int[] {0}, FrameSampler.DEFAULT.indices(1, 30), "1 frame: kept, repeated by the processor");
    }

    private static String letters(boolean[] order) {
        StringBuilder sb = new StringBuilder();
        for (boolean b : order) {
            sb.append(b ? 'v' : 'a');
        }
        return sb.toString();
    }

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }

    private static String sha(FloatMatrix m) {
        return MediaGoldens.sha256(Arrays.copyOf(m.data(), m.rows() * m.cols()));
    }

    private static FloatMatrix transpose(FloatMatrix m) {
        FloatMatrix t = new FloatMatrix(m.cols(), m.rows());
        for (int r = 0; r < m.rows(); r++) {
            for (int c = 0; c < m.cols(); c++) {
                t.set(c, r, m.get(r, c));
            }
        }
        return t;
    }

    /** Max abs error of our matrix's rows listed in {@code name.row_index} against {@code name.rows}. */
    private static double rowsError(FloatMatrix ours, String name) {
        long[] rows = g.i64(name + ".row_index");
        float[] ref = g.f32(name + ".rows");
        float[] mine = new float[ref.length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(ours.data(), ours.offset((int) rows[i]), mine, i * ours.cols(), ours.cols());
        }
        return MediaGoldens.maxAbs(mine, ref);
    }

    /** Max abs error in levels of an image's rows listed in {@code name.row_index} against {@code name.rows}. */
    private static int rowsError(RgbImage img, String name) {
        long[] rows = g.i64(name + ".row_index");
        byte[] ref = g.u8(name + ".rows");
        int rowBytes = img.width() * 3;
        int max = 0;
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < rowBytes; j++) {
                max = Math.max(max, Math.abs((img.rgb()[(int) rows[i] * rowBytes + j] & 0xFF) - (ref[i * rowBytes + j] & 0xFF)));
            }
        }
        return max;
    }
}
