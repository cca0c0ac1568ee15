package io.qwen4j.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import io.qwen4j.engine.ChatRequest;
import io.qwen4j.engine.ChatResult;
import io.qwen4j.engine.SamplingParams;
import io.qwen4j.tokenizer.chat.ChatMessage;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code /v1/chat/completions} through a real socket, checked against the engine answering the same
 * conversation in-process (greedy decoding is deterministic, so the HTTP answer must be the engine's own).
 */
class ChatCompletionsTest {
    static TestServers s;

    @BeforeAll
    static void start() {
        s = TestServers.start();
    }

    @AfterAll
    static void stop() {
        s.stop();
    }

    static ObjectNode request(String user, int maxTokens) {
        ObjectNode r = TestServers.parse("""
                {"model": "qwen4j-demo", "messages": [{"role": "system", "content": "You are terse."}, {"role": "user", "content": ""}],
                 "temperature": 0, "chat_template_kwargs": {"enable_thinking": false}}""");
        ((ObjectNode) r.get("messages").get(1)).put("content", user);
        r.put("max_tokens", maxTokens);
        return r;
    }

    static ChatResult reference(String user, int maxTokens) {
        ChatRequest r = ChatRequest.builder(List.of(ChatMessage.system("You are terse."), ChatMessage.user(user)), SamplingParams.greedy())
                .maxTokens(maxTokens).thinking(ChatRequest.Thinking.OFF).build();
        return s.engine.chat(r, x -> {});
    }

    @Test
    void theGreedyAnswerIsTheEnginesOwn() {
        JsonNode r = s.post("/v1/chat/completions", request("Tell me about Paris.", 24)).json();
        ChatResult ref = reference("Tell me about Paris.", 24);
        assertEquals("chat.completion", r.get("object").asText());
        assertTrue(r.get("id").asText().startsWith("chatcmpl-"));
        assertEquals(TestServers.MODEL, r.get("model").asText());
        JsonNode c = r.get("choices").get(0);
        assertEquals(0, c.get("index").asInt());
        assertEquals("assistant", c.get("message").get("role").asText());
        assertEquals(ref.content(), c.get("message").get("content").asText());
        assertEquals(ref.finishReason(), c.get("finish_reason").asText());
        assertEquals(ref.promptTokens(), r.get("usage").get("prompt_tokens").asInt());
        assertEquals(ref.completionTokens(), r.get("usage").get("completion_tokens").asInt());
        assertEquals(ref.promptTokens() + ref.completionTokens(), r.get("usage").get("total_tokens").asInt());
    }

    @Test
    void streamedChunksAreShapedLikeOpenAisAndAddUpToTheAnswer() {
        ObjectNode req = request("Stream this.", 30);
        JsonNode whole = s.post("/v1/chat/completions", req).json();
        req.put("stream", true);
        req.putObject("stream_options").put("include_usage", true);
        TestServers.Reply reply = s.post("/v1/chat/completions", req);
        assertEquals(200, reply.status());
        List<String> events = reply.events();
        assertEquals("[DONE]", events.getLast());
        List<JsonNode> chunks = events.subList(0, events.size() - 1).stream().map(TestServers::parse).map(JsonNode.class::cast).toList();
        JsonNode first = chunks.getFirst();
        assertEquals("chat.completion.chunk", first.get("object").asText());
        assertEquals("assistant", first.get("choices").get(0).get("delta").get("role").asText());
        StringBuilder content = new StringBuilder();
        String finish = null;
        for (JsonNode c : chunks.subList(0, chunks.size() - 1)) {
            assertEquals(first.get("id"), c.get("id"), "one id for every chunk");
            JsonNode choice = c.get("choices").get(0);
            content.append(choice.get("delta").path("content").asText(""));
            if (!choice.get("finish_reason").isNull()) {
                assertTrue(finish == null, "one finish_reason");
                finish = choice.get("finish_reason").asText();
            }
            assertTrue(c.get("usage").isNull());
        }
        JsonNode usage = chunks.getLast();
        assertEquals(0, usage.get("choices").size());
        assertEquals(whole.get("usage").get("completion_tokens"), usage.get("usage").get("completion_tokens"));
        assertEquals(whole.get("choices").get(0).get("message").get("content").asText(), content.toString());
        assertEquals(whole.get("choices").get(0).get("finish_reason").asText(), finish);
    }

    @Test
    void eightConcurrentRequestsAnswerAsEachDoesAlone() throws Exception {
        List<String> prompts = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            prompts.add("Question number " + i + (i % 2 == 0 ? " about the sea" : " about mountains and rivers and the long way home"));
        }
        List<String> alone = new ArrayList<>();
        for (String p : prompts) {
            alone.add(s.post("/v1/chat/completions", request(p, 40)).json().get("choices").get(0).get("message").get("content").asText());
        }
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<String>> together = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) {
                int k = i;
                together.add(pool.submit(() -> {
                    ObjectNode req = request(prompts.get(k), 40);
                    if (k % 2 == 1) { // half of them streamed
                        req.put("stream", true);
                        StringBuilder b = new StringBuilder();
                        for (String e : s.post("/v1/chat/completions", req).events()) {
                            if (!e.equals("[DONE]")) {
                                b.append(TestServers.parse(e).get("choices").get(0).get("delta").path("content").asText(""));
                            }
                        }
                        return b.toString();
                    }
                    return s.post("/v1/chat/completions", req).json().get("choices").get(0).get("message").get("content").asText();
                }));
            }
            for (int i = 0; i < prompts.size(); i++) {
                assertEquals(alone.get(i), together.get(i).get(), "request " + i);
            }
        }
    }

    @Test
    void logprobsDescribeEveryTokenAndAgreeBetweenStreamAndWhole() {
        ObjectNode req = request("Logprobs please.", 16);
        req.put("logprobs", true);
        req.put("top_logprobs", 3);
        JsonNode whole = s.post("/v1/chat/completions", req).json();
        JsonNode content = whole.get("choices").get(0).get("logprobs").get("content");
        ChatResult ref = reference("Logprobs please.", 16);
        assertEquals(ref.completionTokens(), content.size());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < content.size(); i++) {
            JsonNode e = content.get(i);
            assertArrayEquals(s.engine.tokenizer().tokenBytes(ref.generation().tokenIds()[i]), bytes(e.get("bytes")));
            bytes.writeBytes(bytes(e.get("bytes")));
            JsonNode top = e.get("top_logprobs");
            assertEquals(3, top.size());
            for (int k = 1; k < top.size(); k++) {
                assertTrue(top.get(k - 1).get("logprob").asDouble() >= top.get(k).get("logprob").asDouble());
            }
            // greedy: the chosen token is the most likely one
            assertEquals(top.get(0).get("logprob").asDouble(), e.get("logprob").asDouble(), 1e-6);
            assertTrue(e.get("logprob").asDouble() <= 0);
        }
        assertEquals(whole.get("choices").get(0).get("message").get("content").asText(), bytes.toString(java.nio.charset.StandardCharsets.UTF_8));
        req.put("stream", true);
        List<JsonNode> streamed = new ArrayList<>();
        for (String ev : s.post("/v1/chat/completions", req).events()) {
            if (!ev.equals("[DONE]")) {
                TestServers.parse(ev).get("choices").get(0).path("logprobs").path("content").forEach(streamed::add);
            }
        }
        assertEquals(List.of(content.elements()).size() > 0 ? toList(content) : List.of(), streamed);
    }

    private static List<JsonNode> toList(JsonNode array) {
        List<JsonNode> l = new ArrayList<>();
        array.forEach(l::add);
        return l;
    }

    private static byte[] bytes(JsonNode array) {
        byte[] b = new byte[array.size()];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) array.get(i).asInt();
        }
        return b;
    }

    @Test
    void nChoicesAreTheSingleAnswersOfConsecutiveSeeds() {
        ObjectNode req = request("Sample me.", 12);
        req.put("temperature", 1.0);
        req.put("n", 3);
        req.put("seed", 42);
        JsonNode many = s.post("/v1/chat/completions", req).json().get("choices");
        assertEquals(3, many.size());
        for (int i = 0; i < 3; i++) {
            ObjectNode one = request("Sample me.", 12);
            one.put("temperature", 1.0);
            one.put("seed", 42 + i);
            JsonNode single = s.post("/v1/chat/completions", one).json().get("choices").get(0);
            assertEquals(i, many.get(i).get("index").asInt());
            assertEquals(single.get("message").get("content"), many.get(i).get("message").get("content"), "choice " + i);
        }
        assertNotEquals(many.get(0).get("message").get("content"), many.get(1).get("message").get("content"));
    }

    @Test
    void aJsonSchemaResponseFormatAlwaysGivesValidJson() {
        String schema = """
                {"type": "object", "properties": {"city": {"type": "string", "maxLength": 10}, "days": {"type": "integer"},
                 "tags": {"type": "array", "items": {"enum": ["sun", "rain"]}, "maxItems": 3}}, "required": ["city", "days", "tags"],
                 "additionalProperties": false}""";
        var validator = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(TestServers.parse(schema));
        for (int seed = 0; seed < 6; seed++) {
            ObjectNode req = request("Weather as JSON.", 600);
            req.put("temperature", 1.0);
            req.put("seed", seed);
            ObjectNode rf = req.putObject("response_format");
            rf.put("type", "json_schema");
            rf.putObject("json_schema").put("name", "weather").set("schema", TestServers.parse(schema));
            if (seed % 2 == 1) {
                req.putObject("chat_template_kwargs").put("enable_thinking", true); // reasoning first, then the JSON
            }
            JsonNode c = s.post("/v1/chat/completions", req).json().get("choices").get(0);
            assertEquals("stop", c.get("finish_reason").asText(), c.toString());
            JsonNode answer = TestServers.parse(c.get("message").get("content").asText());
            assertEquals(java.util.Set.of(), validator.validate(answer), answer.toString());
        }
        ObjectNode obj = request("Any JSON object.", 600);
        obj.putObject("response_format").put("type", "json_object");
        JsonNode c = s.post("/v1/chat/completions", obj).json().get("choices").get(0);
        assertTrue(TestServers.parse(c.get("message").get("content").asText()).isObject());
    }

    @Test
    void aRequiredToolChoiceGivesToolCallsWithValidArgumentsWholeAndStreamed() {
        String tools = """
                [{"type": "function", "function": {"name": "get_weather", "description": "Weather of a city",
                  "parameters": {"type": "object", "properties": {"city": {"type": "string", "maxLength": 12},
                                 "unit": {"enum": ["c", "f"]}}, "required": ["city", "unit"]}}},
                 {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}}}]""";
        for (String choice : List.of("\"required\"", "{\"type\": \"function\", \"function\": {\"name\": \"get_weather\"}}")) {
            ObjectNode req = request("What is the weather in Paris?", 400);
            req.put("temperature", 1.0);
            req.put("seed", 3);
            req.set("tools", TestServers.parse("{\"t\": " + tools + "}").get("t"));
            req.set("tool_choice", TestServers.parse("{\"c\": " + choice + "}").get("c"));
            JsonNode c = s.post("/v1/chat/completions", req).json().get("choices").get(0);
            assertEquals("tool_calls", c.get("finish_reason").asText(), c.toString());
            JsonNode calls = c.get("message").get("tool_calls");
            assertTrue(calls.size() >= 1);
            for (JsonNode call : calls) {
                assertTrue(call.get("id").asText().startsWith("call_"));
                assertEquals("function", call.get("type").asText());
                JsonNode args = TestServers.parse(call.get("function").get("arguments").asText());
                if (call.get("function").get("name").asText().equals("get_weather")) {
                    assertTrue(args.get("city").isTextual() && java.util.Set.of("c", "f").contains(args.get("unit").asText()), args.toString());
                } else {
                    assertEquals("get_time", call.get("function").get("name").asText());
                    assertTrue(choice.equals("\"required\""));
                }
            }
            req.put("stream", true);
            List<JsonNode> streamedCalls = new ArrayList<>();
            for (String ev : s.post("/v1/chat/completions", req).events()) {
                if (!ev.equals("[DONE]")) {
                    JsonNode d = TestServers.parse(ev).get("choices").get(0).get("delta");
                    d.path("tool_calls").forEach(streamedCalls::add);
                }
            }
            assertEquals(calls.size(), streamedCalls.size());
            for (int i = 0; i < calls.size(); i++) {
                assertEquals(i, streamedCalls.get(i).get("index").asInt());
                assertEquals(calls.get(i).get("function"), streamedCalls.get(i).get("function"));
            }
        }
    }

    @Test
    void toolChoiceNoneRendersNoTools() {
        ObjectNode req = request("Hi", 8);
        req.set("tools", TestServers.parse("{\"t\": [{\"type\": \"function\", \"function\": {\"name\": \"f\"}}]}").get("t"));
        req.put("tool_choice", "none");
        JsonNode none = s.post("/v1/chat/completions", req).json();
        JsonNode plain = s.post("/v1/chat/completions", request("Hi", 8)).json();
        assertEquals(plain.get("usage").get("prompt_tokens"), none.get("usage").get("prompt_tokens"));
        req.put("tool_choice", "auto");
        JsonNode auto = s.post("/v1/chat/completions", req).json();
        assertTrue(auto.get("usage").get("prompt_tokens").asInt() > plain.get("usage").get("prompt_tokens").asInt());
    }

    @Test
    void aStopStringEndsTheAnswerBeforeIt() {
        String content = s.post("/v1/chat/completions", request("Go on.", 30)).json().get("choices").get(0).get("message").get("content").asText();
        assertTrue(content.length() > 8, content);
        String stop = content.substring(4, 7);
        ObjectNode req = request("Go on.", 30);
        req.putArray("stop").add(stop).add("never appears \u2603");
        JsonNode c = s.post("/v1/chat/completions", req).json().get("choices").get(0);
        assertEquals(content.substring(0, content.indexOf(stop)), c.get("message").get("content").asText());
        assertEquals("stop", c.get("finish_reason").asText());
        assertFalse(c.get("message").has("tool_calls"));
    }
}
