package io.qwen4j.engine;

/**
 * Restricts which tokens may come next (constrained decoding, e.g. JSON schemas): before each draw it
 * masks the logits of forbidden tokens to -∞, and it is told every token chosen. One instance per
 * sequence; called on the engine thread.
 */
public interface TokenConstraint {
    /** No restriction. */
    TokenConstraint NONE = new TokenConstraint() {
        @Override
        public void mask(float[] logits, int off, int vocab) {}

        @Override
        public void accept(int token) {}
    };

    /** Sets the logits of every token that may not come next to {@link Float#NEGATIVE_INFINITY}. */
    void mask(float[] logits, int off, int vocab);

    /** The token chosen (always one the mask allowed). */
    void accept(int token);

    /** True when the constraint is satisfied and only an end-of-sequence token may follow. */
    default boolean complete() {
        return false;
    }
}
