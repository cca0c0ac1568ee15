package io.qwen4j.cli;

import io.qwen4j.common.Qwen4jException;
import io.qwen4j.engine.ChatEngine;
import io.qwen4j.engine.ChatRequest;
import io.qwen4j.engine.ChatResult;
import io.qwen4j.engine.ForwardingChatListener;
import io.qwen4j.engine.RequestHandle;
import io.qwen4j.engine.SpeechPipeline;
import io.qwen4j.engine.SpokenChat;
import io.qwen4j.media.WavWriter;
import io.qwen4j.tokenizer.chat.ChatMessage;
import io.qwen4j.tokenizer.chat.ContentPart;
import io.qwen4j.tokenizer.chat.ToolCall;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Callable;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code qwen4j chat}: an interactive conversation in the terminal. */
@Command(name = "chat",
        mixinStandardHelpOptions = true,
        description = {
            "Talks with a model in the terminal, streaming each answer.",
            "%nType a message and press Enter. For several lines, end a line with \\ or wrap the text in \"\"\"."
                + " Ctrl-C stops the answer being written (not the program); Ctrl-D or /bye leaves."
                + " Commands: /reset (forget the conversation), /think and /no_think (turn reasoning on or off),"
                + " /image, /audio, /video PATH (Qwen3-Omni: attach media to the next message), /help. Reasoning is shown"
                + " dimmed. Earlier turns are kept in the KV cache, so follow-ups start fast.",
            "%nWith a Qwen3-Omni Instruct checkpoint, --speak-dir DIR also says every answer: answer-1.wav, answer-2.wav, ..."
                + " in DIR (24 kHz WAV; --voice picks Ethan, Chelsie or Aiden).",
            "%nExample:%n  qwen4j chat --model Qwen/Qwen3-0.6B --system \"You are terse.\"%n"
        })
final class ChatCommand implements Callable<Integer> {
    static final String PROMPT = ">>> ";
    static final String CONTINUATION = "... ";
    static final String HELP = """
            /reset      forget the conversation (the system prompt stays)
            /think      let the model reason before answering
            /no_think   answer without reasoning
            /image PATH, /audio PATH, /video PATH
                        attach media to your next message (Qwen3-Omni models)
            /bye        leave (or Ctrl-D)
            Several lines: end a line with \\ or wrap the text in \"\"\". Ctrl-C stops an answer.""";

    @Mixin
    ConversationOptions conversation;

    @Mixin
    SpeechOptions speech;

    @Option(names = "--speak-dir", paramLabel = "DIR",
            description = "Qwen3-Omni Instruct: also say each answer, into DIR/answer-N.wav (24 kHz, 16-bit mono).")
    Path speakDir;

