package io.qwen4j.models;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.formats.ConfigJson;
import io.qwen4j.tensor.FloatMatrix;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The tiny Qwen3-Omni fixtures of tools/golden/make_tiny_omni.py: {@code qwen3-omni-tiny} (full model, its
 * goldens) and {@code qwen3-omni-thinker-tiny} (the same thinker without talker), read as the tests need them.
 */
final class OmniFixture {
    static final String FULL = "qwen3-omni-tiny";
    static final String THINKER_ONLY = "qwen3-omni-thinker-tiny";

    private OmniFixture() {}

    static Path checkpoint(String name) {
        return Golden.root().resolve("golden").resolve(name);
    }

    static ConfigJson thinkerConfig(String checkpoint) {
        ConfigJson root = ConfigJson.read(checkpoint(checkpoint).resolve("config.json"));
        return root.section("thinker_config").orElseThrow(() -> new AssertionError(checkpoint + "/config.json has no thinker_config"));
    }

    static ConfigJson section(ConfigJson c, String name) {
        return c.section(name).orElseThrow(() -> new AssertionError(c.where() + " has no " + name));
    }

    /** The audio clip's log-mel features {@code [bins][frames]}, the valid frames only (feature_attention_mask). */
    static float[][] mel(Golden g) {
        long[] shape = g.shape("audio.input_features");
        int bins = (int) shape[1];
        int frames = (int) shape[2];
        float[] all = g.tensor("audio.input_features");
        int[] mask = g.ints("audio.feature_attention_mask");
        int valid = 0;
        for (int m : mask) {
            valid += m != 0 ? 1 : 0;
        }
        float[][] mel = new float[bins][valid];
        for (int f = 0; f < bins; f++) {
            int t = 0;
            for (int i = 0; i < frames; i++) {
                if (mask[i] != 0) {
                    mel[f][t++] = all[f * frames + i];
                }
            }
        }
        return mel;
    }

    static FloatMatrix matrix(Golden g, String name) {
        long[] shape = g.shape(name);
        float[] data = g.tensor(name);
        int cols = (int) shape[shape.length - 1];
        return new FloatMatrix(data, data.length / cols, cols);
    }

    /** Rows of an integer {@code [n, 3]} grid tensor. */
    static List<int[]> grids(Golden g, String name) {
        int[] flat = g.ints(name);
        assertTrue(flat.length % 3 == 0, name + " is not [n, 3]");
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < flat.length; i += 3) {
            out.add(new int[] {flat[i], flat[i + 1], flat[i + 2]});
        }
        return out;
    }
}
