package io.qwen4j.engine;

/**
 * A generated token, as soon as it is chosen.
 *
 * @param index       its index in the output (0 for the first)
 * @param logprob     its log-probability under the model's raw distribution (NaN unless requested)
 * @param topTokens   the most likely alternatives' ids, most likely first (empty unless requested)
 * @param topLogprobs their log-probabilities
 */
public record TokenEvent(int token, int index, float logprob, int[] topTokens, float[] topLogprobs) {}
