package io.qwen4j.engine;

/** A submitted request: it can be cancelled from any thread (its KV cache is freed at the next step). */
public interface RequestHandle {
    long id();

    void cancel();
}