    @Override
    public Integer call() throws IOException {
        speech.checkUnused(speakDir != null, "--speak-dir");
        if (speakDir != null) {
            SpeechOptions.checkCanSpeak(conversation.model.resolve());
            Files.createDirectories(speakDir);
        }
        try (Terminal terminal = TerminalBuilder.builder().system(true).dumb(true).build();
             ChatEngine chat = conversation.open();
             SpeechOptions.Speaker speaker = speakDir == null ? null : speech.open(chat, conversation.model.resolve(), conversation.model.loadOptions())) {
            LineReader reader = LineReaderBuilder.builder().terminal(terminal)
                    .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true).build();
            PrintWriter out = terminal.writer();
            boolean color = !Terminal.TYPE_DUMB.equals(terminal.getType()) && !Terminal.TYPE_DUMB_COLOR.equals(terminal.getType())
                    && System.getenv("NO_COLOR") == null;
            var info = chat.model().info();
            out.printf(Locale.ROOT, "qwen4j chat: %s (%s, %s parameters, %s). /help for commands, Ctrl-D to leave.%n",
                    chat.name(), info.architecture(), count(info.parameters()), info.weightTypes());
            out.flush();
            List<ChatMessage> messages = conversation.preamble();
            List<ContentPart> attached = new ArrayList<>();
            ChatRequest.Thinking thinking = conversation.thinking();
            int spoken = 0;
            while (true) {
                String input;
                try {
                    input = readMessage(reader);
                } catch (UserInterruptException e) {
                    continue; // Ctrl-C at the prompt clears the line
                } catch (EndOfFileException e) {
                    out.println();
                    break;
                }
                String trimmed = input.strip();
                if (trimmed.isEmpty()) {
                    continue;
                }
                if (trimmed.startsWith("/") && !trimmed.contains("\n") && attach(trimmed, chat, attached, out)) {
                    out.flush();
                    continue;
                }
                if (trimmed.startsWith("/") && !trimmed.contains("\n")) {
                    switch (trimmed) {
                        case "/bye", "/exit", "/quit" -> {
                            return 0;
                        }
                        case "/reset", "/clear" -> {
                            messages = conversation.preamble();
                            attached.clear();
                            out.println("(conversation forgotten)");
                        }
                        case "/think" -> {
                            thinking = ChatRequest.Thinking.ON;
                            out.println("(reasoning on)");
                        }
                        case "/no_think" -> {
                            thinking = ChatRequest.Thinking.OFF;
                            out.println("(reasoning off)");
                        }
                        case "/help", "/?" -> out.println(HELP);
                        default -> out.println("unknown command " + trimmed + "; /help lists them");
                    }
                    out.flush();
                    continue;
                }
                if (attached.isEmpty()) {
                    messages.add(ChatMessage.user(input));
                } else {
                    List<ContentPart> parts = new ArrayList<>(attached);
                    parts.add(ContentPart.text(input));
                    messages.add(ChatMessage.user(parts));
                    attached.clear();
                }
                ChatResult r;
                try {
                    ChatRequest request = conversation.request(chat, messages, thinking);
                    r = speaker == null ? answer(terminal, chat, request, color)
                            : speak(terminal, speaker, request, speakDir.resolve("answer-" + ++spoken + ".wav"), color);
                } catch (Qwen4jException e) {
                    // e.g. the conversation no longer fits the context, or a file is not media: say so and keep the session
                    messages.removeLast();
                    out.println("error: " + e.getMessage() + (e.getMessage().contains("context") ? " (/reset starts over)" : ""));
                    out.flush();
                    continue;
                }
                ChatMessage.Builder reply = ChatMessage.builder("assistant").content(r.content());
                if (!r.reasoning().isEmpty()) {
                    reply.reasoningContent(r.reasoning());
                }
                for (ToolCall call : r.toolCalls()) {
                    reply.toolCall(call);
                }
                messages.add(reply.build());
                String note = switch (r.finishReason()) {
                    case "cancelled" -> "stopped, ";
                    case "length" -> "cut at the token limit, ";
                    default -> "";
                };
                out.printf(Locale.ROOT, "%s(%s%d tokens, %.1f tok/s)%s%n", color ? AnswerPrinter.DIM : "", note, r.completionTokens(),
                        r.generation().decodeTokensPerSecond(), color ? AnswerPrinter.RESET : "");
                out.flush();
            }
        }
        return 0;
    }

    /**
     * {@code /image PATH}, {@code /audio PATH}, {@code /video PATH}: a media part for the next message. False when
     * the line is another command.
     */
    static boolean attach(String line, ChatEngine chat, List<ContentPart> attached, PrintWriter out) {
        String[] words = line.split("\\s+", 2);
        String kind = switch (words[0]) {
            case "/image" -> "image";
            case "/audio" -> "audio";
            case "/video" -> "video";
            default -> null;
        };
        if (kind == null) {
            return false;
        }
        if (words.length < 2 || words[1].isBlank()) {
            out.println("usage: " + words[0] + " PATH");
        } else if (chat.model().mediaTokens().isEmpty()) {
            out.println("error: " + chat.model().info().architecture() + " reads text only; " + words[0] + " needs a Qwen3-Omni model");
        } else {
            Path file = Path.of(words[1].strip());
            if (!Files.exists(file)) {
                out.println("error: " + file + " does not exist");
            } else {
                attached.add(new ContentPart(kind, java.util.Map.of(kind, file.toString())));
                out.println("(" + kind + " " + file.getFileName() + " goes with your next message)");
            }
        }
        return true;
    }

    /** 1.05M, 0.60B, 30.5B. */
    static String count(long n) {
        return n >= 1e9 ? String.format(Locale.ROOT, "%.2fB", n / 1e9) : String.format(Locale.ROOT, "%.2fM", n / 1e6);
    }

    /** One message: a line, or several joined (trailing backslash, or a """ block). */
    static String readMessage(LineReader reader) {
        String line = reader.readLine(PROMPT);
        if (line.strip().startsWith("\"\"\"")) {
            StringBuilder sb = new StringBuilder(line.strip().substring(3));
            while (!sb.toString().stripTrailing().endsWith("\"\"\"")) {
                sb.append('\n').append(reader.readLine(CONTINUATION));
            }
            String text = sb.toString().stripTrailing();
            return text.substring(0, text.length() - 3).strip();
        }
        StringBuilder sb = new StringBuilder();
        while (line.endsWith("\\")) {
            sb.append(line, 0, line.length() - 1).append('\n');
            line = reader.readLine(CONTINUATION);
        }
        return sb.append(line).toString();
    }

    /** Streams one answer and says it into {@code wavFile}; Ctrl-C cancels both. */
    private static ChatResult speak(Terminal terminal, SpeechOptions.Speaker speaker, ChatRequest request, Path wavFile, boolean color) {
        AnswerPrinter printer = new AnswerPrinter(terminal.writer(), terminal.writer(), color);
        CompletableFuture<SpokenChat.Answer> done = new CompletableFuture<>();
        try (WavWriter wav = WavWriter.create(wavFile, WavWriter.SAMPLE_RATE)) {
            SpeechPipeline.Handle handle = speaker.chat().start(request, speaker.voice(), printer, chunk -> wav.write(chunk.pcm()), done::complete);
            return awaitCancellable(terminal, handle::cancel, () -> {
                handle.await();
                SpokenChat.Answer a = done.get();
                terminal.writer().printf(Locale.ROOT, "%s(spoken: %s, %.1f s)%s%n", color ? AnswerPrinter.DIM : "", wavFile,
                        a.speech().audioSeconds(), color ? AnswerPrinter.RESET : "");
                return a.text();
            });
        }
    }

    /** Streams one answer; Ctrl-C while it is written cancels it. */
    private static ChatResult answer(Terminal terminal, ChatEngine chat, ChatRequest request, boolean color) {
        AnswerPrinter printer = new AnswerPrinter(terminal.writer(), terminal.writer(), color);
        CompletableFuture<ChatResult> done = new CompletableFuture<>();
        RequestHandle handle = chat.submit(request, new ForwardingChatListener(printer) {
            @Override
            public void onFinish(ChatResult result) {
                super.onFinish(result);
                done.complete(result);
            }
        });
        return awaitCancellable(terminal, handle::cancel, () -> {
            ChatResult r = done.get();
            if (printer.error != null) {
                throw printer.error;
            }
            return r;
        });
    }

    /** Waiting for an answer: it may be interrupted, or the answer may have failed. */
    private interface AnswerWait<T> {
        T get() throws InterruptedException, ExecutionException;
    }

    /** Waits for an answer with Ctrl-C bound to {@code cancel} (the terminal's own handler back afterwards). */
    private static <T> T awaitCancellable(Terminal terminal, Runnable cancel, AnswerWait<T> answer) {
        Terminal.SignalHandler previous = terminal.handle(Terminal.Signal.INT, signal -> cancel.run());
        try {
            return answer.get();
        } catch (InterruptedException e) {
            cancel.run();
            Thread.currentThread().interrupt();
            throw new Qwen4jException("interrupted");
        } catch (ExecutionException e) {
            throw new Qwen4jException("the answer failed: " + e.getCause(), e.getCause());
        } finally {
            terminal.handle(Terminal.Signal.INT, previous);
        }
    }
}
