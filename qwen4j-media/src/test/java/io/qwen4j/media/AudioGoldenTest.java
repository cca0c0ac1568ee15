package io.qwen4j.media;

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
 * Audio decoding against PyAV (the same FFmpeg 8.1) and soundfile (libsndfile), resampling against
 * librosa's soxr_hq, and the log-mel front end against WhisperFeatureExtractor (transformers 5.18).
 */
class AudioGoldenTest {
    /** HF computes the log-mel in float32 (torch.stft); we compute in double: observed about 2e-5. */
    static final double MEL_TOLERANCE = 1e-4;
    /**
     * Our resampler against soxr's, on [-1, 1] samples: below 1e-7 where soxr uses one DFT stage (48, 32,
     * 24, 8 kHz: the same filter), up to 7.3e-5 where it uses a polyphase stage (22.05 and 44.1 kHz).
     */
    static final double RESAMPLE_TOLERANCE = 2e-4;
    /**
     * Log-mel of our resampled audio against HF's of librosa's. The resampling differences are about -85 dB,
     * visible only in bins near the clip's floor (max - 8), mostly the top bin (7.8-8 kHz, in the filters'
     * transition band): up to 0.054 observed, in units of (log10 + 4) / 4.
     */
    static final double MEL_END_TO_END_TOLERANCE = 0.08;

    private static MediaGoldens g;
    private static final LogMel MEL = new LogMel();

    @BeforeAll
    static void open() {
        g = MediaGoldens.open("audio");
    }

    @AfterAll
    static void close() {
        g.close();
    }

    private static boolean lossless(String name) {
        return name.endsWith(".wav") || name.endsWith(".flac");
    }

    @Test
    void decodesLikePyAvAndSoundfile() {
        AudioDecoder dec = new AudioDecoder();
        List<String> failures = new ArrayList<>();
        for (JsonNode n : g.get("files")) {
            String name = n.asText();
            String key = "file." + name;
            JsonNode m = g.get(key);
            DecodedAudio a = dec.decode(MediaGoldens.file("audio", name));
            assertEquals(m.get("rate").asInt(), a.sampleRate(), name + " rate");
            assertEquals(m.get("channels").asInt(), a.channels().length, name + " channels");
            assertEquals(m.get("frames").asInt(), a.samples(), name + " samples (PyAV)");
            int start = m.get("window_start").asInt();
            double vsAv = windowError(a, g.f32(key + ".pyav_window"), start);
            String sf = "soundfile cannot read it";
            double vsSf = 0;
            if (g.has(key + ".soundfile_window")) {
                vsSf = windowError(a, g.f32(key + ".soundfile_window"), start);
                sf = String.format(java.util.Locale.ROOT, "soundfile %.3g (%d vs %d samples)", vsSf, m.get("soundfile_frames").asInt(), a.samples());
            }
            MediaGoldens.report("decode " + name + " (" + a.codec() + ")", "max abs error: PyAV %.3g, %s", vsAv, sf);
            if (vsAv != 0) {
                failures.add(name + " differs from PyAV by " + vsAv);
            }
            if (lossless(name) && (vsSf != 0 || m.get("soundfile_frames").asInt() != a.samples())) {
                failures.add(name + " differs from soundfile by " + vsSf);
            }
        }
        assertTrue(failures.isEmpty(), failures.toString());
    }

    private static double windowError(DecodedAudio a, float[] ref, int start) {
        int ch = a.channels().length;
        int n = ref.length / ch;
        float[] ours = new float[ref.length];
        for (int c = 0; c < ch; c++) {
            System.arraycopy(a.channels()[c], start, ours, c * n, Math.min(n, a.samples() - start));
        }
        return MediaGoldens.maxAbs(ours, ref);
    }

    @Test
    void resamplesAndExtractsLikeLibrosaAndHf() {
        AudioDecoder dec = new AudioDecoder();
        List<String> failures = new ArrayList<>();
        for (JsonNode n : g.get("files")) {
            String name = n.asText();
            String key = "file." + name;
            JsonNode m = g.get(key);
            float[] wave = dec.load(MediaGoldens.file("audio", name));
            JsonNode w = m.get("wave16k");
            assertEquals(w.get("length").asInt(), wave.length, name + " 16 kHz length");
            float[] ref = g.f32(key + ".wave16k");
            int start = w.get("start").asInt();
            double resampleErr = MediaGoldens.maxAbs(Arrays.copyOfRange(wave, start, start + ref.length), ref);
            AudioFeatures f = MEL.extract(wave);
            assertEquals(m.get("mel_frames").asInt(), f.frames(), name + " frames");
            assertEquals(m.get("feature_len").asInt(), f.validFrames(), name + " feature_len");
            assertEquals(m.get("audio_tokens").asInt(), f.tokens(), name + " audio tokens");
            double melErr = melRowsError(f.features(), key + ".mel_t");
            MediaGoldens.report("16 kHz + log-mel " + name, "resampled max abs error %.3g (librosa soxr_hq), log-mel %.3g%s", resampleErr, melErr, worst);
            int rate = m.get("rate").asInt();
            double resTol = rate == 16000 ? 0 : RESAMPLE_TOLERANCE;
            double melTol = rate == 16000 ? MEL_TOLERANCE : MEL_END_TO_END_TOLERANCE;
            if (resampleErr > resTol || melErr > melTol) {
                failures.add(name + " (resampled " + resampleErr + ", log-mel " + melErr + ")");
            }
        }
        assertTrue(failures.isEmpty(), "beyond tolerance: " + failures);
    }

