package io.qwen4j.tokenizer.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwen4j.common.InvalidInputException;
import io.qwen4j.common.ModelFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading, the builder API (checked against transformers' goldens) and one-line errors. */
class ChatTemplateTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode golden(String name) throws IOException {
        return ChatTemplateGoldenTest.goldens().stream().filter(g -> g.get("name").asText().equals(name)).findFirst()
                .orElseThrow();
    }

    @Test
    void builderApiRendersLikeTheJsonMessages() throws IOException {
        JsonNode g = golden("tools_parallel_calls_consecutive_responses_multistep");
        JsonNode tools = g.get("kwargs").get("tools");
        List<ChatMessage> messages = List.of(
                ChatMessage.system("You are a helpful assistant."),
                ChatMessage.user("Compare the weather in Rome and Tokyo, then search for flights."),
                ChatMessage.builder("assistant").content("<think>\nTwo cities: call the tool twice.\n</think>\n\nI'll look both up.")
                        .toolCall("get_weather", JSON.readTree("{\"city\": \"Rome\"}"))
                        .toolCall("get_weather", JSON.readTree("{\"city\": \"Tokyo\", \"unit\": \"fahrenheit\"}")).build(),
                ChatMessage.tool("{\"city\": \"Rome\", \"temp_c\": 24}"),
                ChatMessage.tool("{\"city\": \"Tokyo\", \"temp_f\": 70}"),
                ChatMessage.builder("assistant").content("").reasoningContent("Now search.")
                        .toolCall("search", JSON.readTree("{\"query\": \"flights Rome Tokyo\", \"top_k\": 2, \"threshold\": 0.25, "
                                + "\"filters\": null, \"safe\": false}")).build(),
                ChatMessage.tool("[]"),
                ChatMessage.assistant("Rome is warmer; no flights found."));
        ChatTemplate template = ChatTemplate.load(Fixtures.chat().resolve("qwen3"));
        RenderOptions options = RenderOptions.builder().tools(List.of(tools.get(0), tools.get(1))).build();
        assertEquals(g.get("prompt").asText(), template.render(messages, options));
    }

    @Test
    void partsAndStringArguments() throws IOException {
        JsonNode g = golden("omni_style_parts");
        List<ChatMessage> messages = List.of(
                ChatMessage.builder("system").content(List.of(ContentPart.text("You are Qwen-Omni."))).build(),
                ChatMessage.user(List.of(ContentPart.image("cat.png"), ContentPart.audio("meow.wav"),
                        ContentPart.video("clip.mp4"), ContentPart.text("What do you see and hear?"))));
        ChatTemplate omni = ChatTemplate.load(Fixtures.chat().resolve("omni-style/chat_template.json"));
        assertEquals(g.get("prompt").asText(), omni.render(messages, RenderOptions.builder().addGenerationPrompt(true).build()));
        assertEquals(List.of(ContentPart.image("cat.png")), messages.get(1).parts().orElseThrow().subList(0, 1));

        JsonNode s = golden("tools_string_arguments_no_system");
        List<ChatMessage> withString = List.of(ChatMessage.user("Weather in Oslo?"),
                ChatMessage.builder("assistant").content("Let me check.")
                        .toolCall(new ToolCall("get_weather", "{\"city\":\"Oslo\"}")).build(),
                ChatMessage.tool("sunny, 3 °C"));
        JsonNode tools = s.get("kwargs").get("tools");
        RenderOptions options = RenderOptions.builder().addGenerationPrompt(true).enableThinking(false)
                .tools(List.of(tools.get(0), tools.get(1))).build();
        assertEquals(s.get("prompt").asText(), ChatTemplate.load(Fixtures.chat().resolve("qwen3")).render(withString, options));
    }

    @Test
    void loadsNamedTemplatesAndSpecialTokens() {
        ChatTemplate named = ChatTemplate.load(Fixtures.chat().resolve("named"));
        assertEquals(java.util.Set.of("default", "tool_use"), named.names());
        assertEquals("<|im_end|>", named.specialTokens().get("eos_token"));
        assertEquals("<user>Hi</user>", named.render(List.of(ChatMessage.user("Hi")),
                RenderOptions.builder().templateName("default").build()));
        InvalidInputException unknown = assertThrows(InvalidInputException.class,
                () -> named.render(List.of(ChatMessage.user("Hi")), RenderOptions.builder().templateName("nope").build()));
        assertTrue(unknown.getMessage().contains("no chat template named 'nope'"), unknown.getMessage());
        assertEquals("<s>", ChatTemplate.load(Fixtures.chat().resolve("features")).specialTokens().get("bos_token"));
        assertEquals(ChatTemplate.load(Fixtures.chat().resolve("qwen3")).text(),
                ChatTemplate.load(Fixtures.chat().resolve("qwen3/tokenizer_config.json")).text());
    }

    @Test
    void brokenTemplatesNameTheirSourceAndLine(@TempDir Path dir) throws IOException {
        Path config = dir.resolve("tokenizer_config.json");
        Files.writeString(config, JSON.writeValueAsString(Map.of("chat_template", "ok\n{% for m in messages %}\n{{ m.role ) }}\n{% endfor %}")));
        ModelFileException broken = assertThrows(ModelFileException.class, () -> ChatTemplate.load(dir));
        assertTrue(broken.getMessage().startsWith("chat template " + config + ", line 3: "), broken.getMessage());
        assertFalse(broken.getMessage().contains("\n"));

        InvalidInputException inline = assertThrows(InvalidInputException.class, () -> ChatTemplate.of("{% if %}"));
        assertTrue(inline.getMessage().startsWith("chat template <string>, line 1: "), inline.getMessage());

        assertThrows(ModelFileException.class, () -> ChatTemplate.load(dir.resolve("missing")));
        Path empty = Files.createDirectory(dir.resolve("empty"));
        ModelFileException none = assertThrows(ModelFileException.class, () -> ChatTemplate.load(empty));
        assertTrue(none.getMessage().startsWith("no chat template in "), none.getMessage());
    }

    @Test
    void refusalsAndFailuresAreInvalidInput() {
        ChatTemplate raise = ChatTemplate.load(Fixtures.chat().resolve("raise"));
        InvalidInputException refused = assertThrows(InvalidInputException.class,
                () -> raise.render(List.of(ChatMessage.user("a"), ChatMessage.user("b"))));
        assertEquals("chat template " + Fixtures.chat().resolve("raise/chat_template.jinja") + ", line 3 refused the "
                + "conversation: Conversation roles must alternate user/assistant/user/assistant/...", refused.getMessage());
        assertThrows(InvalidInputException.class, () -> raise.render(List.of()));
        InvalidInputException reserved = assertThrows(InvalidInputException.class, () -> raise.render(
                List.of(ChatMessage.user("a")), RenderOptions.builder().variable("messages", List.of()).build()));
        assertTrue(reserved.getMessage().contains("'messages'"), reserved.getMessage());
        InvalidInputException bad = assertThrows(InvalidInputException.class,
                () -> ChatMessage.fromJson(JSON.createObjectNode().put("content", "no role")));
        assertTrue(bad.getMessage().contains("role"));
    }
}
