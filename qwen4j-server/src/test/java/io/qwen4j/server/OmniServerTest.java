package io.qwen4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.engine.ChatEngine;
import io.qwen4j.engine.ChatRequest;
import io.qwen4j.engine.ChatResult;
import io.qwen4j.engine.EngineOptions;
import io.qwen4j.engine.SamplingParams;
import io.qwen4j.tokenizer.chat.ChatMessage;
import io.qwen4j.tokenizer.chat.ContentPart;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A Qwen3-Omni model behind the server on a real socket: each kind of content part reaches the prompt (the server
 * counts the prompt tokens the engine counts for the same media offline) and the greedy answer is the engine's own.
 */
class OmniServerTest {
    static final int ANSWER = 6;
    static final int MAX_MEDIA = 1 << 20;
    static ChatEngine engine;
    static OpenAiServer server;
    static TestServers http;

    @BeforeAll
    static void start() {
        engine = OmniServers.engine(EngineOptions.defaults().withPrefixCacheTokens(1 << 16));
        server = new OpenAiServer(engine, ServerOptions.defaults(OmniServers.MODEL).withPort(0)
                .withMedia(MediaPolicy.DEFAULT.withMaxBytes(MAX_MEDIA))).start();
        http = TestServers.client(server);
    }

    @AfterAll
    static void stop() {
        server.close();
        engine.close();
    }

    /** The request's content part for a file of fixtures/ in OpenAI's shape. */
    static ObjectNode part(String type, Path file) {
        ObjectNode part = TestServers.JSON.createObjectNode();
        part.put("type", type);
        String name = file.getFileName().toString();
        String ext = name.substring(name.lastIndexOf('.') + 1);
        switch (type) {
            case "image_url" -> part.putObject("image_url").put("url", "data:image/" + ext + ";base64," + OmniServers.base64(file));
            case "input_audio" -> part.putObject("input_audio").put("data", OmniServers.base64(file)).put("format", ext);
            case "video_url" -> part.putObject("video_url").put("url", "data:video/" + ext + ";base64," + OmniServers.base64(file));
            case "audio_url" -> part.putObject("audio_url").put("url", "data:audio/" + ext + ";base64," + OmniServers.base64(file));
            default -> throw new IllegalArgumentException(type);
        }
        return part;
    }

    static ObjectNode request(JsonNode mediaPart) {
        ObjectNode body = TestServers.JSON.createObjectNode();
        body.put("model", OmniServers.MODEL);
        body.put("max_tokens", ANSWER);
        body.put("temperature", 0);
        ArrayNode messages = body.putArray("messages");
        messages.addObject().put("role", "system").put("content", "Be brief.");
        ObjectNode user = messages.addObject().put("role", "user");
        ArrayNode content = user.putArray("content");
        content.add(mediaPart);
        content.addObject().put("type", "text").put("text", "What is this?");
        return body;
    }

    /** The same conversation offline: the media part as a file. */
    static ChatRequest offline(ContentPart media) {
        return ChatRequest.builder(List.of(ChatMessage.system("Be brief."), ChatMessage.user(List.of(media, ContentPart.text("What is this?")))),
                SamplingParams.greedy()).maxTokens(ANSWER).build();
    }

