package io.qwen4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qwen4j.engine.ChatEngine;
import io.qwen4j.engine.EngineOptions;
import io.qwen4j.models.LoadOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A real server on 127.0.0.1 (a free port) over the embedded demo model, and a plain HTTP client for it. */
final class TestServers {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String MODEL = "qwen4j-demo";

    final ChatEngine engine;
    final OpenAiServer server;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    final String key;

    private TestServers(EngineOptions engineOptions, ServerOptions options) {
        engine = ChatEngine.open(MODEL, Path.of(System.getProperty("qwen4j.demoModel")), LoadOptions.defaults().withThreads(2), engineOptions);
        server = new OpenAiServer(engine, options).start();
        key = options.apiKey();
    }

    private TestServers(ChatEngine engine, OpenAiServer server) {
        this.engine = engine;
        this.server = server;
        this.key = "";
    }

    /** A client for a server started elsewhere (no API key). */
    static TestServers client(OpenAiServer server) {
        return new TestServers(null, server);
    }

    static TestServers start(EngineOptions engineOptions, ServerOptions options) {
        return new TestServers(engineOptions, options);
    }

    /** The usual one: 8 sequences, prefix cache on, port 0. */
    static TestServers start() {
        return start(EngineOptions.defaults().withPrefixCacheTokens(16384), ServerOptions.defaults(MODEL).withPort(0));
    }

    void stop() {
        server.close();
        engine.close();
    }

    String url(String path) {
        return server.url() + path;
    }

    record Reply(int status, String body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }

        /** The data lines of an event stream, without "data: ". */
        List<String> events() {
            List<String> out = new ArrayList<>();
            for (String block : body.split("\n\n")) {
                if (block.startsWith("data: ")) {
                    out.add(block.substring(6));
                }
            }
            return out;
        }
    }

    Reply post(String path, String body) {
        return send(HttpRequest.newBuilder(URI.create(url(path))).POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    Reply post(String path, JsonNode body) {
        return post(path, body.toString());
    }

    Reply get(String path) {
        return send(HttpRequest.newBuilder(URI.create(url(path))).GET());
    }

    Reply send(HttpRequest.Builder request) {
        request.header("Content-Type", "application/json").timeout(Duration.ofSeconds(120));
        if (!key.isEmpty()) {
            request.header("Authorization", "Bearer " + key);
        }
        try {
            HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.body());
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static com.fasterxml.jackson.databind.node.ObjectNode parse(String json) {
        try {
            return (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(json);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
