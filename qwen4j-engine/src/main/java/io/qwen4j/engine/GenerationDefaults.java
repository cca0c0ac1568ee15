package io.qwen4j.engine;

import io.qwen4j.formats.ConfigJson;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Sampling defaults of a checkpoint, from its {@code generation_config.json} with transformers'
 * semantics: {@code do_sample: false} means greedy whatever the temperature, and a sampling config
 * without {@code top_k} gets transformers' default of 50. A checkpoint without the file (e.g. a GGUF)
 * gets the caller's fallback: llama.cpp's defaults for conversations, transformers' (greedy) for checks.
 */
public record GenerationDefaults(boolean doSample, float temperature, int topK, float topP, float minP, float repetitionPenalty) {
    /** llama.cpp's sampling defaults, for checkpoints that carry none. */
    public static final GenerationDefaults LLAMA_CPP = new GenerationDefaults(true, 0.8f, 40, 0.95f, 0.05f, 1f);

    /** transformers' {@code GenerationConfig()} without a file: greedy. */
    public static final GenerationDefaults TRANSFORMERS = new GenerationDefaults(false, 1f, 50, 1f, 0f, 1f);

    /** A model folder's {@code generation_config.json}, else llama.cpp's defaults (for conversations). */
    public static GenerationDefaults forModel(Path model) {
        return forModel(model, LLAMA_CPP);
    }

    /**
     * A model folder's {@code generation_config.json}, else {@code fallback}. A GGUF file has none: a
     * generation_config.json beside it may belong to some other checkpoint.
     */
    public static GenerationDefaults forModel(Path model, GenerationDefaults fallback) {
        Path file = model.resolve("generation_config.json");
        if (!Files.isDirectory(model) || !Files.isRegularFile(file)) {
            return fallback;
        }
        return from(ConfigJson.read(file));
    }

    public static GenerationDefaults from(ConfigJson g) {
        return new GenerationDefaults(
                g.boolOr(false, "do_sample"),
                (float) g.doubleOr(1.0, "temperature"),
                g.intOr(50, "top_k"),
                (float) g.doubleOr(1.0, "top_p"),
                (float) g.doubleOr(0.0, "min_p"),
                (float) g.doubleOr(1.0, "repetition_penalty"));
    }

    /** A builder preset with these defaults; callers override what the user chose. */
    public SamplingParams.Builder toBuilder() {
        return SamplingParams.builder()
                .temperature(doSample ? temperature : 0f)
                .topK(topK).topP(topP).minP(minP).repetitionPenalty(repetitionPenalty);
    }
}
