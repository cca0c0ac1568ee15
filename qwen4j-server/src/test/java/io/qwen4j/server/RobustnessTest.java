package io.qwen4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.engine.EngineOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Bad requests get OpenAI error objects with the right status; nothing a client sends stops the server. */
class RobustnessTest {
    static TestServers s;

    @BeforeAll
    static void start() {
        s = TestServers.start(EngineOptions.defaults().withPrefixCacheTokens(4096),
                ServerOptions.defaults(TestServers.MODEL).withPort(0).withMaxBodyBytes(64 * 1024));
    }

    @AfterAll
    static void stop() {
        s.stop();
    }

    static final String OK = "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"max_tokens\": 4}";

    /** A request, the status it must get, and the param the error must name (null: none). */
    record Case(String path, String body, int status, String param, String code) {}

    @Test
    void badRequestsGetOpenAiErrorObjectsNamingTheProblem() {
        String longPrompt = "word ".repeat(5000);
        List<Case> cases = List.of(
                new Case("/v1/chat/completions", "{\"messages\": [", 400, null, null),
                new Case("/v1/chat/completions", "[1, 2]", 400, null, null),
                new Case("/v1/chat/completions", "", 400, null, null),
                new Case("/v1/chat/completions", "{}", 400, "messages", null),
                new Case("/v1/chat/completions", "{\"messages\": []}", 400, "messages", null),
                new Case("/v1/chat/completions", "{\"messages\": \"Hi\"}", 400, "messages", null),
                new Case("/v1/chat/completions", "{\"messages\": [{\"role\": \"robot\", \"content\": \"x\"}]}", 400, "messages[0].role", null),
                new Case("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": 5}]}", 400, "messages[0].content", null),
                new Case("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\", \"image_url\": {\"url\": \"x\"}}]}]}", 400, "messages[0].content[0]", null),
                new Case("/v1/chat/completions", OK.replace("4}", "4, \"temperature\": \"hot\"}"), 400, "temperature", null),
                new Case("/v1/chat/completions", OK.replace("4}", "4, \"temperature\": 7}"), 400, "temperature", null),
                new Case("/v1/chat/completions", OK.replace("4}", "4, \"top_p\": -1}"), 400, "top_p", null),
                new Case("/v1/chat/completions", OK.replace("4}", "4, \"n\": 1000}"), 400, "n", null),
                new Case("/v1/chat/completions", OK.replace("4}", "4, \"stream\": \"yes\"}"), 400, "stream", null),
                new Case("/v1/chat/completions", OK.replace("4}", "4, \"stop\": [1]}"), 400, "stop", null),
                new Case("/v1/chat/completions", OK.replace("4}", "4, \"seed\": \"x\"}"), 400, "seed", null),
                new Case("/v1/chat/completions", OK.replace("4}", "4, \"top_logprobs\": 3}"), 400, "top_logprobs", null),
                new Case("/v1/chat/completions", OK.replace("4}", "4, \"logprobs\": true, \"top_logprobs\": 50}"), 400, "top_logprobs", null),
                new Case("/v1/chat/completions", OK.replace("4}", "0}"), 400, "max_tokens", null),
                new Case("/v1/chat/completions", OK.replace("4}", "100000}"), 400, "max_tokens", "context_length_exceeded"),
                new Case("/v1/chat/completions", OK.replace("\"max_tokens\": 4", "\"max_completion_tokens\": 5000"), 400, "max_completion_tokens", "context_length_exceeded"),
                new Case("/v1/chat/completions", OK.replace("Hi", longPrompt), 400, "messages", "context_length_exceeded"),
                new Case("/v1/chat/completions", OK.replace("4}", "4, \"model\": \"gpt-4o\"}"), 404, "model", "model_not_found"),
                new Case("/v1/chat/completions", OK.replace("4}", "4, \"tools\": [{\"type\": \"function\"}]}"), 400, "tools[0]", null),
                new Case("/v1/chat/completions", OK.replace("4}", "4, \"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"bad name!\"}}]}"), 400, "tools[0].function.name", null),
                new Case("/v1/chat/completions", OK.replace("4}", "4, \"tool_choice\": \"required\"}"), 400, "tool_choice", null),
                new Case("/v1/chat/completions", OK.replace("4}", "4, \"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\"}}], \"tool_choice\": {\"type\": \"function\", \"function\": {\"name\": \"g\"}}}"), 400, "tool_choice", null),
                new Case("/v1/chat/completions", OK.replace("4}", "4, \"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\", \"parameters\": {\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"string\", \"pattern\": \"x\"}}}}}], \"tool_choice\": \"required\"}"), 400, "tools[0].function.parameters", null),
                new Case("/v1/chat/completions", OK.replace("4}", "4, \"response_format\": {\"type\": \"xml\"}}"), 400, "response_format.type", null),
                new Case("/v1/chat/completions", OK.replace("4}", "4, \"response_format\": {\"type\": \"json_schema\", \"json_schema\": {\"name\": \"x\"}}}"), 400, "response_format.json_schema.schema", null),
                new Case("/v1/chat/completions", OK.replace("4}", "4, \"response_format\": {\"type\": \"json_schema\", \"json_schema\": {\"schema\": {\"type\": \"string\", \"format\": \"email\"}}}}"), 400, "response_format.json_schema.schema", null),
                new Case("/v1/chat/completions", OK.replace("4}", "4, \"response_format\": {\"type\": \"json_schema\", \"json_schema\": {\"schema\": {\"type\": \"strng\"}}}}"), 400, "response_format.json_schema.schema", null),
                new Case("/v1/chat/completions", OK.replace("4}", "4, \"chat_template_kwargs\": {\"enable_thinking\": \"no\"}}"), 400, "chat_template_kwargs.enable_thinking", null),
                new Case("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"" + "x".repeat(70 * 1024) + "\"}]}", 413, null, "request_too_large"),
                new Case("/v1/completions", "{\"prompt\": 5}", 400, "prompt", null),
                new Case("/v1/completions", "{\"prompt\": [1, 99999]}", 400, "prompt[1]", null),
                new Case("/v1/completions", "{\"prompt\": \"Hi\", \"suffix\": \"x\"}", 400, "suffix", null),
                new Case("/v1/completions", "{\"prompt\": \"" + "word ".repeat(5000) + "\"}", 400, "prompt", "context_length_exceeded"),
                new Case("/v1/nothing", "{}", 404, null, "unknown_url"));
        List<String> failures = new ArrayList<>();
        for (Case c : cases) {
            TestServers.Reply r = s.post(c.path(), c.body());
            String what = c.path() + " " + (c.body().length() > 120 ? c.body().substring(0, 120) + "..." : c.body());
            if (r.status() != c.status()) {
                failures.add(what + ": status " + r.status() + ", expected " + c.status() + ": " + r.body());
                continue;
            }
            JsonNode e = r.json().get("error");
            if (e == null || !e.get("message").isTextual() || e.get("message").asText().isEmpty() || !e.get("type").isTextual()
                    || !e.has("param") || !e.has("code")) {
                failures.add(what + ": not an OpenAI error object: " + r.body());
                continue;
            }
            String param = e.get("param").isNull() ? null : e.get("param").asText();
            String code = e.get("code").isNull() ? null : e.get("code").asText();
            if (!java.util.Objects.equals(c.param(), param) || (c.code() != null && !c.code().equals(code))) {
                failures.add(what + ": param " + param + ", code " + code + ", expected " + c.param() + ", " + c.code() + ": " + e.get("message"));
            }
            if (e.get("message").asText().contains("\n")) {
                failures.add(what + ": a message of several lines");
            }
        }
        assertEquals(List.of(), failures);
        assertEquals(405, s.send(HttpRequest.newBuilder(URI.create(s.url("/v1/chat/completions"))).GET()).status());
        assertEquals(404, s.get("/v1/models/other").status());
        assertEquals(TestServers.MODEL, s.get("/v1/models").json().get("data").get(0).get("id").asText());
        assertEquals(200, s.get("/health").status());
    }

    @Test
    void aTextModelRefusesMediaPartsSayingSo() {
        String[][] parts = {
            {"{\"type\": \"image_url\", \"image_url\": {\"url\": \"data:image/png;base64,AAAA\"}}", "does not accept images"},
            {"{\"type\": \"input_audio\", \"input_audio\": {\"data\": \"AAAA\", \"format\": \"wav\"}}", "does not accept audio"},
            {"{\"type\": \"video_url\", \"video_url\": {\"url\": \"data:video/mp4;base64,AAAA\"}}", "does not accept video"},
        };
        for (String[] part : parts) {
            TestServers.Reply r = s.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"text\","
                    + " \"text\": \"Look\"}, " + part[0] + "]}], \"max_tokens\": 2}");
            assertEquals(400, r.status(), r.body());
            JsonNode error = r.json().get("error");
            assertTrue(error.get("message").asText().contains(part[1]), error.toString());
            assertEquals("messages[0].content[1]", error.get("param").asText());
        }
        assertEquals(200, s.post("/v1/chat/completions", OK).status());
    }

    @Test
    void anApiKeyIsRequiredOnTheApiButNotOnHealth() {
        TestServers locked = TestServers.start(EngineOptions.single(), ServerOptions.defaults(TestServers.MODEL).withPort(0).withApiKey("sesame"));
        try {
            String url = locked.url("/v1/models");
            var none = locked.http.send(HttpRequest.newBuilder(URI.create(url)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            var wrong = locked.http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer sesame!").build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(401, none.statusCode());
            assertEquals(401, wrong.statusCode());
            assertEquals("invalid_api_key", TestServers.parse(wrong.body()).get("error").get("code").asText());
            assertEquals(200, locked.get("/v1/models").status()); // the helper sends the key
            var health = locked.http.send(HttpRequest.newBuilder(URI.create(locked.url("/health"))).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode());
        } catch (Exception e) {
            throw new AssertionError(e);
        } finally {
            locked.stop();
        }
    }

    @Test
    void aFullQueueAnswers429AndTheRestAreServed() throws Exception {
        // one sequence at a time and one waiting: of six long requests at once, some must be refused
        TestServers tight = TestServers.start(new EngineOptions(1, 512, 1, 0, 0), ServerOptions.defaults(TestServers.MODEL).withPort(0));
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<TestServers.Reply>> replies = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                replies.add(pool.submit(() -> tight.post("/v1/chat/completions", OK.replace("4}", "300, \"temperature\": 0}"))));
            }
            int ok = 0;
            int busy = 0;
            for (Future<TestServers.Reply> f : replies) {
                TestServers.Reply r = f.get();
                if (r.status() == 200) {
                    ok++;
                } else {
                    assertEquals(429, r.status(), r.body());
                    assertEquals("rate_limit_exceeded", r.json().get("error").get("code").asText());
                    busy++;
                }
            }
            assertTrue(ok >= 1 && busy >= 1, ok + " served, " + busy + " refused");
        } finally {
            tight.stop();
        }
    }

    @Test
    void aClientThatLeavesMidStreamCancelsItsRequestAndFreesItsSequence() throws Exception {
        long cancelledBefore = cancelled();
        String body = "{\"messages\": [{\"role\": \"user\", \"content\": \"Talk for a long time\"}], \"max_tokens\": 3500,"
                + " \"temperature\": 0, \"stream\": true, \"chat_template_kwargs\": {\"enable_thinking\": false}}";
        try (Socket socket = new Socket("127.0.0.1", s.server.port())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                    + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(bytes);
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            int data = 0;
            for (String line; data < 5 && (line = in.readLine()) != null; ) {
                if (line.startsWith("data: ")) {
                    data++;
                }
            }
            assertEquals(5, data);
            assertEquals(1, s.engine.engine().stats().running());
        } // the client goes away here, long before 3500 tokens
        long deadline = System.nanoTime() + 10_000_000_000L;
        while ((s.engine.engine().stats().running() > 0 || cancelled() == cancelledBefore) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(0, s.engine.engine().stats().running(), "the sequence is freed");
        assertEquals(cancelledBefore + 1, cancelled(), "it ended as cancelled");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"/v1/chat/completions", "/v1/completions"})
    void aClientThatLeavesBeforeAWholeAnswerCancelsItsRequest(String path) throws Exception {
        long cancelledBefore = cancelled();
        long generatedBefore = generated();
        int maxTokens = 3500;
        String body = path.equals("/v1/completions")
                ? "{\"prompt\": \"Once upon a time\", \"max_tokens\": " + maxTokens + ", \"temperature\": 0}"
                : "{\"messages\": [{\"role\": \"user\", \"content\": \"Talk for a long time\"}], \"max_tokens\": " + maxTokens
                + ", \"temperature\": 0, \"chat_template_kwargs\": {\"enable_thinking\": false}}";
        try (Socket socket = new Socket("127.0.0.1", s.server.port())) {
            OutputStream out = socket.getOutputStream();
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                    + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(bytes);
            out.flush();
            long until = System.nanoTime() + 10_000_000_000L;
            while (s.engine.engine().stats().running() == 0 && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            assertEquals(1, s.engine.engine().stats().running(), "the request is generating");
        } // the client goes away here, before its answer is whole
        long deadline = System.nanoTime() + 10_000_000_000L;
        while ((s.engine.engine().stats().running() > 0 || cancelled() == cancelledBefore) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(0, s.engine.engine().stats().running(), "the sequence is freed");
        assertEquals(cancelledBefore + 1, cancelled(), "it ended as cancelled");
        long generated = generated() - generatedBefore;
        assertTrue(generated < maxTokens, "it did not run to max_tokens: " + generated + " tokens");
        assertEquals(200, s.post("/v1/chat/completions", OK).status(), "the server still answers");
    }

    /** qwen4j_generation_tokens_total from /metrics. */
    static long generated() {
        for (String line : s.get("/metrics").body().split("\n")) {
            if (line.startsWith("qwen4j_generation_tokens_total ")) {
                return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    /** qwen4j_choices_finished_total{reason="cancelled"} from /metrics. */
    static long cancelled() {
        for (String line : s.get("/metrics").body().split("\n")) {
            if (line.startsWith("qwen4j_choices_finished_total{reason=\"cancelled\"}")) {
                return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    @Test
    void fuzzedRequestsNeverTakeTheServerDown() {
        SplittableRandom random = new SplittableRandom(11);
        String[] seeds = {
            "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"max_tokens\": 3, \"temperature\": 0.5, \"stop\": [\"x\"], \"logprobs\": true, \"top_logprobs\": 2}",
            "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"max_tokens\": 3, \"response_format\": {\"type\": \"json_schema\", \"json_schema\": {\"schema\": {\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"integer\"}}}}}}",
            "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"max_tokens\": 3, \"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\", \"parameters\": {\"type\": \"object\"}}}], \"tool_choice\": \"required\", \"stream\": true}",
            "{\"prompt\": [\"a\", \"b\"], \"max_tokens\": 3, \"n\": 2, \"logprobs\": 1, \"echo\": false}",
        };
        String[] junk = {"null", "-1", "1e999", "\"\"", "[]", "{}", "true", "[[[[]]]]", "\"\\u0000\"", "99999999999999999999", "0.5", "{\"a\": []}"};
        int served = 0;
        for (int i = 0; i < 300; i++) {
            String base = seeds[random.nextInt(seeds.length)];
            String body = switch (random.nextInt(3)) {
                case 0 -> { // a random value in place of a random value
                    int at = random.nextInt(base.length());
                    int colon = base.indexOf(": ", at);
                    if (colon < 0) {
                        yield base;
                    }
                    int end = colon + 2;
                    while (end < base.length() && ",}]".indexOf(base.charAt(end)) < 0) {
                        end++;
                    }
                    yield base.substring(0, colon + 2) + junk[random.nextInt(junk.length)] + base.substring(end);
                }
                case 1 -> base.substring(0, random.nextInt(base.length())); // truncated
                default -> { // a flipped byte
                    char[] c = base.toCharArray();
                    c[random.nextInt(c.length)] = (char) (32 + random.nextInt(95));
                    yield new String(c);
                }
            };
            String path = base.startsWith("{\"prompt\"") ? "/v1/completions" : "/v1/chat/completions";
            TestServers.Reply r = s.post(path, body);
            assertNotEquals(500, r.status(), body + " -> " + r.body());
            assertTrue(r.status() == 200 || r.status() == 400 || r.status() == 404 || r.status() == 413, body + " -> " + r.status());
            if (r.status() == 200) {
                served++;
            } else {
                assertTrue(r.json().get("error").get("message").isTextual());
            }
        }
        assertTrue(served > 10, served + " fuzzed requests were still valid");
        assertEquals(200, s.post("/v1/chat/completions", OK).status(), "the server still answers");
        assertEquals(0, s.engine.engine().stats().running());
    }
}
