package io.qwen4j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.common.InvalidInputException;
import io.qwen4j.formats.Json;
import io.qwen4j.formats.SafeTensorsFile;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The sampler's distributions against transformers' logits processors (fixtures/sampling). */
class SamplerTest {
    static final Path DIR = Path.of(System.getProperty("qwen4j.fixtures"), "sampling");

    static SamplingParams params(JsonNode c, long seed) {
        return SamplingParams.builder()
                .temperature((float) c.path("temperature").asDouble(1))
                .topK(c.path("top_k").asInt(0))
                .topP((float) c.path("top_p").asDouble(1))
                .minP((float) c.path("min_p").asDouble(0))
                .repetitionPenalty((float) c.path("repetition_penalty").asDouble(1))
                .presencePenalty((float) c.path("presence_penalty").asDouble(0))
                .frequencyPenalty((float) c.path("frequency_penalty").asDouble(0))
                .seed(seed).build();
    }

    static TokenHistory history(JsonNode meta) {
        int vocab = meta.get("vocab").asInt();
        TokenHistory h = new TokenHistory(vocab, meta.get("prompt_ids").valueStream().mapToInt(JsonNode::asInt).toArray());
        meta.get("generated_ids").forEach(id -> h.addGenerated(id.asInt()));
        return h;
    }

    @Test
    void distributionsMatchTransformers() {
        JsonNode meta = Json.read(DIR.resolve("sampling.json"));
        int vocab = meta.get("vocab").asInt();
        try (SafeTensorsFile f = SafeTensorsFile.open(DIR.resolve("sampling.safetensors"))) {
            for (int i = 0; i < meta.get("cases").size(); i++) {
                JsonNode c = meta.get("cases").get(i);
                float[] logits = f.weight("case" + i + ".logits").toFloatArray();
                float[] expected = f.weight("case" + i + ".probs").toFloatArray();
                float[] actual = new Sampler(params(c, 1)).distribution(logits, 0, vocab, history(meta));
                for (int t = 0; t < vocab; t++) {
                    assertEquals(expected[t] == 0, actual[t] == 0, "case " + c + ": token " + t + " kept by one side only");
                    assertEquals(expected[t], actual[t], 2e-6 + 1e-4 * expected[t], "case " + c + " token " + t);
                }
            }
        }
    }

    @Test
    void drawsFollowTheDistribution() {
        JsonNode meta = Json.read(DIR.resolve("sampling.json"));
        int vocab = meta.get("vocab").asInt();
        try (SafeTensorsFile f = SafeTensorsFile.open(DIR.resolve("sampling.safetensors"))) {
            JsonNode c = meta.get("cases").get(3); // temperature 0.6, top_k 20, top_p 0.95
            float[] logits = f.weight("case3.logits").toFloatArray();
            float[] expected = f.weight("case3.probs").toFloatArray();
            Sampler s = new Sampler(params(c, 42));
            int draws = 200_000;
            int[] counts = new int[vocab];
            for (int i = 0; i < draws; i++) {
                counts[s.sample(logits, 0, vocab, history(meta))]++;
            }
            for (int t = 0; t < vocab; t++) {
                double mean = expected[t] * draws;
                double sd = Math.sqrt(draws * expected[t] * (1 - expected[t]));
                assertTrue(Math.abs(counts[t] - mean) <= 5 * sd + 1, "token " + t + ": " + counts[t] + " draws, expected " + mean);
            }
        }
    }

    @Test
    void equalSeedsGiveEqualSequences() {
        float[] logits = new float[500];
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) r.nextGaussian();
        }
        int[] a = new int[50];
        int[] b = new int[50];
        int[] c = new int[50];
        Sampler sa = new Sampler(SamplingParams.builder().temperature(1).seed(7).build());
        Sampler sb = new Sampler(SamplingParams.builder().temperature(1).seed(7).build());
        Sampler sc = new Sampler(SamplingParams.builder().temperature(1).seed(8).build());
        for (int i = 0; i < 50; i++) {
            a[i] = sa.sample(logits, 0, 500, null);
            b[i] = sb.sample(logits, 0, 500, null);
            c[i] = sc.sample(logits, 0, 500, null);
        }
        assertArrayEquals(a, b);
        assertNotEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(c));
    }

    @Test
    void greedyTakesTheFirstMaximum() {
        float[] logits = {0f, 3f, 1f, 3f};
        assertEquals(1, new Sampler(SamplingParams.greedy()).sample(logits, 0, 4, null));
        float[] nan = {Float.NaN, -1f, -2f};
        assertEquals(1, Sampler.argmax(nan, 0, 3));
    }

    @Test
    void invalidParametersAreRejectedWithTheirName() {
        assertTrue(assertThrows(InvalidInputException.class, () -> SamplingParams.builder().topP(0).build()).getMessage().contains("top_p"));
        assertTrue(assertThrows(InvalidInputException.class, () -> SamplingParams.builder().temperature(-1).build()).getMessage().contains("temperature"));
        assertTrue(assertThrows(InvalidInputException.class, () -> SamplingParams.builder().topK(-2).build()).getMessage().contains("top_k"));
    }
}
