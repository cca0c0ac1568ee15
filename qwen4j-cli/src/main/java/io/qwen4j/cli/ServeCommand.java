package io.qwen4j.cli;

import io.qwen4j.common.InvalidInputException;
import io.qwen4j.engine.ChatEngine;
import io.qwen4j.engine.EngineOptions;
import io.qwen4j.server.OpenAiServer;
import io.qwen4j.server.ServerOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code qwen4j serve}: the OpenAI-compatible HTTP server. */
@Command(name = "serve",
        mixinStandardHelpOptions = true,
        description = {
            "Serves a model over HTTP with OpenAI's API: POST /v1/chat/completions, POST /v1/completions (streaming with"
                + " stream: true), GET /v1/models, GET /health, GET /metrics (Prometheus).",
            "%nListens on 127.0.0.1 only unless --host says otherwise. Without --model it serves the embedded demo model"
                + " (random weights: the text is noise, the API is real). Stops cleanly on Ctrl-C or SIGTERM.%n"
        },
        footer = {"", "Examples:",
            "  qwen4j serve                                    # the demo model on http://127.0.0.1:8080/v1",
            "  qwen4j serve --model Qwen/Qwen3-0.6B --port 9000 --api-key secret",
            "  curl http://127.0.0.1:8080/v1/chat/completions -H 'Content-Type: application/json' \\",
            "       -d '{\"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}], \"max_tokens\": 32}'"})
final class ServeCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model = new ModelOptions();

    @Option(names = "--host", paramLabel = "ADDR", description = "Address to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 for every interface).")
    String host = "127.0.0.1";

    @Option(names = {"-p", "--port"}, paramLabel = "N", description = "TCP port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port = 8080;

    @Option(names = "--api-key", paramLabel = "KEY", description = "Require 'Authorization: Bearer KEY' on /v1/... (default: the environment's"
            + " QWEN4J_API_KEY, else none).")
    String apiKey = System.getenv().getOrDefault("QWEN4J_API_KEY", "");

    @Option(names = "--served-model-name", paramLabel = "NAME", description = "The model's id in the API (default: --model as given, or qwen4j-demo).")
    String servedName;

    @Option(names = "--parallel", paramLabel = "N", description = "Sequences generated together, batched in one forward pass (default: ${DEFAULT-VALUE}).")
    int parallel = 8;

    @Option(names = "--queue-size", paramLabel = "N", description = "Requests that may wait for a slot; more get HTTP 429 (default: ${DEFAULT-VALUE}).")
    int queue = 64;

    @Option(names = "--batch-tokens", paramLabel = "N", description = "Tokens per forward pass; longer prompts are prefilled in chunks (default: ${DEFAULT-VALUE}).")
    int batchTokens = 512;

    @Option(names = "--prefix-cache", paramLabel = "TOKENS", description = "KV positions of finished requests kept for reuse by prompts that"
            + " start the same way, e.g. a conversation's next turn (default: ${DEFAULT-VALUE}; 0: off).")
    long prefixCache = 32768;

    @Option(names = "--max-body-size", paramLabel = "BYTES", description = "Largest request body; larger ones get HTTP 413 (default: ${DEFAULT-VALUE}).")
    long maxBody = 8L << 20;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        if (parallel < 1 || queue < 1 || batchTokens < 1 || prefixCache < 0 || maxBody < 1) {
            throw new InvalidInputException("--parallel, --queue-size, --batch-tokens and --max-body-size must be positive and --prefix-cache"
                    + " not negative");
        }
        if (port < 0 || port > 65535) {
            throw new InvalidInputException("--port must be in 0..65535, got " + port);
        }
        PrintWriter out = spec.commandLine().getOut();
        Path path = model.resolve();
        String name = servedName != null ? servedName : model.model != null ? model.model : "qwen4j-demo";
        EngineOptions engineOptions = new EngineOptions(parallel, batchTokens, queue, 0, prefixCache);
        ChatEngine engine = ChatEngine.open(name, path, model.loadOptions(), engineOptions);
        OpenAiServer server;
        try {
            server = new OpenAiServer(engine, ServerOptions.defaults(name).withHost(host).withPort(port).withApiKey(apiKey)
                    .withMaxBodyBytes(maxBody)).start();
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            server.close();
            engine.close();
            stopped.countDown();
        }, "qwen4j-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.printf("qwen4j serve: %s on %s/v1 (%d parallel, context %d tokens%s); Ctrl-C stops%n", name, server.url(), parallel,
                engine.contextLength(), apiKey.isEmpty() ? "" : ", API key required");
        out.flush();
        server.join();
        stopped.await();
        return 0;
    }
}
