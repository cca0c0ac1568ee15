package io.qwen4j.engine;

/**
 * What a generation produced and how long it took.
 *
 * @param tokenIds     generated ids (without the stop id)
 * @param stopReason   {@code stop} (a stop id), {@code length} (max tokens or context)
 * @param promptNanos  time to process the prompt (prefill and the first token's logits)
 * @param decodeNanos  time for the remaining tokens
 */
public record GenerationResult(int[] tokenIds, String stopReason, int promptTokens, long promptNanos, long decodeNanos) {
    /** Prompt tokens per second. */
    public double promptTokensPerSecond() {
        return promptNanos == 0 ? 0 : promptTokens * 1e9 / promptNanos;
    }

    /** Generated tokens per second after the first (which costs the prefill). */
    public double decodeTokensPerSecond() {
        int decoded = Math.max(0, tokenIds.length - 1);
        return decodeNanos == 0 ? 0 : decoded * 1e9 / decodeNanos;
    }
}
