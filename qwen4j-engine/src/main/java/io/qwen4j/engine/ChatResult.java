package io.qwen4j.engine;

import io.qwen4j.tokenizer.chat.ToolCall;
import java.util.List;

/**
 * A finished answer.
 *
 * @param reasoning    the text inside {@code <think>…</think>} (empty when none)
 * @param content      the answer
 * @param toolCalls    tool calls the model made
 * @param problems     what could not be parsed (e.g. a tool call with malformed JSON, kept in content)
 * @param finishReason OpenAI's names: {@code stop}, {@code length}, {@code tool_calls}, {@code cancelled}, {@code error}
 * @param generation   token-level figures: counts, cached prompt tokens, timings
 */
public record ChatResult(String reasoning, String content, List<ToolCall> toolCalls, List<String> problems,
                         String finishReason, GenerationResult generation) {
    public int promptTokens() {
        return generation.promptTokens();
    }

    public int completionTokens() {
        return generation.tokenIds().length;
    }
}
