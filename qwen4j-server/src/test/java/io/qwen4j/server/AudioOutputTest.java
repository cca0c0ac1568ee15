package io.qwen4j.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.core.CausalLm;
import io.qwen4j.engine.ChatEngine;
import io.qwen4j.engine.EngineOptions;
import io.qwen4j.engine.GenerationDefaults;
import io.qwen4j.engine.OmniPrompt;
import io.qwen4j.formats.ConfigJson;
import io.qwen4j.formats.SafeTensorsSource;
import io.qwen4j.formats.WeightSource;
import io.qwen4j.media.MediaLimits;
import io.qwen4j.models.Architectures;
import io.qwen4j.models.LoadOptions;
import io.qwen4j.models.Qwen3OmniCode2Wav;
import io.qwen4j.tensor.Ops;
import io.qwen4j.tensor.ThreadPool;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Audio output on a real socket with the tiny Qwen3-Omni checkpoint: chat completions with {@code modalities:
 * ["text", "audio"]} whole (a WAV) and streamed (pcm16 chunks that concatenate to exactly the whole answer's
 * samples), {@code /v1/audio/speech} streamed as WAV or PCM, and 400s for what cannot be served.
 */
class AudioOutputTest {
    static final String MODEL = "tiny-omni";
    static ChatEngine engine;
    static ThreadPool pool;
    static WeightSource weights;
    static AutoCloseable speaker;
    static OpenAiServer server;
    static TestServers client;

    static Path checkpoint() {
        return Path.of(System.getProperty("qwen4j.fixtures"), "golden", "qwen3-omni-tiny");
    }

    static ChatEngine tinyEngine() {
        CausalLm model = Architectures.load(checkpoint(), LoadOptions.defaults().withThreads(2));
        return new ChatEngine(MODEL, model, TinyOmni.tokenizer(checkpoint()), OmniPrompt.fallbackTemplate(), GenerationDefaults.TRANSFORMERS,
                EngineOptions.defaults(), MediaLimits.DEFAULT);
    }

    /** The Code2Wav-backed test speaker: every answer token one frame, decoded in chunks of 2 frames. */
    @BeforeAll
    static void start() {
        engine = tinyEngine();
        pool = ThreadPool.create(2);
        weights = SafeTensorsSource.open(checkpoint());
        ConfigJson config = ConfigJson.read(checkpoint().resolve("config.json")).section("code2wav_config").orElseThrow();
        Qwen3OmniCode2Wav c2w = Qwen3OmniCode2Wav.load(weights, config, "code2wav.", Ops.vector(pool));
        server = new OpenAiServer(engine, ServerOptions.defaults(MODEL).withPort(0), new CodecSpeaker(engine, c2w, 2)).start();
        client = TestServers.client(server);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
        engine.close();
        if (speaker != null) {
            speaker.close();
        }
        if (weights != null) {
            weights.close();
        }
        if (pool != null) {
            pool.close();
        }
        speaker = null;
        weights = null;
        pool = null;
    }

    private static ObjectNode request(boolean stream, String format) {
        ObjectNode r = TestServers.parse("{\"model\": \"" + MODEL + "\", \"messages\": [{\"role\": \"user\", \"content\": \"Say something.\"}],"
                + " \"temperature\": 0, \"max_tokens\": 7}");
        r.putArray("modalities").add("text").add("audio");
        ObjectNode audio = r.putObject("audio");
        audio.put("voice", "chelsie");
        if (format != null) {
            audio.put("format", format);
        }
        r.put("stream", stream);
        return r;
    }

    /** The samples of a 24 kHz mono 16-bit WAV, as javax.sound reads them. */
    static short[] wavSamples(byte[] wav) throws Exception {
        try (AudioInputStream in = AudioSystem.getAudioInputStream(new BufferedInputStream(new ByteArrayInputStream(wav)))) {
            AudioFormat f = in.getFormat();
            assertEquals(24000, (int) f.getSampleRate());
            assertEquals(1, f.getChannels());
            assertEquals(16, f.getSampleSizeInBits());
            return shorts(in.readAllBytes());
        }
    }

