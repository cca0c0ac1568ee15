package io.qwen4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.engine.ChatEngine;
import io.qwen4j.engine.EngineOptions;
import io.qwen4j.tokenizer.chat.ContentPart;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code serve --allow-media-urls}: image URLs fetched from an HTTP server in this process (a real socket), with the
 * byte limit, the read timeout and the redirect limit; without the flag such URLs are refused.
 */
class MediaUrlTest {
    static final Path IMAGE = OmniServers.media("media-golden/chelsea-90x60.png");
    static final int MAX_BYTES = 256 * 1024;
    static ChatEngine engine;
    static OpenAiServer server;
    static TestServers http;
    static Server media;
    static String base;

    @BeforeAll
    static void start() throws Exception {
        engine = OmniServers.engine(EngineOptions.defaults());
        server = new OpenAiServer(engine, ServerOptions.defaults(OmniServers.MODEL).withPort(0).withMedia(MediaPolicy.DEFAULT
                .withAllowUrls(true).withMaxBytes(MAX_BYTES).withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(1)).withMaxRedirects(2)))
                .start();
        http = TestServers.client(server);
        media = new Server();
        ServerConnector connector = new ServerConnector(media);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        media.addConnector(connector);
        byte[] png = OmniServers.bytes(IMAGE);
        media.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                String path = Request.getPathInContext(request);
                if (path.equals("/cat.png")) {
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "image/png");
                    response.write(true, ByteBuffer.wrap(png), callback);
                } else if (path.startsWith("/hop/")) { // /hop/N redirects N + 1 times before the picture
                    int n = Integer.parseInt(path.substring(5));
                    Response.sendRedirect(request, response, callback, n == 0 ? "/cat.png" : "/hop/" + (n - 1));
                } else if (path.equals("/big")) { // declares its size
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "image/png");
                    response.write(true, ByteBuffer.wrap(new byte[MAX_BYTES + 1]), callback);
                } else if (path.equals("/big-chunked")) { // does not: cut off while it comes
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "image/png");
                    byte[] chunk = new byte[64 * 1024];
                    for (int i = 0; i < 8; i++) {
                        Callback.Completable c = new Callback.Completable();
                        response.write(false, ByteBuffer.wrap(chunk), c);
                        try {
                            c.get();
                        } catch (Exception e) {
                            callback.failed(e); // the fetcher hung up: as it should
                            return true;
                        }
                    }
                    response.write(true, ByteBuffer.allocate(0), callback);
                } else if (path.equals("/slow")) {
                    Thread.sleep(3000);
                    response.write(true, ByteBuffer.wrap(png), callback);
                } else if (path.equals("/page")) {
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/html");
                    response.write(true, ByteBuffer.wrap("<html></html>".getBytes()), callback);
                } else {
                    Response.writeError(request, response, callback, 404);
                }
                return true;
            }
        });
        media.start();
        base = "http://127.0.0.1:" + connector.getLocalPort();
    }

    @AfterAll
    static void stop() throws Exception {
        media.stop();
        server.close();
        engine.close();
    }

    static ObjectNode request(String url) {
        return OmniServerTest.request(TestServers.parse("{\"type\": \"image_url\", \"image_url\": {\"url\": \"" + url + "\"}}"));
    }

    @Test
    void anImageUrlIsFetchedIntoThePrompt() {
        int promptTokens = engine.prompt(OmniServerTest.offline(ContentPart.image(IMAGE.toString()))).length();
        for (String url : new String[] {base + "/cat.png", base + "/hop/1"}) {
            TestServers.Reply r = http.post("/v1/chat/completions", request(url));
            assertEquals(200, r.status(), url + ": " + r.body());
            assertEquals(promptTokens, r.json().get("usage").get("prompt_tokens").asInt(), url);
        }
    }

    @Test
    void badUrlsGet400NamingWhatWentWrong() {
        String[][] cases = {
            {base + "/missing.png", "answered HTTP 404"},
            {base + "/hop/2", "redirects more than 2 times"},
            {base + "/big", "over this server's limit of " + MAX_BYTES},
            {base + "/big-chunked", "over this server's limit of " + MAX_BYTES},
            {base + "/slow", "time"},
            {base + "/page", "holds text/html, not an image"},
            {"http://127.0.0.1:1/cat.png", "failed"},
        };
        for (String[] c : cases) {
            TestServers.Reply r = http.post("/v1/chat/completions", request(c[0]));
            assertEquals(400, r.status(), c[0] + ": " + r.body());
            JsonNode error = r.json().get("error");
            System.out.println(c[0] + ": " + error.get("message").asText());
            assertTrue(error.get("message").asText().contains(c[1]), c[0] + ": " + r.body());
            assertEquals("messages[1].content[0].image_url.url", error.get("param").asText());
            assertEquals(200, http.post("/v1/chat/completions", request(base + "/cat.png")).status(), "after " + c[0]);
        }
    }
}
