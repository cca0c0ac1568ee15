package io.qwen4j.cli;

import io.qwen4j.common.InvalidInputException;
import io.qwen4j.engine.ChatEngine;
import io.qwen4j.engine.ChatResult;
import io.qwen4j.tokenizer.chat.ChatMessage;
import io.qwen4j.tokenizer.chat.ContentPart;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code qwen4j run}: one question, one streamed answer. */
@Command(name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Answers one prompt and exits.",
            "%nThe prompt is the arguments, or standard input when there are none. The answer streams to standard"
                + " output; the model's reasoning (Qwen3's <think> block) goes to standard error, dimmed, unless"
                + " --hide-reasoning. Sampling follows the checkpoint's generation_config.json unless flags say otherwise.",
            "%nWith a Qwen3-Omni model, --image, --audio and --video (repeatable) add media to the question, in the order given.",
            "%nExamples:%n  qwen4j run --model Qwen/Qwen3-0.6B \"Why is the sky blue?\""
                + "%n  qwen4j run --model ./Qwen3-Omni-30B-A3B-Instruct --image a.png --audio b.wav --video c.mp4 \"What is going on?\""
                + "%n  echo \"Summarise: ...\" | qwen4j run --model ./Qwen3-0.6B --no-think --temperature 0%n"
        })
final class RunCommand implements Callable<Integer> {
    @Mixin
    ConversationOptions conversation;

    @Mixin
    MediaOptions media;

    @Option(names = "--hide-reasoning", description = "Do not print the model's reasoning.")
    boolean hideReasoning;

    @Option(names = "--verbose", description = "Print token counts and speed to standard error at the end.")
    boolean verbose;

    @Parameters(paramLabel = "PROMPT", arity = "0..*", description = "The prompt (default: read standard input).")
    List<String> prompt;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        String text = prompt == null || prompt.isEmpty() ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8) : String.join(" ", prompt);
        if (text.isBlank() && !media.any()) {
            throw new InvalidInputException("the prompt is empty: give it as arguments or on standard input");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean color = System.console() != null && System.getenv("NO_COLOR") == null;
        try (ChatEngine chat = conversation.open()) {
            List<ChatMessage> messages = conversation.preamble();
            if (media.any()) {
                List<ContentPart> parts = new ArrayList<>(media.parts(spec.commandLine().getParseResult().originalArgs()));
                if (!text.isBlank()) {
                    parts.add(ContentPart.text(text.strip()));
                }
                messages.add(ChatMessage.user(parts));
            } else {
                messages.add(ChatMessage.user(text.strip()));
            }
            AnswerPrinter printer = new AnswerPrinter(out, hideReasoning ? null : err, color);
            ChatResult r = chat.chat(conversation.request(chat, messages, conversation.thinking()), printer);
            if (verbose) {
                err.printf(Locale.ROOT, "%d prompt tokens (%d cached), %d generated (%s); prompt %.1f tok/s, generation %.1f tok/s%n",
                        r.promptTokens(), r.generation().cachedTokens(), r.completionTokens(), r.finishReason(),
                        r.generation().promptTokensPerSecond(), r.generation().decodeTokensPerSecond());
                err.flush();
            }
        }
        return 0;
    }
}