    static short[] shorts(byte[] pcm) {
        short[] s = new short[pcm.length / 2];
        java.nio.ByteBuffer.wrap(pcm).order(java.nio.ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(s);
        return s;
    }

    @Test
    void aWholeAnswerIsAWavWithItsTranscriptAndTheStreamedOneConcatenatesToItExactly() throws Exception {
        TestServers.Reply whole = client.post("/v1/chat/completions", request(false, "wav"));
        assertEquals(200, whole.status(), whole.body());
        JsonNode message = whole.json().at("/choices/0/message");
        assertTrue(message.get("content").isNull(), whole.body());
        JsonNode audio = message.get("audio");
        assertTrue(audio.get("id").asText().startsWith("audio_"), whole.body());
        assertTrue(audio.get("expires_at").asLong() > 0);
        short[] samples = wavSamples(Base64.getDecoder().decode(audio.get("data").asText()));
        int frames = whole.json().at("/usage/completion_tokens").asInt();
        assertTrue(samples.length > 0 && frames > 0, whole.body());

        // the same answer as text only: the transcript is its content
        ObjectNode textOnly = request(false, null);
        textOnly.remove("modalities");
        textOnly.remove("audio");
        TestServers.Reply text = client.post("/v1/chat/completions", textOnly);
        assertEquals(200, text.status(), text.body());
        assertEquals(text.json().at("/choices/0/message/content").asText(), audio.get("transcript").asText());

        // streamed: transcript deltas and base64 pcm16 chunks
        TestServers.Reply streamed = client.post("/v1/chat/completions", request(true, "pcm16"));
        assertEquals(200, streamed.status(), streamed.body());
        ByteArrayOutputStream pcm = new ByteArrayOutputStream();
        StringBuilder transcript = new StringBuilder();
        int audioChunks = 0;
        String finish = null;
        List<String> events = streamed.events();
        assertEquals("[DONE]", events.getLast());
        for (String e : events.subList(0, events.size() - 1)) {
            JsonNode choice = TestServers.parse(e).at("/choices/0");
            JsonNode a = choice.at("/delta/audio");
            if (a.has("data")) {
                pcm.write(Base64.getDecoder().decode(a.get("data").asText()));
                audioChunks++;
            }
            if (a.has("transcript")) {
                transcript.append(a.get("transcript").asText());
            }
            if (!choice.get("finish_reason").isNull()) {
                finish = choice.get("finish_reason").asText();
            }
        }
        assertTrue(audioChunks > 1, "the audio came in one piece:\n" + streamed.body());
        assertEquals(audio.get("transcript").asText(), transcript.toString());
        assertEquals(whole.json().at("/choices/0/finish_reason").asText(), finish);
        assertArrayEquals(samples, shorts(pcm.toByteArray()), "streamed audio differs from the whole answer's");

        // pcm16 whole: the same samples without a header
        TestServers.Reply raw = client.post("/v1/chat/completions", request(false, "pcm16"));
        assertEquals(200, raw.status(), raw.body());
        assertArrayEquals(samples, shorts(Base64.getDecoder().decode(raw.json().at("/choices/0/message/audio/data").asText())));
    }

    private static HttpResponse<byte[]> speech(String body) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create(server.url() + "/v1/audio/speech")).timeout(Duration.ofSeconds(120))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return client.http.send(r, HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void speechIsStreamedAsWavOrPcm() throws Exception {
        HttpResponse<byte[]> wav = speech("{\"model\": \"" + MODEL + "\", \"input\": \"Hello there.\", \"voice\": \"aiden\"}");
        assertEquals(200, wav.statusCode(), new String(wav.body()));
        assertEquals("audio/wav", wav.headers().firstValue("content-type").orElse(""));
        assertEquals("chunked", wav.headers().firstValue("transfer-encoding").orElse(""), wav.headers().toString());
        short[] samples = wavSamples(wav.body());
        assertTrue(samples.length > 0);

        HttpResponse<byte[]> pcm = speech("{\"model\": \"" + MODEL + "\", \"input\": \"Hello there.\", \"voice\": \"Aiden\", \"response_format\": \"pcm\"}");
        assertEquals(200, pcm.statusCode(), new String(pcm.body()));
        assertEquals("audio/pcm", pcm.headers().firstValue("content-type").orElse(""));
        assertArrayEquals(samples, shorts(pcm.body()), "the same speech as WAV and as PCM");
        assertArrayEquals(Arrays.copyOfRange(wav.body(), 44, wav.body().length), pcm.body());
    }

    @Test
    void badAudioRequestsAre400s() {
        ObjectNode voice = request(false, "wav");
        ((ObjectNode) voice.get("audio")).put("voice", "alloy");
        assertError(client.post("/v1/chat/completions", voice), "audio.voice", "Ethan, Aiden, Chelsie");
        assertError(client.post("/v1/chat/completions", request(false, "mp3")), "audio.format", "wav");
        assertError(client.post("/v1/chat/completions", request(true, "wav")), "audio.format", "pcm16");
        ObjectNode n = request(false, "wav");
        n.put("n", 2);
        assertError(client.post("/v1/chat/completions", n), "n", "one choice");
        ObjectNode modalities = request(false, "wav");
        modalities.putArray("modalities").add("video");
        assertError(client.post("/v1/chat/completions", modalities), "modalities", "\"audio\"");
        assertError(client.post("/v1/audio/speech", TestServers.parse("{\"input\": \"\"}")), "input", "required");
        assertError(client.post("/v1/audio/speech", TestServers.parse("{\"input\": \"hi\", \"response_format\": \"mp3\"}")), "response_format", "wav");
        // the server still answers
        assertEquals(200, client.post("/v1/chat/completions", request(false, "wav")).status());
    }

    @Test
    void aTextOnlyModelAskedForAudioIsA400() {
        TestServers text = TestServers.start();
        try {
            ObjectNode r = request(false, "wav");
            r.put("model", TestServers.MODEL);
            TestServers.Reply reply = text.post("/v1/chat/completions", r);
            assertError(reply, "modalities", "cannot produce audio");
            assertEquals("audio_not_supported", reply.json().at("/error/code").asText());
            assertError(text.post("/v1/audio/speech", TestServers.parse("{\"input\": \"hi\"}")), "model", "cannot produce audio");
            r.remove("audio");
            r.putArray("modalities").add("text");
            assertEquals(200, text.post("/v1/chat/completions", r).status(), "text-only modalities are served");
        } finally {
            text.stop();
        }
    }

    static void assertError(TestServers.Reply r, String param, String mentions) {
        assertEquals(400, r.status(), r.body());
        JsonNode e = r.json().get("error");
        assertEquals(param, e.get("param").asText(), r.body());
        assertTrue(e.get("message").asText().contains(mentions), r.body());
        assertTrue(e.get("message").asText().lines().count() == 1, r.body());
    }
}
