package io.qwen4j.server;

import io.qwen4j.models.LoadOptions;
import org.junit.jupiter.api.BeforeAll;

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
}
