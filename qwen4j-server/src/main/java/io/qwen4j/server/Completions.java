package io.qwen4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.engine.ChatEngine;
import io.qwen4j.engine.ChatResult;
import io.qwen4j.engine.SamplingParams;
import io.qwen4j.engine.TokenEvent;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /v1/completions}: OpenAI's legacy text completions. The prompt is raw text (no chat
 * template) or token ids; a list of prompts gives {@code n} choices for each, numbered prompt by prompt.
 */
final class Completions {
    private static final int MAX_PROMPTS = 64;

    private final Backend backend;

    Completions(Backend backend) {
        this.backend = backend;
    }

    void handle(Params p, Exchange ex) throws IOException, InterruptedException {
        backend.checkModel(p);
        ChatEngine engine = backend.engine();
        List<int[]> prompts = prompts(p.get("prompt"), engine);
        int n = p.integer("n", 1, 1, backend.options().maxChoices());
        if (p.has("best_of") && p.integer("best_of", 1, 1, 1) != 1) {
            throw ApiException.invalid("'best_of' other than 1 is not supported", "best_of");
        }
        String suffix = p.string("suffix", "");
        if (!suffix.isEmpty()) {
            throw ApiException.invalid("'suffix' (fill in the middle) is not supported", "suffix");
        }
        boolean stream = p.bool("stream", false);
        JsonNode so = p.get("stream_options");
        boolean includeUsage = stream && so != null && so.path("include_usage").asBoolean(false);
        boolean echo = p.bool("echo", false);
        boolean logprobs = p.has("logprobs");
        int top = p.integer("logprobs", 0, 0, 20);
        if (echo && logprobs) {
            throw ApiException.invalid("'echo' with 'logprobs' needs the prompt's log-probabilities, which this server does not compute", "echo");
        }
        int maxTokens = p.has("max_tokens") || p.has("max_completion_tokens") ? p.maxTokens() : 16; // OpenAI's default here
        List<String> stop = p.stop();
        long seed = p.seed();
        SamplingParams[] sampling = new SamplingParams[n];
        for (int j = 0; j < n; j++) {
            sampling[j] = p.sampling(engine.defaults(), seed + j);
        }
        for (int[] ids : prompts) {
            backend.checkLength(ids.length, maxTokens, p.maxTokensName(), "prompt");
        }
        ChoiceRun run = new ChoiceRun(prompts.size() * n, logprobs, backend.active());
        run.submitAll(c -> engine.complete(prompts.get(c / n), sampling[c % n], maxTokens, stop, logprobs, top, run.listener(c)),
                "prompt", null);
        ex.onClientGone(run::cancel);
        String id = Shapes.id("cmpl-");
        long created = Shapes.now();
        String model = backend.options().modelName();
        String[] echoed = new String[prompts.size()];
        for (int i = 0; i < prompts.size(); i++) {
            echoed[i] = echo ? engine.tokenizer().decode(prompts.get(i)) : "";
        }
        ChatResult[] results = new ChatResult[run.choices()];
        List<List<TokenEvent>> tokens = new ArrayList<>();
        StringBuilder[] texts = new StringBuilder[run.choices()];
        for (int c = 0; c < run.choices(); c++) {
            tokens.add(new ArrayList<>());
            texts[c] = new StringBuilder(echoed[c / n]);
        }
        Exchange.EventStream sse = stream ? ex.events() : null;
        String failure = null;
        try {
            if (stream && echo) {
                for (int c = 0; c < run.choices(); c++) {
                    sse.data(choice(id, created, model, c, echoed[c / n], null, null, includeUsage));
                }
            }
            while (!run.done()) {
                ChoiceRun.Event e = run.next(stream ? 15_000 : ChoiceRun.PROBE_MILLIS);
                if (!stream) {
                    run.endIfClientGone(ex, backend.metrics());
                }
                switch (e) {
                    case null -> {
                        if (stream) {
                            sse.comment("keep-alive");
                        }
                    }
                    case ChoiceRun.Token t -> tokens.get(t.choice()).add(t.token());
                    case ChoiceRun.Content c -> {
                        if (stream) {
                            sse.data(choice(id, created, model, c.choice(), c.text(), pendingLogprobs(tokens, c.choice(), logprobs, 0), null, includeUsage));
                        } else {
                            texts[c.choice()].append(c.text());
                        }
                    }
                    case ChoiceRun.Failed f -> {
                        failure = "generation failed: " + f.error().getMessage();
                        run.cancel();
                        if (stream) {
                            sse.data(ErrorBody.of(failure, "server_error", null, null));
                        }
                    }
                    case ChoiceRun.Finished f -> {
                        results[f.choice()] = f.result();
                        backend.metrics().choice(f.result());
                        if (stream) {
                            sse.data(choice(id, created, model, f.choice(), "", pendingLogprobs(tokens, f.choice(), logprobs, 0),
                                    f.result().finishReason(), includeUsage));
                        }
                    }
                    default -> { }
                }
            }
        } catch (IOException e) {
            run.cancel(); // the client left: free the sequences now
            run.drain(backend.metrics());
            throw e;
        }
        ObjectNode usage = usage(results, n);
        if (stream) {
            if (includeUsage) {
                sse.data(Shapes.usageChunk(id, "text_completion", created, model, usage));
            }
            sse.done();
            return;
        }
        if (failure != null) {
            throw new ApiException(500, "server_error", failure, null, null);
        }
        ObjectNode response = Shapes.head(id, "text_completion", created, model);
        ArrayNode choices = response.putArray("choices");
        for (int c = 0; c < run.choices(); c++) {
            ObjectNode o = choices.addObject();
            o.put("text", texts[c].toString());
            o.put("index", c);
            if (logprobs) {
                o.set("logprobs", Shapes.completionLogprobs(engine.tokenizer(), tokens.get(c), echoed[c / n].length()));
            } else {
                o.putNull("logprobs");
            }
            o.put("finish_reason", results[c].finishReason());
        }
        response.set("usage", usage);
        ex.json(200, response);
    }

