package io.qwen4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** A command in a real terminal: tmux runs it, send-keys types, capture-pane reads the screen. */
final class TmuxSession implements AutoCloseable {
    static final long TIMEOUT_MS = 60_000;

    private final String name;

    /**
     * Starts {@code qwen4j ARGS} from the test's own class path in a 160x50 terminal; the exit status is printed
     * as {@code EXITED n} when it ends.
     */
    TmuxSession(Path tmp, String suffix, String args) throws Exception {
        assertTrue(new ProcessBuilder("tmux", "-V").start().waitFor() == 0, "tmux is needed (./test installs it)");
        name = "qwen4j-" + suffix + "-" + ProcessHandle.current().pid();
        Path script = tmp.resolve(suffix + ".sh");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Files.writeString(script, "#!/bin/bash\n# bash, not sh: dash dies of the Ctrl-C meant for the chat once the chat exits\n'" + java
                + "' --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp '" + System.getProperty("java.class.path")
                + "' io.qwen4j.cli.Main " + args + "\necho \"EXITED $?\"\nsleep 60\n");
        script.toFile().setExecutable(true);
        assertEquals("", tmux("new-session", "-d", "-s", name, "-x", "160", "-y", "50", script.toString()).strip());
    }

    /**
     * A tmux command on this session's own server ({@code -L name}): tests in other JVMs (or work trees) never share a
     * server, so one that exits as its last session closes cannot take a starting session with it.
     */
    private String tmux(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-L", name));
        cmd.addAll(List.of(args));
        return run(cmd.toArray(String[]::new));
    }

    static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    String screen() throws Exception {
        return tmux("capture-pane", "-p", "-J", "-S", "-2000", "-t", name);
    }

    void keys(String... keys) throws Exception {
        List<String> args = new ArrayList<>(List.of("send-keys", "-t", name));
        args.addAll(List.of(keys));
        tmux(args.toArray(String[]::new));
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

    /** Text after the last line starting with {@code >>> message}. */
    static String after(String screen, String message) {
        int at = screen.lastIndexOf(">>> " + message);
        return at < 0 ? "" : screen.substring(screen.indexOf('\n', at) + 1);
    }

    @Override
    public void close() throws Exception {
        tmux("kill-server");
    }
}
