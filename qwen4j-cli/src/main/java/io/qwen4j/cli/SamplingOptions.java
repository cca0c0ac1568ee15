package io.qwen4j.cli;

import io.qwen4j.engine.GenerationDefaults;
import io.qwen4j.engine.SamplingParams;
import picocli.CommandLine.Option;

/** Sampling flags shared by the generating commands; unset flags take the checkpoint's defaults. */
final class SamplingOptions {
    @Option(names = "--temperature", paramLabel = "T", description = "Sampling temperature; 0 is greedy decoding. Default: the checkpoint's generation_config.json.")
    Float temperature;

    @Option(names = "--top-k", paramLabel = "K", description = "Keep the K most likely tokens (0: all).")
    Integer topK;

    @Option(names = "--top-p", paramLabel = "P", description = "Keep the most likely tokens whose probabilities sum to P (1: all).")
    Float topP;

    @Option(names = "--min-p", paramLabel = "P", description = "Drop tokens less likely than P times the most likely one (0: off).")
    Float minP;

    @Option(names = {"--repetition-penalty", "--repeat-penalty"}, paramLabel = "X", description = "Penalise tokens already in the prompt or output (1: off; transformers semantics).")
    Float repetitionPenalty;

    @Option(names = "--presence-penalty", paramLabel = "X", description = "Subtract X from the logit of every token already generated (OpenAI semantics, -2..2).")
    Float presencePenalty;

    @Option(names = "--frequency-penalty", paramLabel = "X", description = "Subtract X times its count from every generated token's logit (OpenAI semantics, -2..2).")
    Float frequencyPenalty;

    @Option(names = "--seed", paramLabel = "N", description = "Random seed, for reproducible sampling (default: random).")
    Long seed;

    SamplingParams resolve(GenerationDefaults defaults) {
        SamplingParams.Builder b = defaults.toBuilder();
        if (temperature != null) {
            b.temperature(temperature);
        }
        if (topK != null) {
            b.topK(topK);
        }
        if (topP != null) {
            b.topP(topP);
        }
        if (minP != null) {
            b.minP(minP);
        }
        if (repetitionPenalty != null) {
            b.repetitionPenalty(repetitionPenalty);
        }
        if (presencePenalty != null) {
            b.presencePenalty(presencePenalty);
        }
        if (frequencyPenalty != null) {
            b.frequencyPenalty(frequencyPenalty);
        }
        if (seed != null) {
            b.seed(seed);
        }
        return b.build();
    }
}
