package io.qwen4j.core;

import io.qwen4j.tensor.FloatMatrix;

/**
 * Named intermediates of a forward pass, after llama.cpp's {@code cb(cur, "attn_norm", il)}: a model
 * reports {@code inp_embd}, {@code blk.N.attn_norm}, …, {@code result_norm}. Production passes
 * {@link #NONE}; tests pass a recorder and name the first tap that diverges from the reference.
 */
@FunctionalInterface
public interface Taps {
    Taps NONE = (name, value) -> {};

    /** Called with a live buffer: copy it if it must outlive the call. */
    void record(String name, FloatMatrix value);

    default boolean enabled() {
        return this != NONE;
    }

    default void record(String name, int layer, FloatMatrix value) {
        if (enabled()) {
            record("blk." + layer + "." + name, value);
        }
    }
}
