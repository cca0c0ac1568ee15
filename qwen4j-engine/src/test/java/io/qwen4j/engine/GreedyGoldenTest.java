package io.qwen4j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.core.CausalLm;
import io.qwen4j.formats.Json;
import io.qwen4j.models.Architectures;
import io.qwen4j.models.LoadOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Greedy continuations identical to transformers' {@code generate(do_sample=False)}. */
class GreedyGoldenTest {
    static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3-tied", "qwen3-untied-sharded", "qwen3-moe-e8k2-tied", "qwen3-moe-e6k3-mixed"})
    void greedyContinuationIsIdentical(String fixture) {
        Path dir = Path.of(System.getProperty("qwen4j.fixtures"), "golden", fixture);
        assertTrue(Files.isRegularFile(dir.resolve("golden.json")), "missing fixture " + dir);
        JsonNode meta = Json.read(dir.resolve("golden.json"));
        int[] expected = ints(meta.get("generated_ids"));
        int maxTokens = meta.get("args").get("gen_tokens").asInt();
        try (CausalLm model = Architectures.load(dir, LoadOptions.defaults().withThreads(2))) {
            GenerationResult r = new Generator(model).generate(new GenerationRequest(
                    ints(meta.get("prompt_ids")), maxTokens, model.info().eosTokenIds(), SamplingParams.greedy()));
            int[] actual = r.tokenIds();
            if ("stop".equals(r.stopReason())) {
                // transformers keeps the eos token in its output; qwen4j reports it as the stop reason
                actual = Arrays.copyOf(actual, actual.length + 1);
                actual[actual.length - 1] = expected[expected.length - 1];
            }
            assertArrayEquals(expected, actual, fixture + ": got " + Arrays.toString(r.tokenIds()));
            assertTrue(expected.length >= 16, "the fixture should continue for at least 16 tokens");
        }
    }
}
