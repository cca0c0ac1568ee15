package io.qwen4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.common.InvalidInputException;
import io.qwen4j.formats.ConfigJson;
import io.qwen4j.formats.SafeTensorsSource;
import io.qwen4j.formats.WeightSource;
import io.qwen4j.tensor.FloatMatrix;
import io.qwen4j.tensor.Ops;
import io.qwen4j.tensor.ThreadPool;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Code2Wav against transformers on the tiny Omni checkpoint (code2wav.* goldens of make_tiny_omni.py): every stage
 * for 10 frames of 4 codes, the waveform, the chunked decode, and streaming that concatenates to it exactly.
 */
class Qwen3OmniCode2WavGoldenTest {
    /** fp32 on both sides from bf16 weights; observed errors are printed with the comparison table. */
    private static final double REL_TOL = 1e-4;

    private static Qwen3OmniCode2Wav load(WeightSource w, Ops ops) {
        ConfigJson root = ConfigJson.read(OmniFixture.checkpoint(OmniFixture.FULL).resolve("config.json"));
        return Qwen3OmniCode2Wav.load(w, OmniFixture.section(root, "code2wav_config"), "code2wav.", ops);
    }

    /** {@code [q][T]} from the golden {@code [1, q, T]}. */
    static int[][] codes(Golden g, String name) {
        long[] shape = g.shape(name);
        int q = (int) shape[1];
        int t = (int) shape[2];
        int[] flat = g.ints(name);
        int[][] codes = new int[q][];
        for (int i = 0; i < q; i++) {
            codes[i] = Arrays.copyOfRange(flat, i * t, (i + 1) * t);
        }
        return codes;
    }

    /** A channels-first golden {@code [1, C, T]} as channels-last rows {@code [T, C]}. */
    private static float[] channelsLast(Golden g, String name) {
        long[] shape = g.shape(name);
        int c = (int) shape[1];
        int t = (int) shape[2];
        float[] cf = g.tensor(name);
        float[] out = new float[cf.length];
        for (int ch = 0; ch < c; ch++) {
            for (int i = 0; i < t; i++) {
                out[i * c + ch] = cf[ch * t + i];
            }
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"vector", "scalar"})
    void everyStageMatchesTransformers(String impl) {
        try (Golden g = Golden.open(OmniFixture.FULL); WeightSource w = SafeTensorsSource.open(OmniFixture.checkpoint(OmniFixture.FULL));
             ThreadPool pool = ThreadPool.create(2)) {
            Qwen3OmniCode2Wav c2w = load(w, impl.equals("scalar") ? Ops.scalar() : Ops.vector(pool));
            int[][] codes = codes(g, "code2wav.codes");
            Map<String, float[]> taps = new LinkedHashMap<>();
            float[] wav = c2w.decode(codes, (name, value) -> taps.put(name, Golden.rows(value)));

            assertEquals(g.shape("code2wav.wav")[2], wav.length, "waveform samples");
            assertEquals(wav.length, c2w.outputLength(codes[0].length));
            List<Golden.Error> errors = new ArrayList<>();
            errors.add(Golden.compare("embedded", taps.get("inp_embd"), g.tensor("code2wav.embedded")));
            for (int l = 0; l < c2w.config().layers(); l++) {
                String tap = "blk." + l + ".l_out";
                assertTrue(taps.containsKey(tap), "Code2Wav never reported " + tap);
                errors.add(Golden.compare("pre_transformer.layer." + l, taps.get(tap), g.tensor("code2wav.pre_transformer.layer." + l)));
            }
            errors.add(Golden.compare("pre_transformer_out", taps.get("result_norm"), g.tensor("code2wav.pre_transformer_out")));
            for (int i = 0; i < c2w.config().upsamplingRatios().length; i++) {
                errors.add(Golden.compare("upsample." + i, taps.get("upsample." + i), channelsLast(g, "code2wav.upsample." + i)));
            }
            errors.add(Golden.compare("decoder.0", taps.get("decoder.0"), channelsLast(g, "code2wav.decoder.0")));
            errors.add(Golden.compare("decoder.1", taps.get("decoder.1"), channelsLast(g, "code2wav.decoder.1")));
            errors.add(Golden.compare("wav", wav, g.tensor("code2wav.wav")));
            Golden.assertAllClose(errors, REL_TOL, "code2wav (" + impl + ")");
        }
    }

    @Test
    void chunkedDecodeMatchesTransformersAndStreamingConcatenatesToItExactly() {
        try (Golden g = Golden.open(OmniFixture.FULL); WeightSource w = SafeTensorsSource.open(OmniFixture.checkpoint(OmniFixture.FULL));
             ThreadPool pool = ThreadPool.create(2)) {
            Qwen3OmniCode2Wav c2w = load(w, Ops.vector(pool));
            int[][] codes = codes(g, "code2wav.codes");
            float[] chunked = c2w.chunkedDecode(codes, 4, 2);
            Golden.assertAllClose(List.of(Golden.compare("chunked_wav", chunked, g.tensor("code2wav.chunked_wav"))), REL_TOL,
                    "code2wav chunked_decode(chunk_size=4, left_context_size=2)");

            Code2WavStream stream = c2w.stream(4, 2);
            List<Integer> chunkLengths = new ArrayList<>();
            float[] streamed = new float[0];
            int[] frame = new int[codes.length];
            for (int t = 0; t < codes[0].length; t++) {
                for (int q = 0; q < codes.length; q++) {
                    frame[q] = codes[q][t];
                }
                float[] part = stream.push(frame);
                if (part.length > 0) {
                    chunkLengths.add(part.length);
                    streamed = concat(streamed, part);
                }
            }
            float[] last = stream.flush();
            chunkLengths.add(last.length);
            streamed = concat(streamed, last);
            int perFrame = c2w.config().samplesPerFrame();
            // chunks of 4, 4 and 2 frames: each n·1920 − 555 samples, the first two out before the stream ends
            assertEquals(List.of(4 * perFrame - 555, 4 * perFrame - 555, 2 * perFrame - 555), chunkLengths);
            assertArrayEquals(chunked, streamed, "streamed chunks differ from the chunked decode");
        }
    }

