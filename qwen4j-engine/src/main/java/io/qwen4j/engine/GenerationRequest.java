package io.qwen4j.engine;

import io.qwen4j.common.InvalidInputException;

/**
 * A generation: prompt ids, how many tokens at most, which ids stop it, and how to sample.
 *
 * @param stopTokenIds ids that end generation (the stop id itself is not part of the output)
 */
public record GenerationRequest(int[] promptIds, int maxTokens, int[] stopTokenIds, SamplingParams sampling) {
    public GenerationRequest {
        if (promptIds.length == 0) {
            throw new InvalidInputException("the prompt is empty: give at least one token");
        }
        if (maxTokens < 0) {
            throw new InvalidInputException("max tokens must be >= 0, got " + maxTokens);
        }
        promptIds = promptIds.clone();
        stopTokenIds = stopTokenIds.clone();
    }
}
