package io.qwen4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
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
    static final long TIMEOUT_MS = 60_000;

    @TempDir
    Path tmp;

    String session;

    static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    @BeforeEach
    void start() throws Exception {
        assertTrue(new ProcessBuilder("tmux", "-V").start().waitFor() == 0, "tmux is needed (./test installs it)");
        session = "qwen4j-chat-test-" + ProcessHandle.current().pid();
        Path script = tmp.resolve("chat.sh");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // the chat runs from the test's own class path; the exit status is printed when it ends
        Files.writeString(script, "#!/bin/bash\n# bash, not sh: dash dies of the Ctrl-C meant for the chat once the chat exits\n'" + java + "' --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED"
                + " -cp '" + System.getProperty("java.class.path") + "' io.qwen4j.cli.Main chat --temperature 0 --threads 1"
                + " --ignore-eos --max-tokens 1200"
                + " --system 'You are a test.'\necho \"EXITED $?\"\nsleep 60\n");
        script.toFile().setExecutable(true);
        assertEquals("", run("tmux", "new-session", "-d", "-s", session, "-x", "160", "-y", "50", script.toString()).strip());
    }

    @AfterEach
    void stop() throws Exception {
        run("tmux", "kill-session", "-t", session);
    }

    String screen() throws Exception {
        return run("tmux", "capture-pane", "-p", "-J", "-S", "-2000", "-t", session);
    }

    void keys(String... keys) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("tmux", "send-keys", "-t", session));
        cmd.addAll(List.of(keys));
        run(cmd.toArray(String[]::new));
    }

    /** Polls the screen until {@code test} holds; fails with the screen after the timeout. */
    String waitFor(String what, Predicate<String> test) throws Exception {
        long end = System.currentTimeMillis() + TIMEOUT_MS;
        String s = screen();
        while (!test.test(s)) {
            if (System.currentTimeMillis() > end) {
                throw new AssertionError("timed out waiting for " + what + "; the screen:\n" + s);
            }
            Thread.sleep(20);
            s = screen();
        }
        return s;
    }

    static int count(String s, String needle) {
        int n = 0;
        for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    /** Text after the last line starting with {@code >>> message}. */
    static String after(String screen, String message) {
        int at = screen.lastIndexOf(">>> " + message);
        return at < 0 ? "" : screen.substring(screen.indexOf('\n', at) + 1);
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
        waitFor("an answer after Ctrl-C", s -> after(s, "Still there?").contains(" tok/s)"));

        // Ctrl-D at the prompt leaves cleanly
        keys("C-d");
        String end = waitFor("the exit", s -> s.contains("EXITED"));
        assertTrue(end.contains("EXITED 0"), "exit status 0:\n" + end);
        assertFalse(end.contains("Exception"), end);
    }
}
