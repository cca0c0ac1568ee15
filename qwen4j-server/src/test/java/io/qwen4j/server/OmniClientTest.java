package io.qwen4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.BadRequestException;
import com.openai.models.audio.AudioResponseFormat;
import com.openai.models.audio.transcriptions.Transcription;
import com.openai.models.audio.transcriptions.TranscriptionCreateParams;
import com.openai.models.audio.transcriptions.TranscriptionVerbose;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionContentPart;
import com.openai.models.chat.completions.ChatCompletionContentPartImage;
import com.openai.models.chat.completions.ChatCompletionContentPartText;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.qwen4j.engine.ChatEngine;
import io.qwen4j.engine.ChatRequest;
import io.qwen4j.engine.ChatResult;
import io.qwen4j.engine.EngineOptions;
import io.qwen4j.engine.SamplingParams;
import io.qwen4j.tokenizer.chat.ChatMessage;
import io.qwen4j.tokenizer.chat.ContentPart;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official OpenAI Java SDK against a Qwen3-Omni model behind the server: an image part in a chat and
 * {@code POST /v1/audio/transcriptions}, their answers the engine's own for the same media offline; then the
 * transcription endpoint's form handling and bad uploads with a plain HTTP client.
 */
class OmniClientTest {
    static final Path IMAGE = OmniServers.media("media-golden/chelsea-90x60.png");
    static final Path SPEECH = OmniServers.media("media-golden/harvard-01-02.16k.wav");
    static ChatEngine engine;
    static OpenAiServer server;
    static TestServers http;
    static OpenAIClient client;

    @BeforeAll
    static void start() {
        engine = OmniServers.engine(EngineOptions.defaults());
        server = new OpenAiServer(engine, ServerOptions.defaults(OmniServers.MODEL).withPort(0)).start();
        http = TestServers.client(server);
        client = OpenAIOkHttpClient.builder().baseUrl(server.url() + "/v1").apiKey("unused").maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
        engine.close();
    }

