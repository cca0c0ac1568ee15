package io.qwen4j.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code qwen4j chat} with media in a real terminal: {@code /image}, {@code /audio}, {@code /video} attach files to the
 * next message of a Qwen3-Omni model (the tiny checkpoint), a bad file is an error line and the session goes on, and a
 * text-only model says it reads text only.
 */
class OmniChatTmuxTest {
    @TempDir
    Path tmp;

    @Test
    void mediaCommandsAttachToTheNextMessage() throws Exception {
        Path model = OmniCheckpoint.chattable(Files.createDirectories(tmp.resolve("model")));
        Path media = Path.of(System.getProperty("qwen4j.fixtures"));
        try (TmuxSession t = new TmuxSession(tmp, "omni-chat-test", "chat --model '" + model + "' --temperature 0 --threads 1"
                + " --ignore-eos --max-tokens 8 --use-audio-in-video")) {
            t.waitFor("the banner and prompt", s -> s.contains("qwen4j chat:") && s.contains(">>>"));
            t.keys("/image " + media.resolve("media-golden/chelsea-90x60.png"), "Enter");
            t.waitFor("the image note", s -> s.contains("(image chelsea-90x60.png goes with your next message)"));
            t.keys("/audio " + media.resolve("media-golden/harvard-01-02.16k.wav"), "Enter");
            t.keys("/video " + media.resolve("media/video/slideshow-speech.mp4"), "Enter");
            t.waitFor("the video note", s -> s.contains("(video slideshow-speech.mp4 goes with your next message)"));
            t.keys("What is this?", "Enter");
            t.waitFor("an answer", s -> TmuxSession.after(s, "What is this?").contains("8 tokens"));

            t.keys("/image " + media.resolve("media/bad/truncated.jpg"), "Enter");
            t.keys("And this?", "Enter");
            String s = t.waitFor("the error", x -> TmuxSession.after(x, "And this?").contains("error:"));
            assertTrue(TmuxSession.after(s, "And this?").contains("truncated.jpg"), s);
            t.keys("/image " + media.resolve("no-such-file.png"), "Enter");
            t.waitFor("the missing file", x -> x.contains("no-such-file.png does not exist"));
            t.keys("Still there?", "Enter");
            t.waitFor("an answer after the error", x -> TmuxSession.after(x, "Still there?").contains("8 tokens"));
            t.keys("C-d");
            String end = t.waitFor("the exit", x -> x.contains("EXITED"));
            assertTrue(end.contains("EXITED 0"), end);
            assertFalse(end.contains("Exception"), end);
        }
    }

    @Test
    void aTextModelRefusesMediaCommands() throws Exception {
        try (TmuxSession t = new TmuxSession(tmp, "text-chat-test", "chat --temperature 0 --threads 1 --max-tokens 4")) {
            t.waitFor("the banner and prompt", s -> s.contains("qwen4j chat:") && s.contains(">>>"));
            t.keys("/image whatever.png", "Enter");
            t.waitFor("the refusal", s -> s.contains("reads text only; /image needs a Qwen3-Omni model"));
            t.keys("C-d");
            t.waitFor("the exit", x -> x.contains("EXITED 0"));
        }
    }
}
