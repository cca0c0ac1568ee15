package io.qwen4j.tokenizer.chat;

/** What {@link StreamingChatParser} reports as model output arrives. */
public sealed interface ChatEvent {
    /** More reasoning (the inside of {@code <think>...</think>}), without the tags. */
    record ReasoningDelta(String text) implements ChatEvent {
    }

    /** More answer text; never holds (part of) a {@code <think>} or {@code <tool_call>} tag the parser recognised. */
    record ContentDelta(String text) implements ChatEvent {
    }

    /** A {@code <tool_call>...</tool_call>} block, complete and well formed. */
    record ToolCallDone(ToolCall call) implements ChatEvent {
    }

    /**
     * Something that could not be understood (a malformed tool call): its text was reported as content,
     * and this says why.
     *
     * @param message one line, for logs and API warnings
     * @param text    the text in question, tags included
     */
    record ParseProblem(String message, String text) implements ChatEvent {
    }
}
