package io.qwen4j.engine;

/**
 * What a generation produced and how long it took.
 *
 * @param tokenIds         generated ids (without the stop id)
 * @param finishReason     why it ended
 * @param promptTokens     prompt length
 * @param cachedTokens     prompt tokens whose KV came from the prefix cache (not recomputed)
 * @param queueNanos       time between submission and the start of its prefill
 * @param promptNanos      time from the start of its prefill to its first token
 * @param decodeNanos      time from the first token to the end
 */
public record GenerationResult(int[] tokenIds, FinishReason finishReason, int promptTokens, int cachedTokens,
                               long queueNanos, long promptNanos, long decodeNanos) {
    /** The finish reason as OpenAI names it ({@code stop}, {@code length}, ...). */
    public String stopReason() {
        return finishReason.openAiName();
    }

    /** Prompt tokens processed per second (cached ones excluded). */
    public double promptTokensPerSecond() {
        return promptNanos == 0 ? 0 : (promptTokens - cachedTokens) * 1e9 / promptNanos;
    }

    /** Generated tokens per second after the first (which costs the prefill). */
    public double decodeTokensPerSecond() {
        int decoded = Math.max(0, tokenIds.length - 1);
        return decodeNanos == 0 ? 0 : decoded * 1e9 / decodeNanos;
    }

    /** Time to first token, from submission. */
    public long timeToFirstTokenNanos() {
        return queueNanos + promptNanos;
    }
}
