package io.qwen4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.core.MRope;
import io.qwen4j.core.MropePositions;
import io.qwen4j.formats.ConfigJson;
import io.qwen4j.tensor.FloatMatrix;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * TM-RoPE against transformers: the 3-D position ids and rope delta of get_rope_index (exactly), and the
 * interleaved cos/sin tables of the thinker's rotary embedding, for a prompt with audio, an image and a
 * video, the same with the video's audio interleaved, and text only; plus the talker's prompt.
 */
class Qwen3OmniPositionsGoldenTest {

    /** The media of the golden prompts: one clip, one image, one video (the text prompt has none). */
    static MropePositions.Media media(Golden g, String prompt) {
        if (prompt.equals("text")) {
            return MropePositions.Media.none();
        }
        int frames = Arrays.stream(g.ints("audio.feature_attention_mask")).sum();
        return new MropePositions.Media(OmniFixture.grids(g, "image.grid_thw"), OmniFixture.grids(g, "video.grid_thw"),
                g.tensor("video.second_per_grid"), new int[] {frames}, prompt.equals("aiv"));
    }

    static void assertPlanEquals(Golden g, String prefix, MropePositions.Plan plan, String deltaName) {
        float[] expected = g.tensor(prefix + "position_ids"); // [3, 1, L]
        int n = plan.length();
        assertEquals(expected.length, 3 * n, "positions");
        float[][] actual = {plan.t(), plan.h(), plan.w()};
        for (int axis = 0; axis < 3; axis++) {
            assertArrayEquals(Arrays.copyOfRange(expected, axis * n, (axis + 1) * n), actual[axis], 0f, prefix + " axis " + "thw".charAt(axis));
        }
        assertEquals(g.tensor(deltaName)[0], plan.ropeDelta(), 0f, prefix + " rope delta");
    }

    @ParameterizedTest
    @ValueSource(strings = {"mm", "aiv", "text"})
    void thinkerPositionIdsAreExact(String prompt) {
        try (Golden g = Golden.open(OmniFixture.FULL)) {
            MropePositions planner = MropePositions.fromThinkerConfig(OmniFixture.thinkerConfig(OmniFixture.FULL));
            String prefix = "thinker." + prompt + ".";
            MropePositions.Plan plan = planner.plan(g.ints(prefix + "input_ids"), media(g, prompt));
            assertPlanEquals(g, prefix, plan, prefix + "rope_deltas");
            if (!prompt.equals("text")) {
                assertTrue(plan.ropeDelta() != 0, "a media prompt whose positions are not 0..L-1");
            }
        }
    }

    @Test
    void talkerPromptPositionIdsAreExact() {
        // The talker plans its prompt (user turn + 9 tts_pad rows) with the same algorithm and token ids; HF 5.18
        // needs the thinker's audio_config there (reference-harness.md §5.5), i.e. n_window 50.
        try (Golden g = Golden.open(OmniFixture.FULL)) {
            MropePositions planner = MropePositions.fromThinkerConfig(OmniFixture.thinkerConfig(OmniFixture.FULL));
            MropePositions.Media media = media(g, "mm");
            MropePositions.Plan plan = planner.plan(g.ints("e2e.talker_input_ids"), media);
            assertPlanEquals(g, "e2e.talker_", plan, "e2e.talker_rope_deltas");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mm", "aiv", "text"})
    void interleavedRopeTablesMatch(String prompt) {
        try (Golden g = Golden.open(OmniFixture.FULL)) {
            ConfigJson text = OmniFixture.section(OmniFixture.thinkerConfig(OmniFixture.FULL), "text_config");
            ConfigJson rope = OmniFixture.section(text, "rope_parameters");
            MRope mrope = new MRope(text.requireInt("head_dim"), rope.requireDouble("rope_theta"), rope.intList("mrope_section"));
            String prefix = "thinker." + prompt + ".";
            float[] p = g.tensor(prefix + "position_ids");
            int n = p.length / 3;
            FloatMatrix cos = new FloatMatrix(n, mrope.half());
            FloatMatrix sin = new FloatMatrix(n, mrope.half());
            mrope.table(Arrays.copyOfRange(p, 0, n), Arrays.copyOfRange(p, n, 2 * n), Arrays.copyOfRange(p, 2 * n, 3 * n), cos, sin);
            // float32 angles are the same products on both sides; cos/sin of them differ by at most an ulp or so
            List<Golden.Error> errors = List.of(Golden.compare("cos", Golden.rows(cos), g.tensor(prefix + "rope_cos")),
                    Golden.compare("sin", Golden.rows(sin), g.tensor(prefix + "rope_sin")));
            Golden.assertAllClose(errors, 1e-6, prompt + " TM-RoPE tables");
        }
    }
}
