package io.qwen4j.models;

import io.qwen4j.tensor.ThreadPool;

/**
 * How to load a model.
 *
 * @param threads       compute threads (every core by default)
 * @param contextLength the longest sequence to allow, 0 for the model's own
 */
public record LoadOptions(int threads, int contextLength) {
    public LoadOptions {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        if (contextLength < 0) {
            throw new IllegalArgumentException("context length must not be negative, got " + contextLength);
        }
    }

    public static LoadOptions defaults() {
        return new LoadOptions(ThreadPool.defaultThreads(), 0);
    }

    public LoadOptions withThreads(int threads) {
        return new LoadOptions(threads, contextLength);
    }

    public LoadOptions withContextLength(int contextLength) {
        return new LoadOptions(threads, contextLength);
    }
}
