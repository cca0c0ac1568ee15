package io.qwen4j.tokenizer.chat;

import java.util.ArrayList;
import java.util.List;

/**
 * A whole model answer split into reasoning, answer text and tool calls (Qwen3 / Hermes format:
 * {@code <think>...</think>} then text and {@code <tool_call>\n{"name": ..., "arguments": {...}}\n</tool_call>}
 * blocks). Malformed tool calls stay in {@code content} and are described in {@code problems}; parsing never throws.
 *
 * @param reasoning the reasoning, without tags and surrounding newlines; empty when there is none
 * @param content   the answer, without the newlines that follow {@code </think>} and without tool-call blocks
 * @param toolCalls the well-formed tool calls, in order
 * @param problems  one line per malformed tool call
 */
public record ChatOutput(String reasoning, String content, List<ToolCall> toolCalls, List<String> problems) {
    public ChatOutput {
        toolCalls = List.copyOf(toolCalls);
        problems = List.copyOf(problems);
    }

    /** Parses output whose prompt did not leave a {@code <think>} block open. */
    public static ChatOutput parse(String text) {
        return parse(text, false);
    }

    /**
     * Parses a whole output; {@code startInReasoning} when the prompt ended inside an open think block
     * (see {@link StreamingChatParser#opensReasoning}). Gives what the streaming parser gives for the same text.
     */
    public static ChatOutput parse(String text, boolean startInReasoning) {
        StreamingChatParser parser = new StreamingChatParser(startInReasoning);
        List<ChatEvent> events = new ArrayList<>(parser.feed(text));
        events.addAll(parser.finish());
        return collect(events);
    }

    /** Joins streamed events into the whole answer. */
    public static ChatOutput collect(List<ChatEvent> events) {
        StringBuilder reasoning = new StringBuilder();
        StringBuilder content = new StringBuilder();
        List<ToolCall> calls = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (ChatEvent e : events) {
            switch (e) {
                case ChatEvent.ReasoningDelta r -> reasoning.append(r.text());
                case ChatEvent.ContentDelta c -> content.append(c.text());
                case ChatEvent.ToolCallDone t -> calls.add(t.call());
                case ChatEvent.ParseProblem p -> problems.add(p.message());
            }
        }
        return new ChatOutput(reasoning.toString(), content.toString(), calls, problems);
    }
}
