package io.qwen4j.engine;

import io.qwen4j.common.Qwen4jException;
import io.qwen4j.tokenizer.chat.ToolCall;

/**
 * Receives an answer as it is generated. Called on the engine thread: return quickly, never block.
 * Every method but {@link #onFinish} has an empty default.
 */
public interface ChatListener {
    /** Text of the model's reasoning (inside {@code <think>}). */
    default void onReasoning(String delta) {}

    /** Text of the answer. */
    default void onContent(String delta) {}

    /** A complete tool call, numbered from 0 in the order the model made them. */
    default void onToolCall(int index, ToolCall call) {}

    /** Every generated token with the text it added (for log-probabilities). */
    default void onToken(TokenEvent token, String text) {}

    /** The request failed; {@link #onFinish} follows. */
    default void onError(Qwen4jException error) {}

    /** The answer is complete; called exactly once. */
    void onFinish(ChatResult result);
}