    @ParameterizedTest
    @CsvSource({
        "image_url, media-golden/chelsea-90x60.png",
        "input_audio, media-golden/harvard-01-02.16k.wav",
        "input_audio, media/audio/speech-22k.mp3",
        "audio_url, media/audio/espeak-en-harvard-02.flac",
        "video_url, media/video/slideshow-speech.mp4",
    })
    void eachContentPartReachesThePromptAndGetsTheEnginesAnswer(String type, String file) {
        Path path = OmniServers.media(file);
        Function<String, ContentPart> asFile = switch (type) {
            case "image_url" -> ContentPart::image;
            case "input_audio", "audio_url" -> ContentPart::audio;
            default -> ContentPart::video;
        };
        ChatRequest reference = offline(asFile.apply(path.toString()));
        int promptTokens = engine.prompt(reference).length();
        ChatResult expected = engine.chat(reference, x -> {});

        TestServers.Reply r = http.post("/v1/chat/completions", request(part(type, path)));
        assertEquals(200, r.status(), r.body());
        JsonNode json = r.json();
        assertEquals(promptTokens, json.get("usage").get("prompt_tokens").asInt(), "the media reached the prompt");
        assertTrue(promptTokens > 40, "the prompt holds the media's placeholders: " + promptTokens);
        JsonNode message = json.get("choices").get(0).get("message");
        assertEquals(expected.content(), message.get("content").asText(), r.body());
        assertEquals(expected.reasoning(), message.path("reasoning_content").asText(""), r.body());
        assertEquals(expected.finishReason(), json.get("choices").get(0).get("finish_reason").asText());
        assertEquals(expected.completionTokens(), json.get("usage").get("completion_tokens").asInt());
    }

    @org.junit.jupiter.api.Test
    void aStreamedAnswerToAnImageAndAVideoIsTheEnginesToo() {
        Path image = OmniServers.media("media-golden/chelsea-90x60.png");
        Path video = OmniServers.media("media/video/slideshow-speech.mp4");
        ChatRequest reference = ChatRequest.builder(List.of(ChatMessage.system("Be brief."), ChatMessage.user(List.of(
                ContentPart.text("Compare"), ContentPart.image(image.toString()), ContentPart.text("with"), ContentPart.video(video.toString())))),
                SamplingParams.greedy()).maxTokens(ANSWER).useAudioInVideo(true).build();
        ChatResult expected = engine.chat(reference, x -> {});
        ObjectNode body = request(part("image_url", image));
        ArrayNode content = (ArrayNode) body.get("messages").get(1).get("content");
        content.removeAll();
        content.addObject().put("type", "text").put("text", "Compare");
        content.add(part("image_url", image));
        content.addObject().put("type", "text").put("text", "with");
        content.add(part("video_url", video));
        body.put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        body.putObject("mm_processor_kwargs").put("use_audio_in_video", true);
        TestServers.Reply r = http.post("/v1/chat/completions", body);
        assertEquals(200, r.status(), r.body());
        StringBuilder text = new StringBuilder();
        int promptTokens = -1;
        for (String event : r.events()) {
            if (event.equals("[DONE]")) {
                continue;
            }
            JsonNode chunk = TestServers.parse(event);
            for (JsonNode choice : chunk.get("choices")) {
                text.append(choice.path("delta").path("content").asText(""));
            }
            if (chunk.hasNonNull("usage")) {
                promptTokens = chunk.get("usage").get("prompt_tokens").asInt();
            }
        }
        assertEquals(engine.prompt(reference).length(), promptTokens, "image, video and its soundtrack reached the prompt");
        assertEquals(expected.content(), text.toString());
    }

    static ObjectNode json(String text) {
        return TestServers.parse(text);
    }

    static String b64(byte[] bytes) {
        return java.util.Base64.getEncoder().encodeToString(bytes);
    }

    static byte[] garbage(int n) {
        byte[] b = new byte[n];
        new java.util.SplittableRandom(7).nextBytes(b);
        return b;
    }

    /** A bad media part, and what the error message must say. */
    record Bad(String name, JsonNode part, String says) {}