    @Test
    void defaultChunkingIsTheReferencesAndAStreamLongerThanItsBufferStaysExact() {
        try (Golden g = Golden.open(OmniFixture.FULL); WeightSource w = SafeTensorsSource.open(OmniFixture.checkpoint(OmniFixture.FULL));
             ThreadPool pool = ThreadPool.create(2)) {
            Qwen3OmniCode2Wav c2w = load(w, Ops.vector(pool));
            Code2WavStream defaults = c2w.stream();
            assertEquals(300, defaults.chunkSize());
            assertEquals(25, defaults.leftContext());
            // 10 frames in one default chunk: generate's waveform is forward() of all frames
            int[][] codes = codes(g, "code2wav.codes");
            assertArrayEquals(c2w.decode(codes), c2w.chunkedDecode(codes, 300, 25));
            // 37 frames in chunks of 3 with 5 frames of context: the stream's buffer is compacted many times
            int[][] longer = new int[codes.length][37];
            for (int q = 0; q < codes.length; q++) {
                for (int t = 0; t < 37; t++) {
                    longer[q][t] = codes[q][(t * 7 + q) % codes[q].length];
                }
            }
            Code2WavStream stream = c2w.stream(3, 5);
            float[] streamed = new float[0];
            int[] frame = new int[codes.length];
            for (int t = 0; t < 37; t++) {
                for (int q = 0; q < codes.length; q++) {
                    frame[q] = longer[q][t];
                }
                streamed = concat(streamed, stream.push(frame));
            }
            streamed = concat(streamed, stream.flush());
            assertArrayEquals(c2w.chunkedDecode(longer, 3, 5), streamed);
        }
    }

    /** {@code generate}'s waveform is {@code chunked_decode(codes, 300, 25)} of the talker's codes (e2e goldens). */
    @Test
    void generatesWaveformIsTheDefaultChunkedDecodeOfTheTalkersCodes() {
        try (Golden g = Golden.open(OmniFixture.FULL); WeightSource w = SafeTensorsSource.open(OmniFixture.checkpoint(OmniFixture.FULL));
             ThreadPool pool = ThreadPool.create(2)) {
            Qwen3OmniCode2Wav c2w = load(w, Ops.vector(pool));
            int[][] codes = codes(g, "e2e.talker_codes");
            float[] wav = c2w.chunkedDecode(codes, Code2WavStream.DEFAULT_CHUNK_SIZE, Code2WavStream.DEFAULT_LEFT_CONTEXT);
            Golden.assertAllClose(List.of(Golden.compare("e2e.wav", wav, g.tensor("e2e.wav"))), REL_TOL, "code2wav of generate's codes");
        }
    }

    @Test
    void openReadsTheCheckpointFolderAndAThinkerOnlyOneHasNone() {
        try (Golden g = Golden.open(OmniFixture.FULL); Qwen3OmniCode2Wav c2w = Qwen3OmniCode2Wav.open(OmniFixture.checkpoint(OmniFixture.FULL), 2)) {
            Golden.assertAllClose(List.of(Golden.compare("wav", c2w.decode(codes(g, "code2wav.codes")), g.tensor("code2wav.wav"))), REL_TOL,
                    "code2wav opened from the folder");
        }
        String message = assertThrows(io.qwen4j.common.ModelFileException.class,
                () -> Qwen3OmniCode2Wav.open(OmniFixture.checkpoint(OmniFixture.THINKER_ONLY), 1)).getMessage();
        assertTrue(message.contains("code2wav") && message.lines().count() == 1, message);
    }

    @Test
    void badCodesAreRefused() {
        try (WeightSource w = SafeTensorsSource.open(OmniFixture.checkpoint(OmniFixture.FULL))) {
            Qwen3OmniCode2Wav c2w = load(w, Ops.scalar());
            int q = c2w.config().quantizers();
            int[][] outside = new int[q][3];
            outside[1][2] = c2w.config().codebookSize();
            assertTrue(assertThrows(InvalidInputException.class, () -> c2w.decode(outside)).getMessage().contains("outside the codebook"));
            assertThrows(InvalidInputException.class, () -> c2w.decode(new int[q - 1][3]));
            assertThrows(InvalidInputException.class, () -> c2w.stream(4, 2).push(new int[q + 1]));
            assertThrows(InvalidInputException.class, () -> c2w.stream(0, 2));
        }
    }

    private static float[] concat(float[] a, float[] b) {
        float[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
