package io.qwen4j.engine;

/**
 * Scheduler limits.
 *
 * @param maxSequences       sequences decoded together in one forward pass
 * @param maxBatchTokens     tokens per forward pass (decode rows plus prefill chunks): prompts longer
 *                           than this are prefilled in chunks between decode steps
 * @param maxQueued          requests waiting for a slot; more are refused (HTTP 429)
 * @param kvTokenBudget      prompt + max-token positions that may be reserved at once across running
 *                           sequences (0: derived from the heap size)
 * @param prefixCacheTokens  positions of finished sequences kept for reuse by later prompts that share
 *                           their prefix (a conversation's next turn); 0 turns the prefix cache off
 */
public record EngineOptions(int maxSequences, int maxBatchTokens, int maxQueued, long kvTokenBudget, long prefixCacheTokens) {
    public EngineOptions {
        if (maxSequences < 1 || maxBatchTokens < 1 || maxQueued < 0 || kvTokenBudget < 0 || prefixCacheTokens < 0) {
            throw new IllegalArgumentException("invalid engine options: " + maxSequences + ", " + maxBatchTokens + ", "
                    + maxQueued + ", " + kvTokenBudget + ", " + prefixCacheTokens);
        }
    }

    /** Serving defaults: 8 sequences, 512 tokens per pass, 64 queued, budgets from the heap. */
    public static EngineOptions defaults() {
        return new EngineOptions(8, 512, 64, 0, 0);
    }

    /** One sequence at a time, no prefix cache: a plain generation loop. */
    public static EngineOptions single() {
        return new EngineOptions(1, 512, 1, 0, 0);
    }

    public EngineOptions withMaxSequences(int n) {
        return new EngineOptions(n, maxBatchTokens, maxQueued, kvTokenBudget, prefixCacheTokens);
    }

    public EngineOptions withMaxBatchTokens(int n) {
        return new EngineOptions(maxSequences, n, maxQueued, kvTokenBudget, prefixCacheTokens);
    }

    public EngineOptions withMaxQueued(int n) {
        return new EngineOptions(maxSequences, maxBatchTokens, n, kvTokenBudget, prefixCacheTokens);
    }

    public EngineOptions withKvTokenBudget(long n) {
        return new EngineOptions(maxSequences, maxBatchTokens, maxQueued, n, prefixCacheTokens);
    }

    public EngineOptions withPrefixCacheTokens(long n) {
        return new EngineOptions(maxSequences, maxBatchTokens, maxQueued, kvTokenBudget, n);
    }
}