    static List<Bad> badParts() {
        Path bad = OmniServers.media("media/bad");
        String tooBig = b64(new byte[MAX_MEDIA + 1024]);
        return List.of(
                new Bad("truncated PNG", part("image_url", bad.resolve("truncated.png")), "truncated"),
                new Bad("garbage image", json("{\"type\": \"image_url\", \"image_url\": {\"url\": \"data:image/png;base64," + b64(garbage(3000)) + "\"}}"),
                        "not an image"),
                new Bad("truncated WAV", part("input_audio", bad.resolve("truncated.wav")), "(the audio)"),
                new Bad("garbage WAV", json("{\"type\": \"input_audio\", \"input_audio\": {\"data\": \"" + b64(garbage(5000)) + "\", \"format\": \"wav\"}}"),
                        "(the audio)"),
                new Bad("garbage MP3", part("input_audio", bad.resolve("not-media.mp3")), "(the audio)"),
                new Bad("truncated MP4", part("video_url", bad.resolve("truncated.mp4")), "(the video)"),
                new Bad("garbage MP4", json("{\"type\": \"video_url\", \"video_url\": {\"url\": \"data:video/mp4;base64," + b64(garbage(5000)) + "\"}}"),
                        "(the video)"),
                new Bad("bad base64", json("{\"type\": \"image_url\", \"image_url\": {\"url\": \"data:image/png;base64,iVBOR*w0KGgo\"}}"),
                        "not valid base64"),
                new Bad("not base64", json("{\"type\": \"image_url\", \"image_url\": {\"url\": \"data:image/png,rawbytes\"}}"), "not base64"),
                new Bad("unsupported audio format", json("{\"type\": \"input_audio\", \"input_audio\": {\"data\": \"AAAA\", \"format\": \"midi\"}}"),
                        "does not read"),
                new Bad("oversized image", json("{\"type\": \"image_url\", \"image_url\": {\"url\": \"data:image/png;base64," + tooBig + "\"}}"),
                        "over this server's limit"),
                new Bad("oversized audio", json("{\"type\": \"input_audio\", \"input_audio\": {\"data\": \"" + tooBig + "\", \"format\": \"wav\"}}"),
                        "over this server's limit"),
                new Bad("a video as an image", json("{\"type\": \"image_url\", \"image_url\": {\"url\": \"data:video/mp4;base64,AAAA\"}}"),
                        "not an image"),
                new Bad("a server file", json("{\"type\": \"image_url\", \"image_url\": {\"url\": \"file:///etc/hostname\"}}"), "data: URL"),
                new Bad("a server path", json("{\"type\": \"video_url\", \"video_url\": {\"url\": \"/etc/hostname\"}}"), "data: URL"),
                new Bad("a remote URL", json("{\"type\": \"image_url\", \"image_url\": {\"url\": \"https://example.com/cat.png\"}}"),
                        "--allow-media-urls"),
                new Bad("no url", json("{\"type\": \"image_url\", \"image_url\": {}}"), "must be an object"),
                new Bad("an unknown part", json("{\"type\": \"input_image\", \"image_url\": \"x\"}"), "image_url, input_audio, audio_url or video_url"));
    }

    @org.junit.jupiter.api.Test
    void badMediaGet400WithAMessageSayingWhatIsWrongAndTheServerGoesOn() {
        for (Bad bad : badParts()) {
            TestServers.Reply r = http.post("/v1/chat/completions", request(bad.part()));
            assertEquals(400, r.status(), bad.name() + ": " + r.body());
            JsonNode error = r.json().get("error");
            String message = error.get("message").asText();
            System.out.println(bad.name() + ": " + message);
            assertEquals("invalid_request_error", error.get("type").asText(), bad.name());
            assertTrue(error.get("param").asText().startsWith("messages"), bad.name() + ": " + r.body());
            assertTrue(message.contains(bad.says()), bad.name() + ": " + message);
            assertTrue(!message.contains("/tmp") && !message.contains("qwen4j-media-"), "no server paths: " + message);
            assertTrue(message.length() < 400 && !message.contains("\n\tat "), "one line: " + message);
            TestServers.Reply ok = http.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"text\","
                    + " \"text\": \"Hi\"}]}], \"max_tokens\": 2}");
            assertEquals(200, ok.status(), "after " + bad.name() + ": " + ok.body());
        }
        assertEquals(200, http.get("/v1/models").status());
        assertEquals(200, http.get("/health").status());
        assertEquals(0, engine.engine().stats().running());
    }
}
