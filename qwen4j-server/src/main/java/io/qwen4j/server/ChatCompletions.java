package io.qwen4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.common.InvalidInputException;
import io.qwen4j.engine.ChatEngine;
import io.qwen4j.engine.ChatPrompt;
import io.qwen4j.engine.ChatRequest;
import io.qwen4j.engine.ChatResult;
import io.qwen4j.engine.TokenConstraint;
import io.qwen4j.engine.TokenEvent;
import io.qwen4j.server.grammar.GrammarConstraint;
import io.qwen4j.server.grammar.Grammars;
import io.qwen4j.server.grammar.JsonGrammar;
import io.qwen4j.server.grammar.JsonSchemaCompiler;
import io.qwen4j.server.grammar.Schema;
import io.qwen4j.tokenizer.chat.ChatMessage;
import io.qwen4j.tokenizer.chat.ToolCall;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** {@code POST /v1/chat/completions}: OpenAI's chat completions, whole or streamed. */
final class ChatCompletions {
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");
    private static final Pattern FUNCTION_NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");

    private final Backend backend;

    ChatCompletions(Backend backend) {
        this.backend = backend;
    }

    void handle(Params p, Exchange ex) throws IOException, InterruptedException {
        backend.checkModel(p);
        try (MediaParts media = new MediaParts(backend)) {
            handle(p, ex, media);
        }
    }

    private void handle(Params p, Exchange ex, MediaParts media) throws IOException, InterruptedException {
        ChatEngine engine = backend.engine();
        List<ChatMessage> messages = messages(p.get("messages"), media);
        boolean audioInVideo = p.boolInObject("mm_processor_kwargs", "use_audio_in_video"); // vLLM's: a video's soundtrack heard with its frames
        int n = p.integer("n", 1, 1, backend.options().maxChoices());
        boolean stream = p.bool("stream", false);
        boolean includeUsage = stream && p.boolInObject("stream_options", "include_usage");
        boolean logprobs = p.bool("logprobs", false);
        int top = p.integer("top_logprobs", 0, 0, 20);
        if (p.has("top_logprobs") && !logprobs) {
            throw ApiException.invalid("'top_logprobs' needs 'logprobs': true", "top_logprobs");
        }
        int maxTokens = p.maxTokens();
        List<String> stop = p.stop();
        long seed = p.seed();
        ChatRequest.Thinking thinking = ChatRequest.Thinking.DEFAULT;
        Map<String, Object> variables = new HashMap<>();
        JsonNode kwargs = p.get("chat_template_kwargs");
        if (kwargs != null) {
            if (!kwargs.isObject()) {
                throw Params.wrongType("chat_template_kwargs", "an object", kwargs);
            }
            for (Map.Entry<String, JsonNode> e : kwargs.properties()) {
                if (e.getKey().equals("enable_thinking") && !e.getValue().isNull()) {
                    if (!e.getValue().isBoolean()) {
                        throw Params.wrongType("chat_template_kwargs.enable_thinking", "a boolean", e.getValue());
                    }
                    thinking = e.getValue().booleanValue() ? ChatRequest.Thinking.ON : ChatRequest.Thinking.OFF;
                } else {
                    variables.put(e.getKey(), Json.MAPPER.convertValue(e.getValue(), Object.class));
                }
            }
        }
        Tools tools = Tools.parse(p);
        Schema format = responseFormat(p);
        if (format != null && tools.forced()) {
            throw ApiException.invalid("'response_format' cannot be combined with a 'tool_choice' that forces a tool call", "response_format");
        }

        ChatRequest.Builder[] builders = new ChatRequest.Builder[n];
        for (int i = 0; i < n; i++) {
            ChatRequest.Builder b = ChatRequest.builder(messages, p.sampling(engine.defaults(), seed + i))
                    .tools(tools.rendered()).maxTokens(maxTokens).thinking(thinking).stop(stop).logprobs(logprobs, top)
                    .useAudioInVideo(audioInVideo);
            variables.forEach(b::templateVariable);
            builders[i] = b;
        }
        ChatPrompt prompt;
        try {
            prompt = engine.prompt(builders[0].build());
        } catch (InvalidInputException e) {
            if (media.any()) { // most likely a media file that does not decode
                throw ApiException.invalid(media.explain(e.getMessage()), "messages", "invalid_media");
            }
            throw ApiException.invalid("the messages cannot be rendered by the model's chat template: " + e.getMessage(), "messages");
        } finally {
            media.close(); // the media are in the prompt now
        }
        backend.checkLength(prompt.length(), maxTokens, p.maxTokensName(), "messages");

        Grammars.Reasoning reasoning = thinking == ChatRequest.Thinking.OFF ? Grammars.Reasoning.NONE
                : prompt.opensReasoning() ? Grammars.Reasoning.OPEN : Grammars.Reasoning.OPTIONAL;
        JsonGrammar.Stack body = format != null ? Grammars.json(format) : tools.forced() ? tools.grammar(p) : null;
        ChoiceRun run = new ChoiceRun(n, logprobs, backend.active());
        run.submitAll(i -> {
            TokenConstraint constraint = body == null ? TokenConstraint.NONE
                    : new GrammarConstraint(backend.vocabulary(), engine.stopTokenIds(), Grammars.start(body, reasoning));
            return engine.submit(builders[i].constraint(constraint).build(), prompt, run.listener(i));
        }, "messages", "context_length_exceeded");
        ex.onClientGone(run::cancel);
        String id = Shapes.id("chatcmpl-");
        long created = Shapes.now();
        if (stream) {
            stream(run, ex, id, created, includeUsage, logprobs);
        } else {
            whole(run, ex, id, created, logprobs);
        }
    }

