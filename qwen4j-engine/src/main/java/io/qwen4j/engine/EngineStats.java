package io.qwen4j.engine;

/**
 * Counters and gauges of an engine, for metrics.
 *
 * @param requestsFinished   requests ended, by any reason
 * @param promptTokens       prompt tokens received
 * @param cachedPromptTokens prompt tokens served from the prefix cache
 * @param generatedTokens    tokens generated
 * @param running            sequences being processed now
 * @param waiting            requests queued for a slot
 * @param forwardPasses      forward passes run
 */
public record EngineStats(long requestsFinished, long promptTokens, long cachedPromptTokens, long generatedTokens,
                          int running, int waiting, long forwardPasses) {}
