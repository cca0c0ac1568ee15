package io.qwen4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.formats.SafeTensorsSource;
import io.qwen4j.formats.WeightSource;
import io.qwen4j.tensor.Ops;
import io.qwen4j.tensor.ThreadPool;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The vision encoder against transformers on the tiny Omni checkpoint, for an image (a 4x6 patch grid: the
 * 8x8 position table is resampled to a non-square grid) and a video (2 temporal patches of a 2x4 grid, each
 * its own attention segment): position table, every block, the merger and the deepstack mergers.
 */
class Qwen3OmniVisionEncoderGoldenTest {
    /** fp32 on both sides from bf16 weights; observed about 1e-6 of max|ref| (see the assertion message). */
    private static final double REL_TOL = 2e-5;

    @ParameterizedTest
    @CsvSource({"image, qwen3-omni-tiny, vector", "video, qwen3-omni-tiny, vector", "image, qwen3-omni-thinker-tiny, vector",
            "video, qwen3-omni-tiny, scalar"})
    void everyStageMatchesTransformers(String input, String checkpoint, String impl) {
        try (Golden g = Golden.open(OmniFixture.FULL); WeightSource w = SafeTensorsSource.open(OmniFixture.checkpoint(checkpoint));
             ThreadPool pool = ThreadPool.create(2)) {
            Ops ops = impl.equals("scalar") ? Ops.scalar() : Ops.vector(pool);
            Qwen3OmniVisionEncoder encoder = Qwen3OmniVisionEncoder.load(w,
                    OmniFixture.section(OmniFixture.thinkerConfig(checkpoint), "vision_config"), "thinker.visual.", ops);
            List<int[]> grids = OmniFixture.grids(g, input + ".grid_thw");
            Map<String, float[]> taps = new LinkedHashMap<>();
            Qwen3OmniVisionEncoder.Output out = encoder.encode(OmniFixture.matrix(g, input + ".pixel_values"), grids,
                    (name, value) -> taps.put(name, Golden.rows(value)));

            assertEquals(g.shape(input + ".merged")[0], out.merged().rows(), "tokens");
            assertEquals(out.merged().rows(), encoder.tokens(grids.getFirst()));
            List<Golden.Error> errors = new ArrayList<>();
            errors.add(Golden.compare("pos_embeds", taps.get("pos_embd"), g.tensor(input + ".pos_embeds")));
            errors.add(Golden.compare("hidden_states.0", taps.get("inp_embd"), g.tensor(input + ".hidden_states.0")));
            for (int l = 0; l < encoder.config().depth(); l++) {
                String tap = "blk." + l + ".l_out";
                assertTrue(taps.containsKey(tap), "the encoder never reported " + tap);
                errors.add(Golden.compare("hidden_states." + (l + 1), taps.get(tap), g.tensor(input + ".hidden_states." + (l + 1))));
            }
            errors.add(Golden.compare("last_hidden_state", Golden.rows(out.lastHiddenState()), g.tensor(input + ".last_hidden_state")));
            assertEquals(encoder.config().deepstackIndexes().length, out.deepstack().size());
            for (int j = 0; j < out.deepstack().size(); j++) {
                errors.add(Golden.compare("deepstack." + j, Golden.rows(out.deepstack().get(j)), g.tensor(input + ".deepstack." + j)));
            }
            errors.add(Golden.compare("merged", Golden.rows(out.merged()), g.tensor(input + ".merged")));
            Golden.assertAllClose(errors, REL_TOL, input + " through the vision encoder (" + checkpoint + ", " + impl + ")");
        }
    }
}