    private ObjectNode pendingLogprobs(List<List<TokenEvent>> tokens, int choice, boolean on, int offset) {
        return Shapes.takeLogprobs(tokens.get(choice), on, events -> Shapes.completionLogprobs(backend.engine().tokenizer(), events, offset));
    }

    private static ObjectNode choice(String id, long created, String model, int index, String text, ObjectNode logprobs,
                                     String finish, boolean includeUsage) {
        ObjectNode fields = Json.object();
        fields.put("text", text);
        fields.put("index", index);
        return Shapes.chunk(id, "text_completion", created, model, fields, logprobs, finish, includeUsage);
    }

    /** Prompt tokens summed over the prompts (each counted once), completion tokens over every choice. */
    private static ObjectNode usage(ChatResult[] results, int n) {
        int prompt = 0;
        int cached = 0;
        int completion = 0;
        for (int c = 0; c < results.length; c++) {
            ChatResult r = results[c];
            if (r == null) {
                continue;
            }
            if (c % n == 0) {
                prompt += r.promptTokens();
                cached += r.generation().cachedTokens();
            }
            completion += r.completionTokens();
        }
        return Shapes.usage(prompt, cached, completion);
    }

    /** {@code prompt}: a string, a list of strings, a list of token ids, or a list of lists of ids. */
    private static List<int[]> prompts(JsonNode v, ChatEngine engine) {
        if (v == null) {
            throw ApiException.invalid("'prompt' is required", "prompt");
        }
        List<int[]> out = new ArrayList<>();
        if (v.isTextual()) {
            out.add(encode(v.textValue(), engine));
        } else if (v.isArray() && !v.isEmpty() && v.get(0).isIntegralNumber()) {
            out.add(ids(v, "prompt", engine));
        } else if (v.isArray() && !v.isEmpty()) {
            if (v.size() > MAX_PROMPTS) {
                throw ApiException.invalid("'prompt' may list at most " + MAX_PROMPTS + " prompts, got " + v.size(), "prompt");
            }
            for (int i = 0; i < v.size(); i++) {
                JsonNode x = v.get(i);
                if (x.isTextual()) {
                    out.add(encode(x.textValue(), engine));
                } else if (x.isArray()) {
                    out.add(ids(x, "prompt[" + i + "]", engine));
                } else {
                    throw Params.wrongType("prompt[" + i + "]", "a string or a list of token ids", x);
                }
            }
        } else {
            throw Params.wrongType("prompt", "a string, a list of strings or a list of token ids", v);
        }
        return out;
    }

    private static int[] encode(String text, ChatEngine engine) {
        int[] ids = engine.tokenizer().encode(text);
        if (ids.length == 0) {
            throw ApiException.invalid("'prompt' is empty: give at least one character", "prompt");
        }
        return ids;
    }

    private static int[] ids(JsonNode array, String where, ChatEngine engine) {
        if (array.isEmpty()) {
            throw ApiException.invalid("'" + where + "' is an empty list of token ids", where);
        }
        int vocab = engine.model().info().vocabSize();
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = Params.integer(array.get(i), where + "[" + i + "]", 0, vocab - 1);
        }
        return ids;
    }
}
