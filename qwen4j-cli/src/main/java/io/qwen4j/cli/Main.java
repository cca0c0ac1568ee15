package io.qwen4j.cli;

import io.qwen4j.common.Qwen4jException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code qwen4j} command. */
@Command(name = "qwen4j",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "Runs Qwen3 models on the CPU, in pure Java.",
            "%nStart with @|bold qwen4j demo|@: it generates with a tiny model bundled with qwen4j, nothing to download.%n"
        },
        subcommands = {DemoCommand.class, RunCommand.class, ChatCommand.class, ServeCommand.class, GenerateCommand.class, LogitsCommand.class,
            TokenizeCommand.class, BenchCommand.class, ConvertCommand.class, KlCommand.class, MediaInfoCommand.class,
            CommandLine.HelpCommand.class},
        footer = {"", "Run 'qwen4j help COMMAND' for a command's options."})
public final class Main implements Runnable {
    /** Exit status for errors in what the user gave (files, arguments). */
    static final int EXIT_ERROR = 1;
    /** Exit status for a bug in qwen4j. */
    static final int EXIT_INTERNAL = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        useLauncherStderr();
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** The launcher passes the terminal's stderr as a separate descriptor (see ./qwen4j); write there. */
    private static void useLauncherStderr() {
        String path = System.getProperty("qwen4j.stderr");
        if (path != null) {
            try {
                System.setErr(new java.io.PrintStream(new java.io.FileOutputStream(path, true), true, java.nio.charset.StandardCharsets.UTF_8));
            } catch (java.io.IOException e) {
                // keep the JVM's stderr
            }
        }
    }

    /** Runs the command line with the given streams; returns the exit status. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(out);
        cli.setErr(err);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof Qwen4jException) {
                err.println("error: " + e.getMessage());
                return EXIT_ERROR;
            }
            if (Boolean.getBoolean("qwen4j.verbose") || System.getenv("QWEN4J_VERBOSE") != null) {
                e.printStackTrace(err);
            } else {
                err.println("internal error: " + e + " (set QWEN4J_VERBOSE=1 for the stack trace, and please report it)");
            }
            return EXIT_INTERNAL;
        });
        int status = cli.execute(args);
        out.flush();
        err.flush();
        return status;
    }

    /** Version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"qwen4j " + (v == null ? "(development build)" : v) + " on Java " + Runtime.version()};
        }
    }
}
