package io.qwen4j.cli;

import org.junit.jupiter.api.Test;

/** The spoken-answer options of {@code serve}: bad values are one line, before any model loads. */
class ServeSpeechOptionsTest {
    @Test
    void aChunkOfNoFramesIsRefused() {
        BadInputTest.assertOneLineError(CliRunner.run("serve", "--speech-chunk", "0"), "--speech-chunk");
    }
}
