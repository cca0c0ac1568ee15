package io.qwen4j.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.engine.ChatEngine;
import io.qwen4j.engine.ChatRequest;
import io.qwen4j.engine.ChatResult;
import io.qwen4j.engine.EngineOptions;
import io.qwen4j.tokenizer.chat.ContentPart;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The official OpenAI Python package against a Qwen3-Omni model behind the server (tools/clients/openai_omni_test.py,
 * in the venv of tools/clients/setup-venv.sh): an image part, an audio part and a transcription, each the engine's own
 * answer computed here for the same files.
 */
class OmniPythonClientTest {
    @Test
    void theOpenAiPythonPackageSendsMediaAndAudioUploads() throws Exception {
        Path root = OpenAiPythonClientTest.ROOT;
        String python = OpenAiPythonClientTest.run(List.of("bash", root.resolve("tools/clients/setup-venv.sh").toString()), 600).strip();
        python = python.substring(python.lastIndexOf('\n') + 1);
        Path image = OmniServers.media("media-golden/chelsea-90x60.png");
        Path audio = OmniServers.media("media-golden/harvard-01-02.16k.wav");
        ChatEngine engine = OmniServers.engine(EngineOptions.defaults());
        OpenAiServer server = new OpenAiServer(engine, ServerOptions.defaults(OmniServers.MODEL).withPort(0)).start();
        Path file = Files.createTempFile("qwen4j-expected-", ".json");
        try {
            ChatRequest imageRequest = OmniServerTest.offline(ContentPart.image(image.toString()));
            ChatRequest audioRequest = OmniServerTest.offline(ContentPart.audio(audio.toString()));
            ObjectNode expected = TestServers.JSON.createObjectNode();
            expected.put("model", OmniServers.MODEL);
            expected.put("max_tokens", OmniServerTest.ANSWER);
            expected.put("image", image.toString());
            expected.put("image_prompt_tokens", engine.prompt(imageRequest).length());
            expected.put("image_content", engine.chat(imageRequest, x -> {}).content());
            expected.put("audio", audio.toString());
            expected.put("audio_prompt_tokens", engine.prompt(audioRequest).length());
            expected.put("audio_content", engine.chat(audioRequest, x -> {}).content());
            ChatResult transcription = OmniClientTest.transcribed(engine, audio, null);
            expected.put("transcription", transcription.content().strip());
            expected.put("bad_audio", OmniServers.media("media/bad/truncated.wav").toString());
            expected.put("bad_image", OmniServers.media("media/bad/truncated.png").toString());
            Files.writeString(file, expected.toString());
            String out = OpenAiPythonClientTest.run(List.of(python, root.resolve("tools/clients/openai_omni_test.py").toString(),
                    "--base-url", server.url() + "/v1", "--expected", file.toString()), 300);
            System.out.println(out);
        } finally {
            Files.deleteIfExists(file);
            server.close();
            engine.close();
        }
    }
}
