package io.qwen4j.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code qwen4j chat} in a real terminal: tmux runs it, send-keys types, capture-pane reads the screen.
 * Covers streaming, /reset, a multi-line message, Ctrl-C in the middle of an answer (which must stop
 * the answer, not the program) and Ctrl-D (a clean exit).
 */
class ChatTmuxTest {
    @TempDir
    Path tmp;

    TmuxSession tmux;

    @BeforeEach
    void start() throws Exception {
        tmux = new TmuxSession(tmp, "chat-test", "chat --temperature 0 --threads 1 --ignore-eos --max-tokens 1200 --system 'You are a test.'");
    }

    @AfterEach
    void stop() throws Exception {
        tmux.close();
    }

    String waitFor(String what, java.util.function.Predicate<String> test) throws Exception {
        return tmux.waitFor(what, test);
    }

    void keys(String... keys) throws Exception {
        tmux.keys(keys);
    }

    static String after(String screen, String message) {
        return TmuxSession.after(screen, message);
    }

    @Test
    void aSessionStreamsResetsStopsOnCtrlCAndEndsOnCtrlD() throws Exception {
        // --ignore-eos --max-tokens 1200: every answer is long (the embedded model is random), so Ctrl-C lands mid-answer
        waitFor("the banner and prompt", s -> s.contains("qwen4j chat:") && s.contains(">>>"));

        // a first answer streams: text appears before the answer's closing statistics line
        keys("Tell me about the sea.", "Enter");
        String partial = waitFor("the answer to start", s -> !after(s, "Tell me about the sea.").isBlank());
        boolean sawTextBeforeTheEnd = !after(partial, "Tell me about the sea.").contains(" tokens, ");
        waitFor("the answer to finish and the prompt to come back", s -> after(s, "Tell me about the sea.").contains(" tok/s)")
                && after(s, "Tell me about the sea.").strip().endsWith(">>>"));
        assertTrue(sawTextBeforeTheEnd, "the answer should appear before it is complete:\n" + partial);

        keys("/reset", "Enter");
        waitFor("the reset", s -> s.contains("(conversation forgotten)"));

        // a multi-line message in a """ block
        keys("\"\"\"first line", "Enter");
        keys("second line\"\"\"", "Enter");
        waitFor("the continuation prompt and an answer", s -> s.contains("... second line") && after(s, "\"\"\"first line").contains(" tok/s)"));

        // Ctrl-C in the middle of a long answer stops the answer, not the program
        keys("Write a long essay.", "Enter");
        waitFor("the essay to start", s -> !after(s, "Write a long essay.").isBlank());
        keys("C-c");
        String stopped = waitFor("the stop note", s -> after(s, "Write a long essay.").contains(" tok/s)"));
        assertTrue(after(stopped, "Write a long essay.").contains("(stopped, "), "Ctrl-C stopped the answer:\n" + stopped);
        assertFalse(stopped.contains("EXITED"), "the program is still running");

        // it still answers afterwards
        keys("Still there?", "Enter");
        waitFor("an answer after Ctrl-C and the next prompt",
                s -> after(s, "Still there?").contains(" tok/s)") && s.strip().endsWith(">>>"));

        // Ctrl-D at the prompt leaves cleanly
        keys("C-d");
        String end = waitFor("the exit", s -> s.contains("EXITED"));
        assertTrue(end.contains("EXITED 0"), "exit status 0:\n" + end);
        assertFalse(end.contains("Exception"), end);
    }
}
