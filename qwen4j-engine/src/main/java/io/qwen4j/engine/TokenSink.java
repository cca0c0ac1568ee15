package io.qwen4j.engine;

import io.qwen4j.common.Qwen4jException;

/**
 * Receives a request's output. Called on the engine thread: return quickly (hand work to another
 * thread if it is slow), never block.
 */
public interface TokenSink {
    /** A new token; return false to end the generation here (finish reason {@link FinishReason#STOP}). */
    boolean onToken(TokenEvent event);

    /** The generation ended; called exactly once per request, after its last token. */
    void onFinish(GenerationResult result);

    /** The request failed; {@link #onFinish} follows with {@link FinishReason#ERROR}. */
    default void onError(Qwen4jException error) {}
}