    @Test
    void anImagePartFromTheSdkGetsTheEnginesAnswer() {
        ChatRequest reference = OmniServerTest.offline(ContentPart.image(IMAGE.toString()));
        ChatResult expected = engine.chat(reference, x -> {});
        String url = "data:image/png;base64," + OmniServers.base64(IMAGE);
        ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder().model(OmniServers.MODEL)
                .addSystemMessage("Be brief.")
                .addUserMessageOfArrayOfContentParts(List.of(
                        ChatCompletionContentPart.ofImageUrl(ChatCompletionContentPartImage.builder()
                                .imageUrl(ChatCompletionContentPartImage.ImageUrl.builder().url(url).build()).build()),
                        ChatCompletionContentPart.ofText(ChatCompletionContentPartText.builder().text("What is this?").build())))
                .maxCompletionTokens(OmniServerTest.ANSWER).temperature(0.0).build());
        assertEquals(engine.prompt(reference).length(), c.usage().orElseThrow().promptTokens());
        assertEquals(expected.content(), c.choices().get(0).message().content().orElse(""));
        assertEquals(expected.completionTokens(), c.usage().orElseThrow().completionTokens());
    }

    /** The conversation the endpoint makes of an upload, offline. */
    static ChatResult transcribed(Path audio, String language) {
        return transcribed(engine, audio, language);
    }

    static ChatResult transcribed(ChatEngine engine, Path audio, String language) {
        List<ChatMessage> messages = List.of(ChatMessage.user(List.of(ContentPart.audio(audio.toString()),
                ContentPart.text(Transcriptions.instruction(language)))));
        ChatRequest r = ChatRequest.builder(messages, SamplingParams.greedy()).thinking(ChatRequest.Thinking.OFF).build();
        return engine.chat(ChatRequest.builder(messages, SamplingParams.greedy()).thinking(ChatRequest.Thinking.OFF)
                .maxTokens(Transcriptions.maxTokens(engine.prompt(r).length())).build(), x -> {});
    }

    @Test
    void theSdkTranscribesWithTheModelsAnswer() {
        ChatResult expected = transcribed(SPEECH, null);
        Transcription t = client.audio().transcriptions().create(TranscriptionCreateParams.builder().file(SPEECH)
                .model(OmniServers.MODEL).build()).asTranscription();
        assertEquals(expected.content().strip(), t.text());

        ChatResult english = transcribed(SPEECH, "en");
        TranscriptionVerbose v = client.audio().transcriptions().create(TranscriptionCreateParams.builder().file(SPEECH)
                .model(OmniServers.MODEL).language("en").responseFormat(AudioResponseFormat.VERBOSE_JSON).build()).asVerbose();
        assertEquals(english.content().strip(), v.text());
        assertEquals("english", v.language());
        assertEquals(5.535, v.duration(), 0.01, "harvard-01-02.16k.wav lasts 5.535 s (fixtures/media-golden/README.md)");

        BadRequestException e = assertThrows(BadRequestException.class, () -> client.audio().transcriptions().create(
                TranscriptionCreateParams.builder().file(OmniServers.media("media/bad/truncated.wav")).model(OmniServers.MODEL).build()));
        assertTrue(e.getMessage().contains("'file' (the audio)"), e.getMessage());
    }

    /** A multipart/form-data body of text fields and one file. */
    static HttpRequest.Builder form(List<String[]> fields, String fileName, byte[] file) {
        String boundary = "qwen4j-test-boundary";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String[] f : fields) {
            out.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + f[0] + "\"\r\n\r\n" + f[1] + "\r\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        if (file != null) {
            out.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + fileName
                    + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            out.writeBytes(file);
            out.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        out.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return HttpRequest.newBuilder(URI.create(server.url() + "/v1/audio/transcriptions"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(out.toByteArray()));
    }

    static TestServers.Reply send(HttpRequest.Builder b) {
        try {
            var r = http.http.send(b.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            return new TestServers.Reply(r.statusCode(), r.body());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void transcriptionFormsAndBadUploads() {
        byte[] mp3 = OmniServers.bytes(OmniServers.media("media/audio/speech-22k.mp3"));
        ChatResult expected = transcribed(OmniServers.media("media/audio/speech-22k.mp3"), null);
        TestServers.Reply text = send(form(List.of(new String[] {"model", OmniServers.MODEL}, new String[] {"response_format", "text"}),
                "speech.mp3", mp3));
        assertEquals(200, text.status(), text.body());
        assertEquals(expected.content().strip() + "\n", text.body());
        TestServers.Reply json = send(form(List.<String[]>of(), "speech.mp3", mp3));
        assertEquals(200, json.status(), json.body());
        assertEquals(expected.content().strip(), json.json().get("text").asText());
        assertEquals(expected.promptTokens(), json.json().get("usage").get("input_tokens").asInt());

        List<Object[]> bad = new ArrayList<>();
        bad.add(new Object[] {form(List.<String[]>of(new String[] {"model", OmniServers.MODEL}), null, null), "'file' is required"});
        bad.add(new Object[] {form(List.<String[]>of(), "noise.wav", OmniServers.bytes(OmniServers.media("media/bad/truncated.wav"))),
            "'file' (the audio) is not a media file"});
        bad.add(new Object[] {form(List.<String[]>of(), "empty.wav", new byte[0]), "'file' is empty"});
        bad.add(new Object[] {form(List.<String[]>of(new String[] {"response_format", "srt"}), "speech.mp3", mp3), "use json, text or verbose_json"});
        bad.add(new Object[] {form(List.<String[]>of(new String[] {"language", "xx-nope"}), "speech.mp3", mp3), "ISO-639-1"});
        bad.add(new Object[] {form(List.<String[]>of(new String[] {"temperature", "warm"}), "speech.mp3", mp3), "'temperature'"});
        bad.add(new Object[] {form(List.<String[]>of(new String[] {"model", "whisper-1"}), "speech.mp3", mp3), "does not exist"});
        bad.add(new Object[] {HttpRequest.newBuilder(URI.create(server.url() + "/v1/audio/transcriptions")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"file\": \"x\"}")), "multipart/form-data"});
        bad.add(new Object[] {HttpRequest.newBuilder(URI.create(server.url() + "/v1/audio/transcriptions"))
                .header("Content-Type", "multipart/form-data; boundary=abc").POST(HttpRequest.BodyPublishers.ofString("--abc\r\nnonsense")),
            "cannot be read"});
        for (Object[] b : bad) {
            TestServers.Reply r = send((HttpRequest.Builder) b[0]);
            int expectedStatus = ((String) b[1]).equals("does not exist") ? 404 : 400;
            assertEquals(expectedStatus, r.status(), r.body());
            JsonNode error = r.json().get("error");
            System.out.println(error.get("message").asText());
            assertTrue(error.get("message").asText().contains((String) b[1]), b[1] + ": " + r.body());
            assertEquals(200, http.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}],"
                    + " \"max_tokens\": 2}").status(), "the server goes on");
        }
        assertEquals(200, send(form(List.<String[]>of(), "speech.mp3", mp3)).status(), "and transcribes");
    }
}
