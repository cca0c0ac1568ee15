package io.qwen4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The audio encoder against transformers on the tiny Omni checkpoint: the conv stem, every layer and the
 * output, for a 5.6 s clip (six chunks, the last one zero-padded, two attention windows).
 */
class Qwen3OmniAudioEncoderGoldenTest {
    /** fp32 on both sides from bf16 weights; observed about 1e-6 of max|ref| (see the assertion message). */
    private static final double REL_TOL = 2e-5;

    @ParameterizedTest
    @CsvSource({"qwen3-omni-tiny, vector", "qwen3-omni-thinker-tiny, vector", "qwen3-omni-tiny, scalar"})
    void everyStageMatchesTransformers(String checkpoint, String impl) {
        try (Golden g = Golden.open(OmniFixture.FULL); WeightSource w = SafeTensorsSource.open(OmniFixture.checkpoint(checkpoint));
             ThreadPool pool = ThreadPool.create(2)) {
            Ops ops = impl.equals("scalar") ? Ops.scalar() : Ops.vector(pool);
            Qwen3OmniAudioEncoder encoder = Qwen3OmniAudioEncoder.load(w,
                    OmniFixture.section(OmniFixture.thinkerConfig(checkpoint), "audio_config"), "thinker.audio_tower.", ops);
            float[][] mel = OmniFixture.mel(g);
            Map<String, float[]> taps = new LinkedHashMap<>();
            FloatMatrix out = encoder.encode(mel, (name, value) -> taps.put(name, Golden.rows(value)));

            assertEquals(g.shape("audio.encoder_output")[0], out.rows(), "audio tokens");
            assertEquals(out.rows(), encoder.outputLength(mel[0].length));
            List<Golden.Error> errors = new ArrayList<>();
            errors.add(Golden.compare("conv_out", taps.get("conv_out"), g.tensor("audio.conv_out")));
            errors.add(Golden.compare("hidden_states.0", taps.get("inp_embd"), g.tensor("audio.hidden_states.0")));
            int layers = encoder.config().layers();
            for (int l = 0; l < layers; l++) {
                String tap = "blk." + l + ".l_out";
                assertTrue(taps.containsKey(tap), "the encoder never reported " + tap);
                errors.add(Golden.compare("hidden_states." + (l + 1), taps.get(tap), g.tensor("audio.hidden_states." + (l + 1))));
            }
            errors.add(Golden.compare("encoder_output", Golden.rows(out), g.tensor("audio.encoder_output")));
            Golden.assertAllClose(errors, REL_TOL, "audio encoder (" + checkpoint + ", " + impl + ")");
        }
    }

    @Test
    void clipsEncodedTogetherArePaddedToTheLongestChunk() {
        try (Golden g = Golden.open(OmniFixture.FULL); WeightSource w = SafeTensorsSource.open(OmniFixture.checkpoint(OmniFixture.FULL));
             ThreadPool pool = ThreadPool.create(2)) {
            Qwen3OmniAudioEncoder encoder = Qwen3OmniAudioEncoder.load(w,
                    OmniFixture.section(OmniFixture.thinkerConfig(OmniFixture.FULL), "audio_config"), "thinker.audio_tower.", Ops.vector(pool));
            float[][] mel = OmniFixture.mel(g);
            int[] lens = g.ints("audio.batch.feature_lens");
            assertEquals(mel[0].length, lens[0]);
            float[][] head = new float[mel.length][];
            for (int f = 0; f < mel.length; f++) {
                head[f] = Arrays.copyOf(mel[f], lens[1]);
            }
            FloatMatrix both = encoder.encode(List.of(mel, head));
            float[] expected = g.tensor("audio.batch.encoder_output");
            Golden.assertAllClose(List.of(Golden.compare("batch.encoder_output", Golden.rows(both), expected)), REL_TOL, "two clips");
            // alone, the short clip is not padded to 100 frames and its last frame differs
            FloatMatrix alone = encoder.encode(head);
            float[] tail = Arrays.copyOfRange(expected, expected.length - alone.rows() * alone.cols(), expected.length);
            assertTrue(Golden.compare("alone", Golden.rows(alone), tail).relToMax() > 1e-4, "the padding made no difference");
        }
    }
}
