package io.qwen4j.cli;

import io.qwen4j.common.InvalidInputException;
import io.qwen4j.engine.ChatEngine;
import io.qwen4j.engine.EngineOptions;
import io.qwen4j.engine.SpokenChat;
import io.qwen4j.models.Code2WavStream;
import io.qwen4j.models.Qwen3OmniTalker;
import io.qwen4j.server.MediaPolicy;
import io.qwen4j.server.OpenAiServer;
import io.qwen4j.server.ServerOptions;
import io.qwen4j.server.SpokenChatSpeaker;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
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
                + " stream: true), POST /v1/audio/transcriptions, GET /v1/models, GET /health, GET /metrics (Prometheus).",
            "%nA Qwen3-Omni model takes image_url, input_audio and video_url content parts (data: URLs; http(s) URLs with"
                + " --allow-media-urls).",
            "%nListens on 127.0.0.1 only unless --host says otherwise. Without --model it serves the embedded demo model"
                + " (random weights: the text is noise, the API is real). Stops cleanly on Ctrl-C or SIGTERM.%n"
        },
        footer = {"", "Examples:",
            "  qwen4j serve                                    # the demo model on http://127.0.0.1:8080/v1",
            "  qwen4j serve --model Qwen/Qwen3-0.6B --port 9000 --api-key secret",
            "  curl http://127.0.0.1:8080/v1/chat/completions -H 'Content-Type: application/json' \\",
            "       -d '{\"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}], \"max_tokens\": 32}'",
            "  # a Qwen3-Omni model: an image part, and a transcription",
            "  curl http://127.0.0.1:8080/v1/chat/completions -H 'Content-Type: application/json' -d '{\"messages\": [{\"role\": \"user\","
                + " \"content\": [{\"type\": \"image_url\", \"image_url\": {\"url\": \"data:image/png;base64,'$(base64 -w0 cat.png)'\"}},"
                + " {\"type\": \"text\", \"text\": \"What is this?\"}]}]}'",
            "  curl http://127.0.0.1:8080/v1/audio/transcriptions -F file=@speech.wav -F model=NAME"})
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

    @Option(names = "--max-body-size", paramLabel = "BYTES", description = "Largest request body (media in base64 included); larger ones get"
            + " HTTP 413 (default: ${DEFAULT-VALUE}, 64 MiB).")
    long maxBody = 64L << 20;

    @Option(names = "--max-body-mb", paramLabel = "MB", description = "--max-body-size in MiB.")
    Long maxBodyMb;

    @Option(names = "--max-media-mb", paramLabel = "MB", description = "Largest image, audio or video item of a request (decoded from base64,"
            + " fetched, or uploaded), in MiB; larger ones get HTTP 400 (default: ${DEFAULT-VALUE}).")
    long maxMediaMb = MediaPolicy.DEFAULT.maxBytes() >> 20;

    @Option(names = "--allow-media-urls", description = "Fetch http(s) URLs of image_url, audio_url and video_url parts (off: only data: URLs are"
            + " taken). The server then fetches whatever its clients name, local addresses included: enable it only for trusted clients.")
    boolean allowMediaUrls;

    @Option(names = "--media-connect-timeout", paramLabel = "SECONDS", description = "Time to connect to a media URL's host (default: ${DEFAULT-VALUE}).")
    double mediaConnectTimeout = MediaPolicy.DEFAULT.connectTimeout().toMillis() / 1000.0;

    @Option(names = "--media-read-timeout", paramLabel = "SECONDS", description = "Time to receive a media URL's whole answer (default: ${DEFAULT-VALUE}).")
    double mediaReadTimeout = MediaPolicy.DEFAULT.readTimeout().toMillis() / 1000.0;

    @Option(names = "--media-max-redirects", paramLabel = "N", description = "Redirects followed for one media URL (default: ${DEFAULT-VALUE}).")
    int mediaMaxRedirects = MediaPolicy.DEFAULT.maxRedirects();

    @Option(names = "--no-talker", description = "Qwen3-Omni Instruct: do not load the talker and Code2Wav (their memory is saved;"
            + " requests for audio get a 400).")
    boolean noTalker;

    @Option(names = "--speech-chunk", paramLabel = "FRAMES", description = "Qwen3-Omni Instruct: Code2Wav decodes spoken answers in chunks"
            + " of this many codec frames (12.5 per second), each after 25 frames of context; smaller chunks start the audio of a"
            + " streamed answer sooner (default: ${DEFAULT-VALUE}, the reference's chunked_decode, whose waveform generate returns).")
    int speechChunk = Code2WavStream.DEFAULT_CHUNK_SIZE;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        if (parallel < 1 || queue < 1 || batchTokens < 1 || prefixCache < 0 || maxBody < 1) {
            throw new InvalidInputException("--parallel, --queue-size, --batch-tokens and --max-body-size must be positive and --prefix-cache"
                    + " not negative");
        }
        if (maxBodyMb != null) {
            if (spec.commandLine().getParseResult().hasMatchedOption("--max-body-size")) {
                throw new InvalidInputException("give --max-body-size or --max-body-mb, not both");
            }
            if (maxBodyMb < 1 || maxBodyMb > (Long.MAX_VALUE >> 20)) {
                throw new InvalidInputException("--max-body-mb must be positive, got " + maxBodyMb);
            }
            maxBody = maxBodyMb << 20;
        }
        if (maxMediaMb < 1 || !(mediaConnectTimeout > 0) || !(mediaReadTimeout > 0) || mediaMaxRedirects < 0) {
            throw new InvalidInputException("--max-media-mb, --media-connect-timeout and --media-read-timeout must be positive and"
                    + " --media-max-redirects not negative");
        }
        if (speechChunk < 1) {
            throw new InvalidInputException("--speech-chunk must be at least 1 frame, got " + speechChunk);
        }
        if (port < 0 || port > 65535) {
            throw new InvalidInputException("--port must be in 0..65535, got " + port);
        }
        PrintWriter out = spec.commandLine().getOut();
        Path path = model.resolve();
        String name = servedName != null ? servedName : model.model != null ? model.model : "qwen4j-demo";
        EngineOptions engineOptions = new EngineOptions(parallel, batchTokens, queue, 0, prefixCache);
        ChatEngine engine = ChatEngine.open(name, path, model.loadOptions(), engineOptions);
        SpokenChatSpeaker speaker = null;
        OpenAiServer server;
        try {
            if (!noTalker && Qwen3OmniTalker.present(path)) {
                speaker = SpokenChatSpeaker.open(engine, path, model.loadOptions(), speechChunk, Code2WavStream.DEFAULT_LEFT_CONTEXT,
                        SpokenChat.MAX_FRAMES);
            }
            server = new OpenAiServer(engine, ServerOptions.defaults(name).withHost(host).withPort(port).withApiKey(apiKey)
                    .withMaxBodyBytes(maxBody).withMedia(new MediaPolicy(maxMediaMb << 20, allowMediaUrls,
                            Duration.ofMillis(Math.round(mediaConnectTimeout * 1000)), Duration.ofMillis(Math.round(mediaReadTimeout * 1000)),
                            mediaMaxRedirects)), speaker).start();
        } catch (RuntimeException e) {
            if (speaker != null) {
                speaker.close();
            }
            engine.close();
            throw e;
        }
        SpokenChatSpeaker spoken = speaker;
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            server.close();
            if (spoken != null) {
                spoken.close();
            }
            engine.close();
            stopped.countDown();
        }, "qwen4j-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.printf("qwen4j serve: %s on %s/v1 (%d parallel, context %d tokens%s%s); Ctrl-C stops%n", name, server.url(), parallel,
                engine.contextLength(), apiKey.isEmpty() ? "" : ", API key required",
                spoken == null ? "" : ", speaks with " + String.join(", ", spoken.voices()));
        out.flush();
        server.join();
        stopped.await();
        return 0;
    }
}
