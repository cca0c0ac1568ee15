package io.qwen4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.engine.ChatEngine;
import io.qwen4j.engine.EngineOptions;
import io.qwen4j.engine.GenerationDefaults;
import io.qwen4j.tokenizer.Tokenizer;
import io.qwen4j.tokenizer.chat.ChatOutput;
import io.qwen4j.tokenizer.chat.ChatTemplate;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Answers the random demo model cannot give by itself (it never closes a think block or decides to
 * call a tool in a handful of tokens), from a {@link ScriptedModel} behind the real engine, parser and
 * server: the message's and the stream's reasoning_content, content and tool_calls must be the chat
 * parser's reading of the scripted text ({@link ChatOutput}, checked against transformers' templates).
 */
class ScriptedAnswersTest {
    static final Path DEMO = Path.of(System.getProperty("qwen4j.demoModel"));

    static void withScript(String text, java.util.function.Consumer<TestServers.Reply[]> check) {
        Tokenizer tokenizer = Tokenizer.load(DEMO);
        int end = tokenizer.tokenId("<|im_end|>").orElseThrow();
        ChatEngine engine = new ChatEngine("scripted", new ScriptedModel(2048, 4096, tokenizer.encode(text), end), tokenizer,
                ChatTemplate.load(DEMO), GenerationDefaults.LLAMA_CPP, EngineOptions.defaults());
        OpenAiServer server = new OpenAiServer(engine, ServerOptions.defaults("scripted").withPort(0)).start();
        try {
            TestServers client = TestServers.client(server);
            String body = "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"temperature\": 0, \"max_tokens\": 200,"
                    + " \"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"parameters\": {\"type\": \"object\"}}}]";
            check.accept(new TestServers.Reply[] {client.post("/v1/chat/completions", body + "}"),
                    client.post("/v1/chat/completions", body + ", \"stream\": true}")});
        } finally {
            server.close();
            engine.close();
        }
    }

    /** What the stream's deltas add up to: reasoning, content, and the tool calls' functions. */
    static List<String> streamed(TestServers.Reply reply) {
        StringBuilder reasoning = new StringBuilder();
        StringBuilder content = new StringBuilder();
        List<String> calls = new ArrayList<>();
        for (String e : reply.events()) {
            if (e.equals("[DONE]")) {
                continue;
            }
            JsonNode d = TestServers.parse(e).get("choices").get(0).get("delta");
            reasoning.append(d.path("reasoning_content").asText(""));
            content.append(d.path("content").asText(""));
            d.path("tool_calls").forEach(c -> calls.add(c.get("function").toString()));
        }
        List<String> out = new ArrayList<>(List.of(reasoning.toString(), content.toString()));
        out.addAll(calls);
        return out;
    }

    @Test
    void reasoningIsReportedApartFromTheAnswer() {
        String text = "<think>\nThe user greets me; greet back.\n</think>\n\nHello there!";
        ChatOutput expected = ChatOutput.parse(text);
        withScript(text, replies -> {
            JsonNode m = replies[0].json().get("choices").get(0).get("message");
            assertFalse(expected.reasoning().isEmpty());
            assertEquals(expected.reasoning(), m.get("reasoning_content").asText());
            assertEquals(expected.content(), m.get("content").asText());
            assertEquals("stop", replies[0].json().get("choices").get(0).get("finish_reason").asText());
            assertEquals(List.of(expected.reasoning(), expected.content()), streamed(replies[1]));
        });
    }

    @Test
    void aToolCallTheModelChoosesIsReportedAsToolCalls() {
        String text = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";
        ChatOutput expected = ChatOutput.parse(text);
        withScript(text, replies -> {
            JsonNode c = replies[0].json().get("choices").get(0);
            assertEquals("tool_calls", c.get("finish_reason").asText());
            assertEquals(1, expected.toolCalls().size());
            JsonNode call = c.get("message").get("tool_calls").get(0);
            assertEquals(expected.toolCalls().getFirst().name(), call.get("function").get("name").asText());
            assertEquals(expected.toolCalls().getFirst().arguments(), call.get("function").get("arguments").asText());
            assertEquals(true, c.get("message").get("content").isNull());
            ObjectNode function = TestServers.JSON.createObjectNode();
            function.put("name", expected.toolCalls().getFirst().name());
            function.put("arguments", expected.toolCalls().getFirst().arguments());
            assertEquals(List.of("", "", function.toString()), streamed(replies[1]));
        });
    }
}
