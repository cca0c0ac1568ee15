package io.qwen4j.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.models.LoadOptions;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The same requests as {@link AudioOutputTest} through the real speech pipeline of the tiny Qwen3-Omni checkpoint
 * (thinker → talker + code predictor → Code2Wav, {@link SpokenChatSpeaker}), Code2Wav in chunks of 3 frames after 2 of
 * context, at most 12 frames an answer.
 */
class SpokenServerTest extends AudioOutputTest {
    @BeforeAll
    static void start() {
        engine = tinyEngine();
        SpokenChatSpeaker s = SpokenChatSpeaker.open(engine, checkpoint(), LoadOptions.defaults().withThreads(2), 3, 2, 12);
        speaker = s;
        server = new OpenAiServer(engine, ServerOptions.defaults(MODEL).withPort(0), s).start();
        client = TestServers.client(server);
    }

    /** The official OpenAI Python package (tools/clients/openai_audio_test.py) gets the answers raw HTTP gets. */
    @Test
    void theOpenAiPythonPackageHearsTheSameAnswers() throws Exception {
        Path root = OpenAiPythonClientTest.ROOT;
        String python = OpenAiPythonClientTest.run(List.of("bash", root.resolve("tools/clients/setup-venv.sh").toString()), 600).strip();
        python = python.substring(python.lastIndexOf('\n') + 1);
        ObjectNode request = TestServers.parse("{\"model\": \"" + MODEL + "\", \"messages\": [{\"role\": \"user\", \"content\": \"Hi there\"}],"
                + " \"temperature\": 0, \"max_tokens\": 5, \"modalities\": [\"text\", \"audio\"], \"audio\": {\"voice\": \"chelsie\"}}");
        TestServers.Reply whole = client.post("/v1/chat/completions", request);
        byte[] wav = Base64.getDecoder().decode(whole.json().at("/choices/0/message/audio/data").asText());
        HttpResponse<byte[]> speech = client.http.send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/audio/speech"))
                .timeout(Duration.ofSeconds(120)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"input\": \"Hello there.\", \"voice\": \"aiden\", \"response_format\": \"pcm\"}"))
                .build(), HttpResponse.BodyHandlers.ofByteArray());
        ObjectNode expected = TestServers.JSON.createObjectNode();
        expected.put("model", MODEL);
        expected.put("user", "Hi there");
        expected.put("max_tokens", 5);
        expected.put("transcript", whole.json().at("/choices/0/message/audio/transcript").asText());
        expected.put("chat_sha256", sha256(Arrays.copyOfRange(wav, 44, wav.length)));
        expected.put("speech_input", "Hello there.");
        expected.put("speech_sha256", sha256(speech.body()));
        Path file = Files.createTempFile("qwen4j-audio-expected-", ".json");
        try {
            Files.writeString(file, expected.toString());
            System.out.println(OpenAiPythonClientTest.run(List.of(python, root.resolve("tools/clients/openai_audio_test.py").toString(),
                    "--base-url", server.url() + "/v1", "--expected", file.toString()), 300));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
