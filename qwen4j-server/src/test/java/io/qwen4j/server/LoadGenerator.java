package io.qwen4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Streaming chat clients that loop for a fixed time against a server (bounded in count and time, on
 * loopback only): counts the tokens they receive (from the usage chunk), errors of any kind, times to
 * first token, and the heap used meanwhile (sampled each second in this JVM).
 */
final class LoadGenerator {
    static final ObjectMapper JSON = new ObjectMapper();

    record Result(int clients, double seconds, long requests, long tokens, long errors, List<String> errorSamples,
                  double meanTtftMillis, long maxHeapBytes) {
        double tokensPerSecond() {
            return tokens / seconds;
        }

        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT,
                    "%d clients, %.0f s: %d requests, %d tokens, %.1f tokens/s, mean TTFT %.0f ms, %d errors, max heap %d MB",
                    clients, seconds, requests, tokens, tokensPerSecond(), meanTtftMillis, errors, maxHeapBytes >> 20);
        }
    }

    static Result run(String baseUrl, String apiKey, int clients, double seconds, int maxTokens) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        AtomicLong requests = new AtomicLong();
        AtomicLong tokens = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicLong ttftNanos = new AtomicLong();
        AtomicLong maxHeap = new AtomicLong();
        List<String> samples = Collections.synchronizedList(new ArrayList<>());
        long end = System.nanoTime() + (long) (seconds * 1e9);
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> sampler = pool.submit(() -> {
                while (System.nanoTime() < end) {
                    maxHeap.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            List<Future<?>> workers = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                workers.add(pool.submit(() -> {
                    int n = 0;
                    while (System.nanoTime() < end) {
                        ObjectNode body = JSON.createObjectNode();
                        body.putArray("messages").addObject().put("role", "user").put("content", "Client " + client + ", request " + n++ + ": tell a story.");
                        body.put("max_tokens", maxTokens);
                        body.put("stream", true);
                        body.put("seed", client * 1000L + n);
                        body.putObject("stream_options").put("include_usage", true);
                        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(baseUrl + "/v1/chat/completions"))
                                .timeout(Duration.ofSeconds(300)).header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
                        if (!apiKey.isEmpty()) {
                            r.header("Authorization", "Bearer " + apiKey);
                        }
                        long sent = System.nanoTime();
                        try {
                            HttpResponse<InputStream> resp = http.send(r.build(), HttpResponse.BodyHandlers.ofInputStream());
                            if (resp.statusCode() != 200) {
                                errors.incrementAndGet();
                                samples.add(resp.statusCode() + " " + new String(resp.body().readAllBytes(), StandardCharsets.UTF_8));
                                continue;
                            }
                            boolean done = false;
                            boolean first = true;
                            try (BufferedReader in = new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
                                for (String line; (line = in.readLine()) != null; ) {
                                    if (!line.startsWith("data: ")) {
                                        continue;
                                    }
                                    String data = line.substring(6);
                                    if (data.equals("[DONE]")) {
                                        done = true;
                                        break;
                                    }
                                    JsonNode chunk = JSON.readTree(data);
                                    if (chunk.has("error")) {
                                        throw new IllegalStateException(data);
                                    }
                                    JsonNode choices = chunk.get("choices");
                                    if (first && choices.size() > 0 && choices.get(0).get("finish_reason").isNull()
                                            && !choices.get(0).get("delta").has("role")) {
                                        first = false;
                                        ttftNanos.addAndGet(System.nanoTime() - sent);
                                    }
                                    if (chunk.hasNonNull("usage")) {
                                        tokens.addAndGet(chunk.get("usage").get("completion_tokens").asLong());
                                    }
                                }
                            }
                            if (!done) {
                                throw new IllegalStateException("the stream ended without [DONE]");
                            }
                            requests.incrementAndGet();
                        } catch (Exception e) {
                            errors.incrementAndGet();
                            samples.add(e.toString());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> w : workers) {
                w.get();
            }
            sampler.cancel(true);
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        return new Result(clients, elapsed, requests.get(), tokens.get(), errors.get(), List.copyOf(samples.subList(0, Math.min(5, samples.size()))),
                requests.get() == 0 ? 0 : ttftNanos.get() / 1e6 / requests.get(), maxHeap.get());
    }
}
