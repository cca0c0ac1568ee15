package io.qwen4j.tokenizer.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamingChatParserTest {
    /** Realistic Qwen3 outputs (thinking, answers, Hermes tool calls, near-tags, malformed calls). */
    static final List<String> OUTPUTS = List.of(
            "<think>\nThe user says hi.\nI should greet back.\n</think>\n\nHello! How can I help you today?",
            "<think>\n\n</think>\n\nParis.",
            "Plain answer, no thinking.\n\nSecond paragraph.\n",
            "<think>\nNeed the weather.\n</think>\n\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"unit\": \"celsius\"}}\n</tool_call>",
            "I'll check both.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Tokyo\"}}\n</tool_call>",
            "<tool_call>\n{\"name\": \"search\", \"arguments\": {\"query\": \"x\", \"top_k\": 3, \"threshold\": 0.5, \"nested\": {\"a\": [1, 2.0, null, true]}}}\n</tool_call>",
            "<tool_call>\n{\"name\": \"broken\", \"arguments\": {\"a\": }\n</tool_call>\nSorry.",
            "if a < b and b <thinking> or <tool_> then </think> stays text <",
            "Answer mentions <think> in the middle and <tool_call without closing",
            "<think>\nStill thinking when the tokens ran out\n",
            "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}",
            "   \n",
            "Ünïcödé 你好 🌍 <think>x</think>");

    private static List<ChatEvent> stream(List<String> deltas, boolean startInReasoning) {
        StreamingChatParser p = new StreamingChatParser(startInReasoning);
        List<ChatEvent> events = new ArrayList<>();
        for (String d : deltas) {
            events.addAll(p.feed(d));
        }
        events.addAll(p.finish());
        return events;
    }

    @Test
    void everySplitGivesTheWholeTextResult() {
        for (boolean startInReasoning : List.of(false, true)) {
            for (String text : OUTPUTS) {
                ChatOutput whole = ChatOutput.parse(text, startInReasoning);
                for (int i = 0; i <= text.length(); i++) {
                    List<ChatEvent> events = stream(List.of(text.substring(0, i), text.substring(i)), startInReasoning);
                    assertEquals(whole, ChatOutput.collect(events), "split at " + i + " of " + Fixtures.escape(text));
                }
                List<String> chars = new ArrayList<>();
                text.codePoints().forEach(cp -> chars.add(Character.toString(cp)));
                assertEquals(whole, ChatOutput.collect(stream(chars, startInReasoning)), "char by char: " + Fixtures.escape(text));
            }
        }
    }

    @Test
    void everyPairOfSplitsGivesTheWholeTextResult() {
        String text = OUTPUTS.get(4);
        ChatOutput whole = ChatOutput.parse(text);
        for (int i = 0; i <= text.length(); i++) {
            for (int j = i; j <= text.length(); j++) {
                List<ChatEvent> events = stream(List.of(text.substring(0, i), text.substring(i, j), text.substring(j)), false);
                assertEquals(whole, ChatOutput.collect(events), "splits at " + i + ", " + j);
            }
        }
    }

    @Test
    void noDeltaCarriesAPartialTag() {
        String text = OUTPUTS.get(3);
        StreamingChatParser p = new StreamingChatParser();
        for (int i = 0; i < text.length(); i++) {
            for (ChatEvent e : p.feed(text.substring(i, i + 1))) {
                String t = switch (e) {
                    case ChatEvent.ContentDelta c -> c.text();
                    case ChatEvent.ReasoningDelta r -> r.text();
                    default -> "";
                };
                assertFalse(t.contains("<") || t.contains(">"), "delta " + Fixtures.escape(t));
            }
        }
    }

    @Test
    void splitsThinkingFromTheAnswer() {
        ChatOutput out = ChatOutput.parse(OUTPUTS.get(0));
        assertEquals("The user says hi.\nI should greet back.", out.reasoning());
        assertEquals("Hello! How can I help you today?", out.content());
        assertTrue(out.toolCalls().isEmpty() && out.problems().isEmpty());
    }

    @Test
    void promptThatOpenedTheThinkBlock() {
        String prompt = "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n";
        assertTrue(StreamingChatParser.opensReasoning(prompt));
        StreamingChatParser p = StreamingChatParser.forPrompt(prompt);
        List<ChatEvent> events = new ArrayList<>(p.feed("Greet.\n</think>\n\nHi!"));
        events.addAll(p.finish());
        assertEquals(new ChatOutput("Greet.", "Hi!", List.of(), List.of()), ChatOutput.collect(events));
    }

    @Test
    void promptWithThinkingDisabled() {
        String prompt = "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n";
        assertFalse(StreamingChatParser.opensReasoning(prompt));
        ChatOutput out = ChatOutput.parse("Hi there!", StreamingChatParser.opensReasoning(prompt));
        assertEquals(new ChatOutput("", "Hi there!", List.of(), List.of()), out);
    }

    @Test
    void toolCallsAreParsedAndTheTextAroundThemKept() {
        ChatOutput out = ChatOutput.parse(OUTPUTS.get(4));
        assertEquals("I'll check both.", out.content());
        assertEquals(List.of(new ToolCall("get_weather", "{\"city\": \"Rome\"}"),
                new ToolCall("get_weather", "{\"city\": \"Tokyo\"}")), out.toolCalls());
        ChatOutput nested = ChatOutput.parse(OUTPUTS.get(5));
        assertEquals("{\"query\": \"x\", \"top_k\": 3, \"threshold\": 0.5, \"nested\": {\"a\": [1, 2.0, null, true]}}",
                nested.toolCalls().getFirst().arguments());
        assertEquals("", nested.content());
    }

    @Test
    void malformedToolCallIsKeptAsTextWithAProblem() {
        ChatOutput out = ChatOutput.parse(OUTPUTS.get(6));
        assertTrue(out.toolCalls().isEmpty());
        assertEquals("<tool_call>\n{\"name\": \"broken\", \"arguments\": {\"a\": }\n</tool_call>Sorry.", out.content());
        assertEquals(1, out.problems().size());
        assertTrue(out.problems().getFirst().startsWith("malformed tool call is not valid JSON"), out.problems().getFirst());
        assertFalse(out.problems().getFirst().contains("\n"));
    }

    @Test
    void nearTagsAndLateTagsAreText() {
        assertEquals(new ChatOutput("", OUTPUTS.get(7), List.of(), List.of()), ChatOutput.parse(OUTPUTS.get(7)));
        // <think> only opens reasoning at the start; "<tool_call" without '>' is no tag
        assertEquals(new ChatOutput("", OUTPUTS.get(8), List.of(), List.of()), ChatOutput.parse(OUTPUTS.get(8)));
        assertEquals(new ChatOutput(OUTPUTS.get(8), "", List.of(), List.of()), ChatOutput.parse(OUTPUTS.get(8), true));
    }

    @Test
    void unfinishedOutputs() {
        assertEquals(new ChatOutput("Still thinking when the tokens ran out", "", List.of(), List.of()),
                ChatOutput.parse(OUTPUTS.get(9)));
        assertEquals(List.of(new ToolCall("get_time", "{}")), ChatOutput.parse(OUTPUTS.get(10)).toolCalls());
    }

    @Test
    void feedAfterFinishIsAnError() {
        StreamingChatParser p = new StreamingChatParser();
        p.finish();
        assertEquals(List.of(), p.finish());
        assertThrows(IllegalStateException.class, () -> p.feed("x"));
    }
}
