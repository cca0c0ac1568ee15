package io.qwen4j.server;

import io.qwen4j.engine.ChatEngine;
import io.qwen4j.server.grammar.Vocabulary;

/** What the endpoints share: the engine, the options, the metrics, and checks every request makes. */
final class Backend {
    private final ChatEngine engine;
    private final ServerOptions options;
    private final ServerMetrics metrics;
    private volatile Vocabulary vocabulary;
    private volatile MediaFetcher fetcher;
    private final java.util.Set<ChoiceRun> active = java.util.concurrent.ConcurrentHashMap.newKeySet();

    Backend(ChatEngine engine, ServerOptions options) {
        this.engine = engine;
        this.options = options;
        this.metrics = new ServerMetrics(engine.engine());
    }

    ChatEngine engine() {
        return engine;
    }

    ServerOptions options() {
        return options;
    }

    /** Requests whose choices are still in the engine. */
    java.util.Set<ChoiceRun> active() {
        return active;
    }

    ServerMetrics metrics() {
        return metrics;
    }

    /** The fetcher of media URLs, made on first use (only a server that allows them uses it). */
    MediaFetcher fetcher() {
        MediaFetcher f = fetcher;
        if (f == null) {
            synchronized (this) {
                f = fetcher;
                if (f == null) {
                    f = new MediaFetcher(options.media());
                    fetcher = f;
                }
            }
        }
        return f;
    }

    /** The tokenizer's vocabulary prepared for constrained decoding, built on first use. */
    Vocabulary vocabulary() {
        Vocabulary v = vocabulary;
        if (v == null) {
            synchronized (this) {
                v = vocabulary;
                if (v == null) {
                    v = new Vocabulary(engine.tokenizer(), engine.model().info().vocabSize());
                    vocabulary = v;
                }
            }
        }
        return v;
    }

    /** A request for another model is a 404, as OpenAI answers; no {@code model} means this one. */
    void checkModel(Params p) {
        String model = p.string("model", options.modelName());
        if (!model.equals(options.modelName())) {
            throw new ApiException(404, "invalid_request_error", "The model '" + model + "' does not exist: this server serves '"
                    + options.modelName() + "'", "model", "model_not_found");
        }
    }

    /**
     * The prompt must leave room in the context for the answer, and an explicit max_tokens must fit
     * beside it (vLLM's check); without max_tokens the answer may fill the context.
     */
    void checkLength(int promptTokens, int maxTokens, String maxTokensName, String promptParam) {
        int context = engine.contextLength();
        if (promptTokens >= context) {
            throw ApiException.invalid("This model's maximum context length is " + context + " tokens; the prompt has "
                    + promptTokens + " tokens, which leaves no room for an answer: shorten it", promptParam, "context_length_exceeded");
        }
        if (maxTokens > 0 && promptTokens + maxTokens > context) {
            throw ApiException.invalid("This model's maximum context length is " + context + " tokens; you requested "
                    + (promptTokens + maxTokens) + " (" + promptTokens + " in the prompt, " + maxTokens + " for the answer): lower '"
                    + maxTokensName + "' to at most " + (context - promptTokens), maxTokensName, "context_length_exceeded");
        }
    }
}
