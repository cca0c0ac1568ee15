package io.qwen4j.cli;

import io.qwen4j.common.InvalidInputException;
import io.qwen4j.engine.ChatEngine;
import io.qwen4j.engine.ChatRequest;
import io.qwen4j.engine.ChatResult;
import io.qwen4j.engine.SpeechPipeline;
import io.qwen4j.engine.SpokenChat;
import io.qwen4j.media.WavWriter;
import io.qwen4j.tokenizer.chat.ChatMessage;
import io.qwen4j.tokenizer.chat.ContentPart;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
            "%nWith a Qwen3-Omni Instruct checkpoint, --speak FILE also says the answer: the talker and Code2Wav run beside the"
                + " thinker and write a 24 kHz WAV file (--voice picks Ethan, Chelsie or Aiden).",
            "%nExamples:%n  qwen4j run --model Qwen/Qwen3-0.6B \"Why is the sky blue?\""
                + "%n  qwen4j run --model ./Qwen3-Omni-30B-A3B-Instruct --image a.png --audio b.wav --video c.mp4 \"What is going on?\""
                + "%n  qwen4j run --model ./Qwen3-Omni-30B-A3B-Instruct --speak answer.wav --voice Chelsie \"Tell me a joke.\""
                + "%n  echo \"Summarise: ...\" | qwen4j run --model ./Qwen3-0.6B --no-think --temperature 0%n"
        })
final class RunCommand implements Callable<Integer> {
    @Mixin
    ConversationOptions conversation;

    @Mixin
    MediaOptions media;

    @Mixin
    SpeechOptions speech;

    @Option(names = "--speak", paramLabel = "FILE", description = "Qwen3-Omni Instruct: also say the answer, into this WAV file (24 kHz, 16-bit mono).")
    Path speak;

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
        speech.checkUnused(speak != null, "--speak");
        if (speak != null) {
            SpeechOptions.checkCanSpeak(conversation.model.resolve());
        }
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
            ChatRequest request = conversation.request(chat, messages, conversation.thinking());
            ChatResult r = speak == null ? chat.chat(request, printer) : speak(chat, request, printer, err);
            if (verbose) {
                err.printf(Locale.ROOT, "%d prompt tokens (%d cached), %d generated (%s); prompt %.1f tok/s, generation %.1f tok/s%n",
                        r.promptTokens(), r.generation().cachedTokens(), r.completionTokens(), r.finishReason(),
                        r.generation().promptTokensPerSecond(), r.generation().decodeTokensPerSecond());
                err.flush();
            }
        }
        return 0;
    }

    /** The answer through the speech pipeline: text as it comes, the WAV file written chunk by chunk. */
    private ChatResult speak(ChatEngine chat, ChatRequest request, AnswerPrinter printer, PrintWriter err) {
        try (SpeechOptions.Speaker speaker = speech.open(chat, conversation.model.resolve(), conversation.model.loadOptions());
             WavWriter wav = WavWriter.create(speak, WavWriter.SAMPLE_RATE)) {
            SpokenChat.Answer a = speaker.chat().answer(request, speech.voice, printer, chunk -> wav.write(chunk.pcm()));
            if (printer.error != null) {
                throw printer.error;
            }
            if (verbose) {
                SpeechPipeline.Result s = a.speech();
                err.printf(Locale.ROOT, "%d frames, %.2f s of audio to %s; first audio after %.2f s, real-time factor %.2f%n", s.frames().size(),
                        s.audioSeconds(), speak, s.firstAudio() / 1e9, s.audioSeconds() > 0 ? s.total() / 1e9 / s.audioSeconds() : Double.NaN);
                err.flush();
            }
            return a.text();
        }
    }
}
