package io.qwen4j.engine;

import io.qwen4j.common.InvalidInputException;
import io.qwen4j.core.PromptMedia;

/**
 * One generation: prompt ids, how many tokens at most, which ids stop it, how to sample, and whether
 * to report log-probabilities.
 *
 * @param stopTokenIds ids that end generation (the stop id itself is not part of the output)
 * @param logprobs     report the chosen token's log-probability
 * @param topLogprobs  also report this many most likely alternatives (0 to 20)
 * @param constraint   restricts the tokens that may be chosen ({@link TokenConstraint#NONE} for none)
 * @param media        the prompt's media, made by the model's {@code prepare} from these very ids
 *                     ({@link PromptMedia#NONE} for a text prompt)
 */
public record GenerationRequest(int[] promptIds, int maxTokens, int[] stopTokenIds, SamplingParams sampling,
                                boolean logprobs, int topLogprobs, TokenConstraint constraint, PromptMedia media) {
    public GenerationRequest {
        if (promptIds.length == 0) {
            throw new InvalidInputException("the prompt is empty: give at least one token");
        }
        if (maxTokens < 0) {
            throw new InvalidInputException("max tokens must be >= 0, got " + maxTokens);
        }
        if (topLogprobs < 0 || topLogprobs > 20) {
            throw new InvalidInputException("top_logprobs must be between 0 and 20, got " + topLogprobs);
        }
        promptIds = promptIds.clone();
        stopTokenIds = stopTokenIds.clone();
        if (!media.isEmpty() && !java.util.Arrays.equals(promptIds, media.prompt())) {
            throw new InvalidInputException("the prompt's media were prepared for other prompt ids");
        }
    }

    public GenerationRequest(int[] promptIds, int maxTokens, int[] stopTokenIds, SamplingParams sampling, boolean logprobs,
                             int topLogprobs, TokenConstraint constraint) {
        this(promptIds, maxTokens, stopTokenIds, sampling, logprobs, topLogprobs, constraint, PromptMedia.NONE);
    }

    public GenerationRequest(int[] promptIds, int maxTokens, int[] stopTokenIds, SamplingParams sampling) {
        this(promptIds, maxTokens, stopTokenIds, sampling, false, 0, TokenConstraint.NONE);
    }

    public GenerationRequest withConstraint(TokenConstraint c) {
        return new GenerationRequest(promptIds, maxTokens, stopTokenIds, sampling, logprobs, topLogprobs, c, media);
    }

    public GenerationRequest withLogprobs(boolean on, int top) {
        return new GenerationRequest(promptIds, maxTokens, stopTokenIds, sampling, on, top, constraint, media);
    }

    /** The same request with the prompt's media ({@code media.prompt()} must be these prompt ids). */
    public GenerationRequest withMedia(PromptMedia m) {
        return new GenerationRequest(promptIds, maxTokens, stopTokenIds, sampling, logprobs, topLogprobs, constraint, m);
    }
}
