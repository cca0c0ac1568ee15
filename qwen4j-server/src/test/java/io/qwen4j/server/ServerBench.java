package io.qwen4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.engine.ChatEngine;
import io.qwen4j.engine.EngineOptions;
import io.qwen4j.models.LoadOptions;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Server benchmarks, run by tools/bench/server-bench.sh (not by the tests: they take minutes and their
 * figures depend on the machine). Each starts its own server on 127.0.0.1 in this JVM.
 *
 * <ul>
 *   <li>{@code load [--clients 32] [--seconds 60] [--max-tokens 64]}: one streaming client, then N at
 *       once, each looping for the given time; prints requests, tokens/s, mean TTFT, errors and the
 *       largest heap used, and the aggregate against the single stream.</li>
 *   <li>{@code prefix [--turns 4] [--system-tokens 1500]}: a conversation with a long system prompt,
 *       turn after turn, on a server with the prefix cache and on one without; prints each turn's time
 *       to first token and the cached prompt tokens.</li>
 * </ul>
 * Common: {@code --model DIR} (default: the demo model), {@code --threads N}.
 */
public final class ServerBench {
    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            throw new IllegalArgumentException("usage: ServerBench load|prefix [--model DIR] [--threads N] [options]");
        }
        String mode = args[0];
        Path model = Path.of(option(args, "--model", System.getProperty("qwen4j.demoModel", "qwen4j-cli/src/main/resources/io/qwen4j/cli/demo")));
        int threads = Integer.parseInt(option(args, "--threads", Integer.toString(Runtime.getRuntime().availableProcessors())));
        switch (mode) {
            case "load" -> load(model, threads, Integer.parseInt(option(args, "--clients", "32")), Double.parseDouble(option(args, "--seconds", "60")),
                    Integer.parseInt(option(args, "--max-tokens", "64")));
            case "prefix" -> prefix(model, threads, Integer.parseInt(option(args, "--turns", "4")), Integer.parseInt(option(args, "--system-tokens", "1500")));
            default -> throw new IllegalArgumentException("unknown mode " + mode + ": load or prefix");
        }
    }

    private static String option(String[] args, String name, String otherwise) {
        for (int i = 1; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return otherwise;
    }

    private static void load(Path model, int threads, int clients, double seconds, int maxTokens) throws Exception {
        EngineOptions options = EngineOptions.defaults().withMaxSequences(clients).withMaxQueued(Math.max(64, clients)).withPrefixCacheTokens(16384);
        try (ChatEngine engine = ChatEngine.open("bench", model, LoadOptions.defaults().withThreads(threads), options)) {
            OpenAiServer server = new OpenAiServer(engine, ServerOptions.defaults("bench").withPort(0)).start();
            try {
                System.out.printf(Locale.ROOT, "model %s, %d threads, %d parallel sequences, max_tokens %d%n", model, threads, clients, maxTokens);
                LoadGenerator.run(server.url(), "", 2, 3, maxTokens); // warm-up: the JIT compiles the kernels
                LoadGenerator.Result one = LoadGenerator.run(server.url(), "", 1, seconds, maxTokens);
                System.out.println("single stream: " + one);
                LoadGenerator.Result many = LoadGenerator.run(server.url(), "", clients, seconds, maxTokens);
                System.out.println("concurrent:    " + many);
                System.gc();
                System.out.printf(Locale.ROOT, "aggregate %.1f tokens/s = %.2fx the single stream; %d errors; heap after GC %d MB; engine idle: %s%n",
                        many.tokensPerSecond(), many.tokensPerSecond() / one.tokensPerSecond(), one.errors() + many.errors(),
                        java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20, engine.engine().stats());
                if (!many.errorSamples().isEmpty()) {
                    System.out.println("errors, first ones: " + many.errorSamples());
                }
            } finally {
                server.close();
            }
        }
    }

    private static void prefix(Path model, int threads, int turns, int systemTokens) throws Exception {
        String system = "You are a careful assistant. Follow the house rules: answer briefly, cite sources, and never guess. ";
        StringBuilder sys = new StringBuilder();
        try (ChatEngine probe = ChatEngine.open("probe", model, LoadOptions.defaults().withThreads(threads), EngineOptions.single())) {
            while (probe.tokenizer().encode(sys.toString()).length < systemTokens) {
                sys.append(system);
            }
        }
        for (long cache : new long[] {0, 32768}) {
            EngineOptions options = EngineOptions.defaults().withPrefixCacheTokens(cache);
            try (ChatEngine engine = ChatEngine.open("bench", model, LoadOptions.defaults().withThreads(threads), options)) {
                OpenAiServer server = new OpenAiServer(engine, ServerOptions.defaults("bench").withPort(0)).start();
                try {
                    conversation(server.url(), "warm-up " + sys, turns, false); // the JIT compiles the kernels
                    System.out.printf(Locale.ROOT, "prefix cache %s (model %s, %d threads):%n", cache == 0 ? "off" : cache + " tokens", model, threads);
                    conversation(server.url(), sys.toString(), turns, true);
                } finally {
                    server.close();
                }
            }
        }
    }

    /** A conversation of {@code turns} user messages, each answer fed back; prints each turn's TTFT. */
    private static void conversation(String url, String system, int turns, boolean print) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        ArrayNode messages = LoadGenerator.JSON.createArrayNode();
        messages.addObject().put("role", "system").put("content", system);
        List<Double> later = new ArrayList<>();
        for (int t = 0; t < turns; t++) {
            messages.addObject().put("role", "user").put("content", "Question " + (t + 1) + ": what comes next?");
            ObjectNode body = LoadGenerator.JSON.createObjectNode();
            body.set("messages", messages);
            body.put("max_tokens", 24);
            body.put("temperature", 0);
            body.put("stream", true);
            body.putObject("stream_options").put("include_usage", true);
            body.putObject("chat_template_kwargs").put("enable_thinking", false);
            long sent = System.nanoTime();
            HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(url + "/v1/chat/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofInputStream());
            double ttft = -1;
            StringBuilder answer = new StringBuilder();
            JsonNode usage = null;
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (!line.startsWith("data: ") || line.equals("data: [DONE]")) {
                        continue;
                    }
                    JsonNode chunk = LoadGenerator.JSON.readTree(line.substring(6));
                    if (chunk.get("choices").size() > 0) {
                        JsonNode delta = chunk.get("choices").get(0).get("delta");
                        if (ttft < 0 && !delta.has("role")) {
                            ttft = (System.nanoTime() - sent) / 1e6;
                        }
                        answer.append(delta.path("content").asText(""));
                    }
                    if (chunk.hasNonNull("usage")) {
                        usage = chunk.get("usage");
                    }
                }
            }
            messages.addObject().put("role", "assistant").put("content", answer.toString());
            if (t > 0) {
                later.add(ttft);
            }
            if (print) {
                System.out.printf(Locale.ROOT, "  turn %d: prompt %d tokens, %d from the cache, time to first token %.1f ms%n", t + 1,
                        usage.get("prompt_tokens").asInt(), usage.get("prompt_tokens_details").get("cached_tokens").asInt(), ttft);
            }
        }
        if (print) {
            System.out.printf(Locale.ROOT, "  turns 2..%d: mean time to first token %.1f ms%n", turns, later.stream().mapToDouble(x -> x).average().orElse(0));
        }
    }
}
