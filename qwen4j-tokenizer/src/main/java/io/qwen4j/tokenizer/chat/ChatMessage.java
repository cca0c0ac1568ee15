package io.qwen4j.tokenizer.chat;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.common.InvalidInputException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One message of a conversation, as the template sees it: a {@code role}, a {@code content} that is a
 * string or a list of {@link ContentPart}s, and optional {@code reasoning_content}, {@code tool_calls}
 * and any other field. The fields keep their order (templates may print them with {@code tojson}).
 *
 * <pre>{@code
 * ChatMessage.system("You are helpful.");
 * ChatMessage.user(List.of(ContentPart.image("cat.png"), ContentPart.text("What is this?")));
 * ChatMessage.builder("assistant").content("").toolCall("get_weather", argsJson).build();
 * ChatMessage.fromJson(openAiMessage);
 * }</pre>
 */
public final class ChatMessage {
    private final Map<String, Object> fields; // plain Java values, in order

    private ChatMessage(Map<String, Object> fields) {
        this.fields = Collections.unmodifiableMap(fields);
    }

    public static ChatMessage system(String content) {
        return builder("system").content(content).build();
    }

    public static ChatMessage user(String content) {
        return builder("user").content(content).build();
    }

    public static ChatMessage user(List<ContentPart> content) {
        return builder("user").content(content).build();
    }

    public static ChatMessage assistant(String content) {
        return builder("assistant").content(content).build();
    }

    /** A tool result, rendered by Qwen3's template inside {@code <tool_response>}. */
    public static ChatMessage tool(String content) {
        return builder("tool").content(content).build();
    }

    public static Builder builder(String role) {
        return new Builder(role);
    }

    /**
     * A message in the OpenAI / transformers JSON form, every field kept as given (so templates see
     * exactly what transformers would). @throws InvalidInputException when it is not an object with a string role
     */
    public static ChatMessage fromJson(JsonNode json) {
        if (json == null || !json.isObject() || !json.path("role").isTextual()) {
            throw new InvalidInputException("a chat message must be a JSON object with a string \"role\"");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> fields = (Map<String, Object>) Json.plain(json);
        return new ChatMessage(new LinkedHashMap<>(fields));
    }

    public String role() {
        return (String) fields.get("role");
    }

    /** The content when it is a string. */
    public Optional<String> text() {
        return fields.get("content") instanceof String s ? Optional.of(s) : Optional.empty();
    }

    /** The content when it is a list of parts. */
    public Optional<List<ContentPart>> parts() {
        if (!(fields.get("content") instanceof List<?> list)) {
            return Optional.empty();
        }
        List<ContentPart> parts = new ArrayList<>();
        for (Object o : list) {
            if (o instanceof Map<?, ?> m && m.get("type") instanceof String type) {
                Map<String, Object> rest = new LinkedHashMap<>();
                m.forEach((k, v) -> {
                    if (!"type".equals(k)) {
                        rest.put(String.valueOf(k), v);
                    }
                });
                parts.add(new ContentPart(type, rest));
            }
        }
        return Optional.of(parts);
    }

    public Optional<String> reasoningContent() {
        return fields.get("reasoning_content") instanceof String s ? Optional.of(s) : Optional.empty();
    }

    /** The message's fields as the template sees them (plain Java values, in order). */
    public Map<String, Object> fields() {
        return fields;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChatMessage m && m.fields.equals(fields);
    }

    @Override
    public int hashCode() {
        return fields.hashCode();
    }

    @Override
    public String toString() {
        return "ChatMessage" + fields;
    }

    /** Builds a message field by field; fields appear in the order they are set. */
    public static final class Builder {
        private final Map<String, Object> fields = new LinkedHashMap<>();
        private final List<Object> toolCalls = new ArrayList<>();

        private Builder(String role) {
            if (role == null || role.isEmpty()) {
                throw new IllegalArgumentException("a chat message needs a role");
            }
            fields.put("role", role);
        }

        public Builder content(String content) {
            fields.put("content", content);
            return this;
        }

        public Builder content(List<ContentPart> parts) {
            List<Object> list = new ArrayList<>(parts.size());
            parts.forEach(p -> list.add(p.toTemplateValue()));
            fields.put("content", list);
            return this;
        }

        /** The reasoning (thinking) of an assistant turn, as {@code reasoning_content}. */
        public Builder reasoningContent(String reasoning) {
            fields.put("reasoning_content", reasoning);
            return this;
        }

        /** A call whose arguments are JSON text (templates print the text as it is). */
        public Builder toolCall(ToolCall call) {
            toolCalls.add(call(call.name(), call.arguments()));
            return this;
        }

        /** A call whose arguments are an object (templates print it with {@code tojson}). */
        public Builder toolCall(String name, JsonNode arguments) {
            toolCalls.add(call(name, Json.plain(arguments)));
            return this;
        }

        private static Map<String, Object> call(String name, Object arguments) {
            Map<String, Object> function = new LinkedHashMap<>();
            function.put("name", name);
            function.put("arguments", arguments);
            Map<String, Object> call = new LinkedHashMap<>();
            call.put("type", "function");
            call.put("function", function);
            return call;
        }

        /** Any other field ({@code name}, {@code tool_call_id}, ...): a Jackson tree or a plain Java value. */
        public Builder field(String name, Object value) {
            fields.put(name, Json.plainValue(value));
            return this;
        }

        public ChatMessage build() {
            Map<String, Object> all = new LinkedHashMap<>(fields);
            if (!toolCalls.isEmpty()) {
                all.put("tool_calls", new ArrayList<>(toolCalls));
            }
            return new ChatMessage(all);
        }
    }
}