    private static String worst = "";

    /** Max abs error of our (128, T) features on the frames stored as rows of {@code name} (T, 128). */
    private static double melRowsError(FloatMatrix ours, String name) {
        long[] frames = g.i64(name + ".row_index");
        float[] ref = g.f32(name + ".rows");
        int bins = ours.rows();
        double max = 0;
        float floor = Float.POSITIVE_INFINITY;
        int at = 0;
        for (int i = 0; i < frames.length; i++) {
            for (int b = 0; b < bins; b++) {
                float r = ref[i * bins + b];
                floor = Math.min(floor, r);
                double e = Math.abs(ours.get(b, (int) frames[i]) - r);
                if (e > max) {
                    max = e;
                    at = i * bins + b;
                }
            }
        }
        worst = max > 1e-3 ? String.format(java.util.Locale.ROOT, " (worst: bin %d, HF value %.3f, clip floor %.3f)", at % bins, ref[at], floor) : "";
        return max;
    }

    @Test
    void logMelMatchesHfOnTheSameSamples() {
        for (var e : g.get("synthetic").properties()) {
            String key = "synthetic." + e.getKey();
            AudioFeatures f = MEL.extract(g.f32(key + ".wave"));
            float[] ref = g.f32(key + ".mel");
            assertEquals(ref.length, f.features().data().length, key + " size");
            double err = MediaGoldens.maxAbs(f.features().data(), ref);
            MediaGoldens.report("log-mel " + key, "%d frames, max abs error %.3g", f.frames(), err);
            assertTrue(err <= MEL_TOLERANCE, key + ": log-mel differs from HF by " + err);
            assertEquals(e.getValue().get("feature_len").asInt(), f.validFrames(), key + " feature_len");
        }
    }

    @Test
    void batchPadsLikeHf() {
        float[] a = g.f32("synthetic.chirp-16003.wave");
        float[] b = g.f32("synthetic.short-401.wave");
        List<AudioFeatures> fs = MEL.extractBatch(List.of(a, b));
        float[] ref = g.f32("batch.mel");
        long[] mask = g.i64("batch.mask");
        int per = ref.length / 2;
        int frames = (int) g.shape("batch.mask")[1];
        for (int i = 0; i < 2; i++) {
            double err = MediaGoldens.maxAbs(fs.get(i).features().data(), Arrays.copyOfRange(ref, i * per, (i + 1) * per));
            long valid = Arrays.stream(mask, i * frames, (i + 1) * frames).sum();
            MediaGoldens.report("log-mel batch clip " + i, "max abs error %.3g, mask sum %d", err, valid);
            assertTrue(err <= MEL_TOLERANCE, "batch clip " + i + ": " + err);
            assertEquals(valid, fs.get(i).validFrames(), "batch clip " + i + " valid frames");
        }
    }

    @Test
    void melFilterBankMatchesHf() {
        double[][] fb = LogMel.melFilterBank(201, 128, 0, 8000, 16000);
        float[] ref = g.f32("mel_filters");
        float[] ours = new float[ref.length];
        for (int k = 0; k < 201; k++) {
            for (int m = 0; m < 128; m++) {
                ours[k * 128 + m] = (float) fb[k][m];
            }
        }
        double err = MediaGoldens.maxAbs(ours, ref);
        MediaGoldens.report("mel filter bank", "max abs error %.3g", err);
        assertTrue(err <= 1e-9, "mel filters differ by " + err);
    }

    @Test
    void audioTokenCountsMatchTheProcessor() {
        for (JsonNode c : g.get("audio_tokens")) {
            assertEquals(c.get(1).asInt(), Placeholders.audioTokens(c.get(0).asInt()), "audio tokens for " + c.get(0).asInt() + " frames");
        }
    }
}
