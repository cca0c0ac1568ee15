package io.qwen4j.server;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.qwen4j.engine.ChatResult;
import io.qwen4j.engine.GenerationResult;
import io.qwen4j.engine.InferenceEngine;
import java.io.IOException;
import java.io.OutputStream;

/** The server's Prometheus metrics, in a registry of its own, served at {@code /metrics}. */
final class ServerMetrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final Counter requests;
    private final Counter finished;
    private final Counter promptTokens;
    private final Counter cachedPromptTokens;
    private final Counter generatedTokens;
    private final Histogram timeToFirstToken;
    private final Histogram decodeSpeed;
    private final Histogram duration;

    ServerMetrics(InferenceEngine engine) {
        requests = Counter.builder().name("qwen4j_http_requests").help("HTTP requests answered, by endpoint and status")
                .labelNames("endpoint", "status").register(registry);
        finished = Counter.builder().name("qwen4j_choices_finished").help("Generated choices ended, by finish reason")
                .labelNames("reason").register(registry);
        promptTokens = Counter.builder().name("qwen4j_prompt_tokens").help("Prompt tokens of finished choices").register(registry);
        cachedPromptTokens = Counter.builder().name("qwen4j_prompt_tokens_cached")
                .help("Prompt tokens whose KV came from the prefix cache").register(registry);
        generatedTokens = Counter.builder().name("qwen4j_generation_tokens").help("Tokens generated").register(registry);
        timeToFirstToken = Histogram.builder().name("qwen4j_time_to_first_token_seconds")
                .help("Time from submission to the first generated token")
                .classicOnly().classicUpperBounds(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60).register(registry);
        decodeSpeed = Histogram.builder().name("qwen4j_decode_tokens_per_second")
                .help("Per-choice decoding speed after the first token (tokens/s)")
                .classicOnly().classicUpperBounds(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000).register(registry);
        duration = Histogram.builder().name("qwen4j_http_request_duration_seconds").help("Time to answer an HTTP request")
                .labelNames("endpoint")
                .classicOnly().classicUpperBounds(0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300).register(registry);
        GaugeWithCallback.builder().name("qwen4j_queue_depth").help("Requests waiting for a slot in the engine")
                .callback(cb -> cb.call(engine.stats().waiting())).register(registry);
        GaugeWithCallback.builder().name("qwen4j_running_sequences").help("Sequences being generated now")
                .callback(cb -> cb.call(engine.stats().running())).register(registry);
        GaugeWithCallback.builder().name("qwen4j_engine_forward_passes").help("Forward passes run by the engine (a counter)")
                .callback(cb -> cb.call(engine.stats().forwardPasses())).register(registry);
    }

    void request(String endpoint, int status, long nanos) {
        requests.labelValues(endpoint, Integer.toString(status)).inc();
        duration.labelValues(endpoint).observe(nanos / 1e9);
    }

    void choice(ChatResult result) {
        GenerationResult g = result.generation();
        finished.labelValues(result.finishReason()).inc();
        promptTokens.inc(g.promptTokens());
        cachedPromptTokens.inc(g.cachedTokens());
        generatedTokens.inc(g.tokenIds().length);
        if (g.tokenIds().length > 0) {
            timeToFirstToken.observe(g.timeToFirstTokenNanos() / 1e9);
        }
        if (g.tokenIds().length > 1 && g.decodeNanos() > 0) {
            decodeSpeed.observe(g.decodeTokensPerSecond());
        }
    }

    String contentType() {
        return writer.getContentType();
    }

    void write(OutputStream out) throws IOException {
        writer.write(out, registry.scrape());
    }
}
