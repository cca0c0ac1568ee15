package io.qwen4j.tokenizer.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.tokenizer.chat.jinja.PyJson;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The parser read backwards against the reference: each assistant turn that transformers rendered with
 * Qwen3's template (fixtures/chat/goldens.jsonl) must parse back into that message's reasoning, content
 * and tool calls, whole and streamed one character at a time.
 */
class ChatOutputRoundTripTest {
    private static final String HEADER = "<|im_start|>assistant\n";
    private static final String END = "<|im_end|>\n";

    @Test
    void renderedAssistantTurnsParseBackIntoTheirMessages() throws IOException {
        int checked = 0;
        int withCalls = 0;
        int withReasoning = 0;
        for (JsonNode g : ChatTemplateGoldenTest.goldens()) {
            if (!g.get("model").asText().equals("qwen3") || !g.has("prompt")) {
                continue;
            }
            String prompt = g.get("prompt").asText();
            List<String> blocks = assistantBlocks(prompt);
            List<JsonNode> assistants = new ArrayList<>();
            g.get("messages").forEach(m -> {
                if (m.get("role").asText().equals("assistant")) {
                    assistants.add(m);
                }
            });
            assertEquals(assistants.size(), blocks.size(), g.get("name").asText());
            for (int i = 0; i < blocks.size(); i++) {
                JsonNode m = assistants.get(i);
                String content = m.path("content").asText("");
                if (content.contains("<think>") || content.contains("</think>") || content.contains("<tool_call>")) {
                    continue; // the template rewrote or keeps these tags: no single expected split
                }
                String block = blocks.get(i);
                boolean thinks = block.startsWith("<think>\n");
                String reasoning = thinks && m.path("reasoning_content").isTextual()
                        ? m.get("reasoning_content").asText().replaceAll("^\\n+|\\n+$", "") : "";
                String expectedContent = thinks ? content.replaceFirst("^\\n+", "") : content;
                List<ToolCall> calls = new ArrayList<>();
                m.path("tool_calls").forEach(c -> {
                    JsonNode f = c.has("function") ? c.get("function") : c;
                    JsonNode args = f.get("arguments");
                    calls.add(new ToolCall(f.get("name").asText(),
                            args.isTextual() ? args.asText() : PyJson.dumps(Json.plain(args))));
                });
                ChatOutput expected = new ChatOutput(reasoning, expectedContent, calls, List.of());
                String where = g.get("name").asText() + " assistant turn " + i;
                assertEquals(expected, ChatOutput.parse(block), where);
                StreamingChatParser streaming = new StreamingChatParser();
                List<ChatEvent> events = new ArrayList<>();
                block.codePoints().forEach(cp -> events.addAll(streaming.feed(Character.toString(cp))));
                events.addAll(streaming.finish());
                assertEquals(expected, ChatOutput.collect(events), where + " (streamed)");
                checked++;
                withCalls += calls.isEmpty() ? 0 : 1;
                withReasoning += reasoning.isEmpty() ? 0 : 1;
            }
        }
        assertTrue(checked >= 10 && withCalls >= 3 && withReasoning >= 2,
                "too few turns checked: " + checked + ", with calls " + withCalls + ", with reasoning " + withReasoning);
    }

    /** The text of each rendered assistant turn, between its header and its end marker. */
    private static List<String> assistantBlocks(String prompt) {
        List<String> blocks = new ArrayList<>();
        for (int at = prompt.indexOf(HEADER); at >= 0; at = prompt.indexOf(HEADER, at + 1)) {
            int start = at + HEADER.length();
            int end = prompt.indexOf(END, start);
            if (end >= 0) { // the generation prompt's header has no end
                blocks.add(prompt.substring(start, end));
            }
        }
        return blocks;
    }
}
