package io.qwen4j.tokenizer.chat;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwen4j.common.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Renders every conversation of fixtures/chat/goldens.jsonl (made by tools/golden/make_chat_goldens.py
 * with transformers' apply_chat_template) and compares byte for byte; expected errors must be refused.
 */
class ChatTemplateGoldenTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static List<JsonNode> goldens() throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(Fixtures.chat().resolve("goldens.jsonl"))) {
            if (!line.isBlank()) {
                out.add(JSON.readTree(line));
            }
        }
        return out;
    }

    @Test
    void coversEnoughConversations() throws IOException {
        List<JsonNode> all = goldens();
        long qwen3 = all.stream().filter(g -> g.get("model").asText().equals("qwen3") && g.has("prompt")).count();
        assertTrue(qwen3 >= 20, "expected at least 20 rendered Qwen3 goldens, found " + qwen3);
    }

    @TestFactory
    Stream<DynamicTest> rendersLikeTransformers() throws IOException {
        Map<String, ChatTemplate> templates = new HashMap<>();
        return goldens().stream().map(g -> DynamicTest.dynamicTest(g.get("name").asText(), () -> {
            Path folder = Fixtures.chat().resolve(g.get("model").asText());
            ChatTemplate template = templates.computeIfAbsent(folder.toString(), k -> ChatTemplate.load(folder));
            List<ChatMessage> messages = new ArrayList<>();
            g.get("messages").forEach(m -> messages.add(ChatMessage.fromJson(m)));
            RenderOptions options = options(g.get("kwargs"));
            if (g.has("error")) {
                InvalidInputException e = assertThrows(InvalidInputException.class,
                        () -> template.render(messages, options), "transformers raised " + g.get("error").asText());
                String error = g.get("error").asText();
                if (error.startsWith("TemplateError: ")) { // raise_exception: its message is ours too
                    assertTrue(e.getMessage().contains(error.substring("TemplateError: ".length())), e.getMessage());
                }
                assertTrue(e.getMessage().startsWith("chat template " + template.source()), e.getMessage());
                return;
            }
            String expected = g.get("prompt").asText();
            String actual = template.render(messages, options);
            if (!expected.equals(actual)) {
                fail(Fixtures.diff(expected, actual));
            }
        }));
    }

    static RenderOptions options(JsonNode kwargs) {
        RenderOptions.Builder b = RenderOptions.builder();
        kwargs.properties().forEach(e -> {
            switch (e.getKey()) {
                case "add_generation_prompt" -> b.addGenerationPrompt(e.getValue().asBoolean());
                case "tools" -> {
                    List<JsonNode> tools = new ArrayList<>();
                    e.getValue().forEach(tools::add);
                    b.tools(tools);
                }
                case "enable_thinking" -> b.enableThinking(e.getValue().asBoolean());
                default -> b.variable(e.getKey(), e.getValue());
            }
        });
        return b.build();
    }
}