    private void whole(ChoiceRun run, Exchange ex, String id, long created, boolean logprobs) throws IOException, InterruptedException {
        int n = run.choices();
        ChatResult[] results = new ChatResult[n];
        List<List<TokenEvent>> tokens = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            tokens.add(new ArrayList<>());
        }
        String failure = null;
        while (!run.done()) {
            switch (run.nextWhileClientThere(ex, backend.metrics())) {
                case null -> { }
                case ChoiceRun.Token t -> tokens.get(t.choice()).add(t.token());
                case ChoiceRun.Failed f -> {
                    failure = f.error().getMessage();
                    run.cancel();
                }
                case ChoiceRun.Finished f -> {
                    results[f.choice()] = f.result();
                    backend.metrics().choice(f.result());
                }
                default -> { }
            }
        }
        if (failure != null) {
            throw new ApiException(500, "server_error", "generation failed: " + failure, null, null);
        }
        ObjectNode response = Shapes.head(id, "chat.completion", created, backend.options().modelName());
        ArrayNode choices = response.putArray("choices");
        for (int i = 0; i < n; i++) {
            ChatResult r = results[i];
            ObjectNode c = choices.addObject();
            c.put("index", i);
            ObjectNode m = c.putObject("message");
            m.put("role", "assistant");
            if (r.toolCalls().isEmpty() || !r.content().isEmpty()) {
                m.put("content", r.content());
            } else {
                m.putNull("content");
            }
            if (!r.reasoning().isEmpty()) {
                m.put("reasoning_content", r.reasoning());
            }
            if (!r.toolCalls().isEmpty()) {
                ArrayNode calls = m.putArray("tool_calls");
                for (ToolCall call : r.toolCalls()) {
                    calls.add(toolCall(call, -1));
                }
            }
            if (logprobs) {
                c.set("logprobs", Shapes.chatLogprobs(backend.engine().tokenizer(), tokens.get(i)));
            } else {
                c.putNull("logprobs");
            }
            c.put("finish_reason", r.finishReason());
        }
        response.set("usage", Shapes.usage(List.of(results)));
        ex.json(200, response);
    }

    private static ObjectNode toolCall(ToolCall call, int index) {
        ObjectNode o = Json.object();
        if (index >= 0) {
            o.put("index", index);
        }
        o.put("id", Shapes.id("call_"));
        o.put("type", "function");
        ObjectNode f = o.putObject("function");
        f.put("name", call.name());
        f.put("arguments", call.arguments());
        return o;
    }

    private void stream(ChoiceRun run, Exchange ex, String id, long created, boolean includeUsage, boolean logprobs)
            throws IOException, InterruptedException {
        int n = run.choices();
        String model = backend.options().modelName();
        Exchange.EventStream sse = ex.events();
        List<List<TokenEvent>> pending = new ArrayList<>();
        ChatResult[] results = new ChatResult[n];
        try {
            for (int i = 0; i < n; i++) {
                pending.add(new ArrayList<>());
                ObjectNode delta = Json.object();
                delta.put("role", "assistant");
                delta.put("content", "");
                sse.data(chunk(id, created, model, i, delta, null, null, includeUsage));
            }
            while (!run.done()) {
                ChoiceRun.Event e = run.next(15_000);
                switch (e) {
                    case null -> sse.comment("keep-alive");
                    case ChoiceRun.Token t -> pending.get(t.choice()).add(t.token());
                    case ChoiceRun.Content c -> sse.data(chunk(id, created, model, c.choice(), text("content", c.text()),
                            logprobs(pending, c.choice(), logprobs), null, includeUsage));
                    case ChoiceRun.Reasoning r -> sse.data(chunk(id, created, model, r.choice(), text("reasoning_content", r.text()),
                            logprobs(pending, r.choice(), logprobs), null, includeUsage));
                    case ChoiceRun.Tool t -> {
                        ObjectNode delta = Json.object();
                        delta.putArray("tool_calls").add(toolCall(t.call(), t.index()));
                        sse.data(chunk(id, created, model, t.choice(), delta, logprobs(pending, t.choice(), logprobs), null, includeUsage));
                    }
                    case ChoiceRun.Failed f -> {
                        run.cancel();
                        sse.data(ErrorBody.of("generation failed: " + f.error().getMessage(), "server_error", null, null));
                    }
                    case ChoiceRun.Finished f -> {
                        results[f.choice()] = f.result();
                        backend.metrics().choice(f.result());
                        sse.data(chunk(id, created, model, f.choice(), Json.object(), logprobs(pending, f.choice(), logprobs),
                                f.result().finishReason(), includeUsage));
                    }
                }
            }
            if (includeUsage) {
                sse.data(Shapes.usageChunk(id, "chat.completion.chunk", created, model, Shapes.usage(List.of(results))));
            }
            sse.done();
        } catch (IOException e) {
            run.cancel(); // the client left: free the sequences now
            run.drain(backend.metrics());
            throw e;
        }
    }

    private static ObjectNode text(String field, String text) {
        ObjectNode d = Json.object();
        d.put(field, text);
        return d;
    }

    private ObjectNode logprobs(List<List<TokenEvent>> pending, int choice, boolean on) {
        return Shapes.takeLogprobs(pending.get(choice), on, events -> Shapes.chatLogprobs(backend.engine().tokenizer(), events));
    }

    private static ObjectNode chunk(String id, long created, String model, int index, ObjectNode delta, ObjectNode logprobs,
                                    String finish, boolean includeUsage) {
        ObjectNode fields = Json.object();
        fields.put("index", index);
        fields.set("delta", delta);
        return Shapes.chunk(id, "chat.completion.chunk", created, model, fields, logprobs, finish, includeUsage);
    }

    /** The conversation, in the form the chat template takes, media parts resolved by {@code media}. */
    static List<ChatMessage> messages(JsonNode v, MediaParts media) throws InterruptedException {
        if (v == null) {
            throw ApiException.invalid("'messages' is required", "messages");
        }
        if (!v.isArray() || v.isEmpty()) {
            throw ApiException.invalid("'messages' must be a non-empty array of messages", "messages");
        }
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            String where = "messages[" + i + "]";
            JsonNode m = v.get(i);
            if (!m.isObject()) {
                throw Params.wrongType(where, "an object", m);
            }
            JsonNode role = m.get("role");
            if (role == null || !role.isTextual() || !ROLES.contains(role.textValue())) {
                throw ApiException.invalid("'" + where + ".role' must be one of system, developer, user, assistant, tool", where + ".role");
            }
            ObjectNode copy = m.deepCopy();
            if (role.textValue().equals("developer")) {
                copy.put("role", "system"); // OpenAI's newer name for system instructions
            }
            JsonNode content = m.get("content");
            if (content == null || content.isNull()) {
                if (!role.textValue().equals("assistant")) {
                    throw ApiException.invalid("'" + where + ".content' is required for a " + role.textValue() + " message", where + ".content");
                }
                copy.put("content", "");
            } else if (content.isArray()) {
                copy.set("content", media.content(content, where + ".content"));
            } else if (!content.isTextual()) {
                throw Params.wrongType(where + ".content", "a string or an array of content parts", content);
            }
            JsonNode calls = m.get("tool_calls");
            if (calls != null && !calls.isNull() && !calls.isArray()) {
                throw Params.wrongType(where + ".tool_calls", "an array", calls);
            }
            out.add(ChatMessage.fromJson(copy));
        }
        return out;
    }

    /** {@code response_format}: null for plain text, else the schema the answer must follow. */
    private static Schema responseFormat(Params p) {
        JsonNode f = p.get("response_format");
        if (f == null) {
            return null;
        }
        if (!f.isObject() || !f.path("type").isTextual()) {
            throw ApiException.invalid("'response_format' must be an object with a 'type'", "response_format");
        }
        return switch (f.get("type").textValue()) {
            case "text" -> null;
            case "json_object" -> JsonSchemaCompiler.compile(Json.MAPPER.createObjectNode().put("type", "object"), "response_format");
            case "json_schema" -> {
                JsonNode js = f.get("json_schema");
                if (js == null || !js.isObject()) {
                    throw ApiException.invalid("'response_format.json_schema' must be an object with a 'schema'", "response_format.json_schema");
                }
                JsonNode schema = js.get("schema");
                if (schema == null || schema.isNull()) {
                    throw ApiException.invalid("'response_format.json_schema.schema' is required", "response_format.json_schema.schema");
                }
                try {
                    yield JsonSchemaCompiler.compile(schema, "response_format.json_schema.schema");
                } catch (InvalidInputException e) {
                    throw ApiException.invalid(e.getMessage(), "response_format.json_schema.schema");
                }
            }
            default -> throw ApiException.invalid("'response_format.type' must be text, json_object or json_schema, got "
                    + f.get("type").textValue(), "response_format.type");
        };
    }

    /** {@code tools} and {@code tool_choice}. */
    private record Tools(List<JsonNode> rendered, List<JsonNode> functions, String forcedName, boolean required, boolean parallel) {
        boolean forced() {
            return required || forcedName != null;
        }

        static Tools parse(Params p) {
            JsonNode tools = p.get("tools");
            List<JsonNode> functions = new ArrayList<>();
            if (tools != null) {
                if (!tools.isArray()) {
                    throw Params.wrongType("tools", "an array of tools", tools);
                }
                for (int i = 0; i < tools.size(); i++) {
                    String where = "tools[" + i + "]";
                    JsonNode t = tools.get(i);
                    if (!t.isObject() || !"function".equals(t.path("type").asText()) || !t.path("function").isObject()) {
                        throw ApiException.invalid("'" + where + "' must be {\"type\": \"function\", \"function\": {\"name\": ..., \"parameters\": {...}}}", where);
                    }
                    JsonNode f = t.get("function");
                    if (!f.path("name").isTextual() || !FUNCTION_NAME.matcher(f.get("name").textValue()).matches()) {
                        throw ApiException.invalid("'" + where + ".function.name' must be 1 to 64 letters, digits, '_' or '-'", where + ".function.name");
                    }
                    JsonNode params = f.get("parameters");
                    if (params != null && !params.isNull() && !params.isObject()) {
                        throw Params.wrongType(where + ".function.parameters", "a JSON Schema object", params);
                    }
                    functions.add(f);
                }
            }
            boolean parallel = p.bool("parallel_tool_calls", true);
            JsonNode choice = p.get("tool_choice");
            String mode = "auto";
            String name = null;
            if (choice != null) {
                if (choice.isTextual()) {
                    mode = choice.textValue();
                    if (!Set.of("none", "auto", "required").contains(mode)) {
                        throw ApiException.invalid("'tool_choice' must be none, auto, required or {\"type\": \"function\", \"function\": {\"name\": ...}}, got " + mode, "tool_choice");
                    }
                } else if (choice.isObject() && choice.path("function").path("name").isTextual()) {
                    name = choice.get("function").get("name").textValue();
                    String n = name;
                    if (functions.stream().noneMatch(f -> f.get("name").textValue().equals(n))) {
                        throw ApiException.invalid("'tool_choice' names the function " + name + ", which is not in 'tools'", "tool_choice");
                    }
                    mode = "named";
                } else {
                    throw ApiException.invalid("'tool_choice' must be none, auto, required or {\"type\": \"function\", \"function\": {\"name\": ...}}", "tool_choice");
                }
            }
            if (functions.isEmpty() && (mode.equals("required") || name != null)) {
                throw ApiException.invalid("'tool_choice' " + mode + " needs 'tools'", "tool_choice");
            }
            List<JsonNode> rendered = mode.equals("none") || tools == null ? List.of() : toList(tools);
            return new Tools(rendered, functions, name, mode.equals("required"), parallel);
        }

        private static List<JsonNode> toList(JsonNode array) {
            List<JsonNode> l = new ArrayList<>();
            array.forEach(l::add);
            return l;
        }

        /** The grammar of the calls tool_choice forces: any tool (required) or the named one, once unless parallel. */
        JsonGrammar.Stack grammar(Params p) {
            List<Grammars.Tool> allowed = new ArrayList<>();
            for (int i = 0; i < functions.size(); i++) {
                JsonNode f = functions.get(i);
                String name = f.get("name").textValue();
                if (forcedName != null && !forcedName.equals(name)) {
                    continue;
                }
                JsonNode params = f.get("parameters");
                String where = "tools[" + i + "].function.parameters";
                try {
                    Schema schema = params == null || params.isNull() ? JsonSchemaCompiler.compile(Json.object().put("type", "object"), where)
                            : JsonSchemaCompiler.compile(params, where);
                    allowed.add(new Grammars.Tool(name, schema));
                } catch (InvalidInputException e) {
                    throw ApiException.invalid(e.getMessage(), where);
                }
            }
            return Grammars.toolCalls(allowed, parallel && forcedName == null);
        }
    }
}
