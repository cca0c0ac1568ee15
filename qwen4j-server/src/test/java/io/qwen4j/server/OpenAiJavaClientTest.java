package io.qwen4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.ResponseFormatJsonSchema;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolChoiceOption;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.models.Model;
import io.qwen4j.engine.ChatRequest;
import io.qwen4j.engine.ChatResult;
import io.qwen4j.engine.EngineOptions;
import io.qwen4j.engine.SamplingParams;
import io.qwen4j.tokenizer.chat.ChatMessage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The official OpenAI Java SDK against the server on a real socket, its answers checked against the engine's own. */
class OpenAiJavaClientTest {
    static TestServers s;
    static OpenAIClient client;

    @BeforeAll
    static void start() {
        s = TestServers.start(EngineOptions.defaults().withPrefixCacheTokens(8192),
                ServerOptions.defaults(TestServers.MODEL).withPort(0).withApiKey("java-sdk-key"));
        client = OpenAIOkHttpClient.builder().baseUrl(s.server.url() + "/v1").apiKey("java-sdk-key").maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        s.stop();
    }

    static ChatCompletionCreateParams.Builder params(String user, long maxTokens) {
        return ChatCompletionCreateParams.builder().model(TestServers.MODEL).addSystemMessage("You are terse.").addUserMessage(user)
                .maxCompletionTokens(maxTokens).temperature(0.0)
                .putAdditionalBodyProperty("chat_template_kwargs", JsonValue.from(Map.of("enable_thinking", false)));
    }

    static ChatResult reference(String user, int maxTokens) {
        return s.engine.chat(ChatRequest.builder(List.of(ChatMessage.system("You are terse."), ChatMessage.user(user)), SamplingParams.greedy())
                .maxTokens(maxTokens).thinking(ChatRequest.Thinking.OFF).build(), x -> {});
    }

    @Test
    void plainAndStreamedAnswersAreTheEnginesOwn() {
        ChatResult ref = reference("Hello from Java", 20);
        ChatCompletion c = client.chat().completions().create(params("Hello from Java", 20).build());
        assertEquals(ref.content(), c.choices().get(0).message().content().orElseThrow());
        assertEquals(ref.finishReason(), c.choices().get(0).finishReason().asString());
        assertEquals(ref.completionTokens(), c.usage().orElseThrow().completionTokens());
        StringBuilder streamed = new StringBuilder();
        long usageTokens = -1;
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                params("Hello from Java", 20).streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            for (ChatCompletionChunk chunk : (Iterable<ChatCompletionChunk>) stream.stream()::iterator) {
                chunk.choices().forEach(ch -> ch.delta().content().ifPresent(streamed::append));
                if (chunk.usage().isPresent()) {
                    usageTokens = chunk.usage().get().completionTokens();
                }
            }
        }
        assertEquals(ref.content(), streamed.toString());
        assertEquals(ref.completionTokens(), usageTokens);
    }

    @Test
    void aNamedToolChoiceGivesAParsedToolCall() {
        FunctionDefinition weather = FunctionDefinition.builder().name("get_weather").description("Weather of a city")
                .parameters(FunctionParameters.builder()
                        .putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string", "maxLength", 10))))
                        .putAdditionalProperty("required", JsonValue.from(List.of("city")))
                        .build())
                .build();
        ChatCompletion c = client.chat().completions().create(params("Weather in Oslo?", 300).temperature(1.0).seed(5)
                .addFunctionTool(weather).toolChoice(ChatCompletionToolChoiceOption.Auto.REQUIRED).build());
        assertEquals("tool_calls", c.choices().get(0).finishReason().asString());
        ChatCompletionMessageFunctionToolCall call = c.choices().get(0).message().toolCalls().orElseThrow().get(0).asFunction();
        assertEquals("get_weather", call.function().name());
        JsonNode args = TestServers.parse(call.function().arguments());
        assertTrue(args.get("city").isTextual(), args.toString());
    }

    @Test
    void aJsonSchemaAnswerParses() {
        ResponseFormatJsonSchema format = ResponseFormatJsonSchema.builder().jsonSchema(ResponseFormatJsonSchema.JsonSchema.builder()
                .name("answer").strict(true)
                .schema(ResponseFormatJsonSchema.JsonSchema.Schema.builder()
                        .putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("ok", Map.of("type", "boolean"),
                                "n", Map.of("type", "integer"))))
                        .putAdditionalProperty("required", JsonValue.from(List.of("ok", "n")))
                        .putAdditionalProperty("additionalProperties", JsonValue.from(false))
                        .build())
                .build()).build();
        ChatCompletion c = client.chat().completions().create(params("JSON please", 300).responseFormat(format).build());
        JsonNode answer = TestServers.parse(c.choices().get(0).message().content().orElseThrow());
        assertTrue(answer.get("ok").isBoolean() && answer.get("n").isIntegralNumber() && answer.size() == 2, answer.toString());
    }

    @Test
    void logprobsArriveInTheSdksTypes() {
        ChatCompletion c = client.chat().completions().create(params("Logprobs", 8).logprobs(true).topLogprobs(2).build());
        var content = c.choices().get(0).logprobs().orElseThrow().content().orElseThrow();
        assertEquals(c.usage().orElseThrow().completionTokens(), content.size());
        content.forEach(t -> assertEquals(2, t.topLogprobs().size()));
    }

    @Test
    void legacyCompletionsAndModels() {
        Completion c = client.completions().create(CompletionCreateParams.builder().model(TestServers.MODEL)
                .prompt("Once upon a time").maxTokens(10).temperature(0.0).build());
        StringBuilder text = new StringBuilder();
        s.engine.complete("Once upon a time", SamplingParams.greedy(), 10, List.of(), false, 0, new io.qwen4j.engine.ChatListener() {
            @Override
            public void onContent(String delta) {
                synchronized (text) {
                    text.append(delta);
                }
            }

            @Override
            public void onFinish(ChatResult r) {
                synchronized (text) {
                    text.append('\0');
                    text.notifyAll();
                }
            }
        });
        synchronized (text) {
            while (text.indexOf("\0") < 0) {
                try {
                    text.wait();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
        }
        assertEquals(text.substring(0, text.length() - 1), c.choices().get(0).text());
        List<Model> models = client.models().list().data();
        assertEquals(TestServers.MODEL, models.get(0).id());
    }

    @Test
    void errorsBecomeTheSdksExceptions() {
        BadRequestException bad = assertThrows(BadRequestException.class,
                () -> client.chat().completions().create(params("x", 100000).build()));
        assertEquals("max_completion_tokens", bad.param().orElseThrow());
        assertEquals("context_length_exceeded", bad.code().orElseThrow());
        assertThrows(NotFoundException.class, () -> client.chat().completions().create(params("x", 4).model("gpt-4o").build()));
        OpenAIClient wrong = OpenAIOkHttpClient.builder().baseUrl(s.server.url() + "/v1").apiKey("nope").maxRetries(0).build();
        try {
            assertThrows(UnauthorizedException.class, () -> wrong.chat().completions().create(params("x", 4).build()));
        } finally {
            wrong.close();
        }
    }
}
