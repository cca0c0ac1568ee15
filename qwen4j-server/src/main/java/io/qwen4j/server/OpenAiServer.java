package io.qwen4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.common.InvalidInputException;
import io.qwen4j.common.Qwen4jException;
import io.qwen4j.engine.ChatEngine;
import io.qwen4j.engine.EngineStats;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.Executors;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The OpenAI-compatible HTTP server over a {@link ChatEngine}: {@code POST /v1/chat/completions},
 * {@code POST /v1/completions}, {@code POST /v1/audio/transcriptions}, {@code POST /v1/audio/speech},
 * {@code GET /v1/models}, {@code GET /health} and {@code GET /metrics}.
 *
 * <p>Jetty 12 (its core handler API, no servlets) accepts connections; every request is handled on a
 * virtual thread of its own, which may block: it waits for its tokens on a queue the engine thread
 * fills and writes them to the client as they come. Every failure inside a request becomes an HTTP
 * error with OpenAI's error object; nothing a request does can stop the server. The engine belongs to
 * the caller: {@link #close()} cancels the requests in flight and stops listening, but leaves it open.
 */
public final class OpenAiServer implements AutoCloseable {
    private final Backend backend;
    private final ChatCompletions chat;
    private final Completions completions;
    private final Transcriptions transcriptions;
    private final AudioOutput audio;
    private final SpeechEndpoint speech;
    private final byte[] apiKey;
    private Server jetty;
    private ServerConnector connector;

    public OpenAiServer(ChatEngine engine, ServerOptions options) {
        this(engine, options, null);
    }

    /** A server whose model can also speak ({@code speaker} null: text only, audio requests get a 400). */
    public OpenAiServer(ChatEngine engine, ServerOptions options, Speaker speaker) {
        this.backend = new Backend(engine, options);
        this.chat = new ChatCompletions(backend);
        this.completions = new Completions(backend);
        this.transcriptions = new Transcriptions(backend);
        this.audio = new AudioOutput(backend, speaker);
        this.speech = new SpeechEndpoint(backend, speaker);
        this.apiKey = ("Bearer " + options.apiKey()).getBytes(StandardCharsets.UTF_8);
    }

    /** Binds and starts serving. @throws Qwen4jException when the address cannot be bound */
    public synchronized OpenAiServer start() {
        if (jetty != null) {
            return this;
        }
        QueuedThreadPool pool = new QueuedThreadPool();
        pool.setName("qwen4j-http");
        pool.setVirtualThreadsExecutor(Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("qwen4j-request-", 0).factory()));
        Server server = new Server(pool);
        HttpConfiguration config = new HttpConfiguration();
        config.setSendServerVersion(false);
        connector = new ServerConnector(server, new HttpConnectionFactory(config));
        connector.setHost(backend.options().host());
        connector.setPort(backend.options().port());
        connector.setIdleTimeout(300_000); // a long prefill sends nothing for a while
        server.addConnector(connector);
        server.setHandler(new Router());
        server.setStopTimeout(5_000);
        try {
            server.start();
        } catch (Exception e) {
            try {
                server.stop();
            } catch (Exception ignored) {
                // already failing
            }
            Throwable cause = e.getCause() != null && e instanceof IOException ? e.getCause() : e;
            throw new Qwen4jException("cannot listen on " + backend.options().host() + ":" + backend.options().port() + ": "
                    + cause.getMessage() + " (choose another --port or --host)", e);
        }
        jetty = server;
        return this;
    }

    /** The port listened on (the chosen one when the options said 0). */
    public int port() {
        return connector.getLocalPort();
    }

    /** {@code http://HOST:PORT}, the base of every endpoint ({@code /v1} for OpenAI clients). */
    public String url() {
        String host = backend.options().host();
        String shown = host.equals("0.0.0.0") || host.isEmpty() ? "127.0.0.1" : host.contains(":") ? "[" + host + "]" : host;
        return "http://" + shown + ":" + port();
    }

    /** Waits until the server stops. */
    public void join() throws InterruptedException {
        Server s = jetty;
        if (s != null) {
            s.join();
        }
    }

    /** Stops accepting connections, cancels the requests in flight (their KV is freed), then stops. */
    @Override
    public synchronized void close() {
        if (jetty == null) {
            return;
        }
        try {
            connector.close();
            backend.active().forEach(ChoiceRun::cancel);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!backend.active().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            jetty.stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            throw new Qwen4jException("the HTTP server did not stop cleanly: " + e, e);
        } finally {
            jetty = null;
        }
    }

    /** Routes every request; runs on a virtual thread, so it blocks freely. */
    private final class Router extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            long start = System.nanoTime();
            String path = Request.getPathInContext(request);
            String endpoint = endpoint(path);
            JettyExchange ex = new JettyExchange(request, response);
            try {
                route(request, path, ex);
            } catch (ApiException e) {
                ex.error(e);
            } catch (IOException e) {
                ex.failed = e; // the client went away mid-response
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                ex.error(new ApiException(503, "server_error", "the server is shutting down", null, null));
            } catch (InvalidInputException e) {
                ex.error(ApiException.invalid(e.getMessage(), null));
            } catch (Qwen4jException e) {
                ex.error(new ApiException(500, "server_error", e.getMessage(), null, null));
            } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
                System.err.println("qwen4j serve: internal error on " + request.getMethod() + " " + path + ": " + e);
                ex.error(new ApiException(500, "server_error", "internal error: " + e.getClass().getSimpleName()
                        + (e.getMessage() == null ? "" : ": " + e.getMessage()), null, null));
            }
            backend.metrics().request(endpoint, ex.status, System.nanoTime() - start);
            if (ex.failed != null) {
                callback.failed(ex.failed);
            } else {
                callback.succeeded();
            }
            return true;
        }
    }

    private static String endpoint(String path) {
        return switch (path) {
            case "/v1/chat/completions" -> "chat_completions";
            case "/v1/completions" -> "completions";
            case "/v1/audio/transcriptions" -> "transcriptions";
            case "/v1/audio/speech" -> "audio_speech";
            case "/health" -> "health";
            case "/metrics" -> "metrics";
            default -> path.startsWith("/v1/models") ? "models" : "other";
        };
    }

    private void route(Request request, String path, JettyExchange ex) throws IOException, InterruptedException {
        String method = request.getMethod();
        if (path.startsWith("/v1/") && backend.options().apiKey().length() > 0) {
            String auth = request.getHeaders().get(HttpHeader.AUTHORIZATION);
            if (auth == null || !MessageDigest.isEqual(auth.getBytes(StandardCharsets.UTF_8), apiKey)) {
                throw new ApiException(401, "invalid_request_error", auth == null
                        ? "Missing API key: send it as the header 'Authorization: Bearer KEY'"
                        : "Incorrect API key provided", null, "invalid_api_key");
            }
        }
        switch (path) {
            case "/v1/chat/completions" -> {
                allow(method, "POST");
                Params params = new Params(Json.parse(body(request)));
                if (AudioOutput.requested(params)) {
                    audio.handle(params, ex);
                } else {
                    chat.handle(params, ex);
                }
            }
            case "/v1/audio/speech" -> {
                allow(method, "POST");
                speech.handle(new Params(Json.parse(body(request))), ex);
            }
            case "/v1/completions" -> {
                allow(method, "POST");
                completions.handle(new Params(Json.parse(body(request))), ex);
            }
            case "/v1/audio/transcriptions" -> {
                allow(method, "POST");
                transcriptions.handle(request.getHeaders().get(HttpHeader.CONTENT_TYPE), body(request), ex);
            }
            case "/v1/models" -> {
                allow(method, "GET");
                ObjectNode list = Json.object();
                list.put("object", "list");
                ArrayNode data = list.putArray("data");
                data.add(model());
                ex.json(200, list);
            }
            case "/health" -> {
                allow(method, "GET");
                EngineStats stats = backend.engine().engine().stats();
                ObjectNode o = Json.object();
                o.put("status", "ok");
                o.put("model", backend.options().modelName());
                o.put("running", stats.running());
                o.put("waiting", stats.waiting());
                ex.json(200, o);
            }
            case "/metrics" -> {
                allow(method, "GET");
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                backend.metrics().write(out);
                ex.send(200, backend.metrics().contentType(), out.toByteArray());
            }
            default -> {
                if (path.startsWith("/v1/models/")) {
                    allow(method, "GET");
                    String id = path.substring("/v1/models/".length());
                    if (!id.equals(backend.options().modelName())) {
                        throw new ApiException(404, "invalid_request_error", "The model '" + id + "' does not exist", "model", "model_not_found");
                    }
                    ex.json(200, model());
                    return;
                }
                throw new ApiException(404, "invalid_request_error", "Unknown request URL: " + method + " " + path
                        + " (this server has POST /v1/chat/completions, POST /v1/completions, POST /v1/audio/transcriptions,"
                        + " POST /v1/audio/speech, GET /v1/models, GET /health, GET /metrics)",
                        null, "unknown_url");
            }
        }
    }

    private ObjectNode model() {
        ObjectNode m = Json.object();
        m.put("id", backend.options().modelName());
        m.put("object", "model");
        m.put("created", STARTED);
        m.put("owned_by", "qwen4j");
        return m;
    }

    private static final long STARTED = Shapes.now();

    private static void allow(String method, String allowed) {
        if (!method.equals(allowed)) {
            throw new ApiException(405, "invalid_request_error", "Method " + method + " is not allowed here: use " + allowed, null, "method_not_allowed");
        }
    }

    /** The request body, at most maxBodyBytes; more is a 413. */
    private byte[] body(Request request) throws IOException {
        long max = backend.options().maxBodyBytes();
        long declared = request.getLength();
        if (declared > max) {
            throw tooLarge(declared, max);
        }
        try (InputStream in = Content.Source.asInputStream(request)) {
            byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
            if (body.length > max) {
                throw tooLarge(-1, max);
            }
            if (body.length == 0) {
                throw ApiException.invalid("the request body is empty: send a JSON object", null);
            }
            return body;
        }
    }

    private static ApiException tooLarge(long size, long max) {
        return new ApiException(413, "invalid_request_error", "The request body " + (size >= 0 ? "(" + size + " bytes) " : "")
                + "is larger than this server accepts (" + max + " bytes; see --max-body-mb)", null, "request_too_large");
    }

    /** Jetty's request and response as an {@link Exchange}. */
    private static final class JettyExchange implements Exchange {
        private final Request request;
        private final Response response;
        int status = 200;
        IOException failed;
        boolean closeAfterResponse;

        JettyExchange(Request request, Response response) {
            this.request = request;
            this.response = response;
        }

        void error(ApiException e) {
            status = e.status();
            if (response.isCommitted()) {
                return; // a stream already under way reports errors in its events
            }
            try {
                response.reset();
                if (e.status() == 401) {
                    response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
                }
                if (e.status() == 405) {
                    response.getHeaders().put(HttpHeader.ALLOW, e.getMessage().substring(e.getMessage().lastIndexOf(' ') + 1));
                }
                json(e.status(), ErrorBody.of(e));
                status = e.status();
            } catch (IOException io) {
                failed = io;
            }
        }

        @Override
        public void json(int status, JsonNode body) throws IOException {
            send(status, "application/json", Json.bytes(body));
        }

        @Override
        public void send(int code, String contentType, byte[] bytes) throws IOException {
            status = code;
            response.setStatus(code);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
            if (closeAfterResponse) {
                response.getHeaders().put(HttpHeader.CONNECTION, "close");
            }
            try (OutputStream out = Content.Sink.asOutputStream(response)) {
                out.write(bytes);
            }
        }

        @Override
        public EventStream events() {
            status = 200;
            response.setStatus(200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
            OutputStream out = Content.Sink.asOutputStream(response);
            return new EventStream() {
                @Override
                public void data(JsonNode event) throws IOException {
                    byte[] json = Json.bytes(event);
                    byte[] frame = new byte[json.length + 8];
                    System.arraycopy("data: ".getBytes(StandardCharsets.US_ASCII), 0, frame, 0, 6);
                    System.arraycopy(json, 0, frame, 6, json.length);
                    frame[frame.length - 2] = '\n';
                    frame[frame.length - 1] = '\n';
                    out.write(frame);
                    out.flush();
                }

                @Override
                public void comment(String text) throws IOException {
                    out.write((": " + text + "\n\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }

                @Override
                public void done() throws IOException {
                    out.write("data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII));
                    out.close();
                }
            };
        }

        @Override
        public OutputStream stream(int code, String contentType) {
            status = code;
            response.setStatus(code);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
            return Content.Sink.asOutputStream(response);
        }

        @Override
        public void onClientGone(Runnable r) {
            request.addFailureListener(t -> r.run());
        }

        /**
         * Jetty reads nothing more from a connection while its request is handled, so a client that closes the
         * connection then goes unnoticed until a write: this looks at the socket itself. Pending bytes (a request
         * pipelined behind this one) are left for Jetty; otherwise a non-blocking read of one byte tells end of
         * stream (-1) from a connection still open (0). Should a byte of a next request arrive between the two
         * looks and be read, the response closes the connection, so that the client sends that request again.
         */
        @Override
        public boolean clientGone() {
            EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
            if (!endPoint.isOpen()) {
                return true;
            }
            if (endPoint.isFillInterested() || !(endPoint.getTransport() instanceof SocketChannel channel) || channel.isBlocking()) {
                return false;
            }
            try {
                if (channel.socket().getInputStream().available() > 0) {
                    return false;
                }
                int n = channel.read(ByteBuffer.allocate(1));
                if (n > 0) {
                    closeAfterResponse = true;
                }
                return n < 0;
            } catch (IOException e) {
                return true; // reset by the peer
            }
        }
    }
}
