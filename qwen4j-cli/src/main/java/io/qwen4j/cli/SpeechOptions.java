package io.qwen4j.cli;

import io.qwen4j.common.InvalidInputException;
import io.qwen4j.common.ModelFileException;
import io.qwen4j.engine.ChatEngine;
import io.qwen4j.engine.Code2WavDecoders;
import io.qwen4j.engine.SpeechPipeline;
import io.qwen4j.engine.SpokenChat;
import io.qwen4j.models.LoadOptions;
import io.qwen4j.models.Qwen3OmniTalker;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** What `run --speak` and `chat --speak-dir` share: the voice, and whether the talker may be loaded at all. */
final class SpeechOptions {
    @Option(names = "--voice", paramLabel = "NAME",
            description = "Qwen3-Omni Instruct: the voice of the spoken answer (Ethan, Chelsie, Aiden; default: the model's, Ethan).")
    String voice;

    @Option(names = "--speech-frames", paramLabel = "N",
            description = "Qwen3-Omni Instruct: the most codec frames of a spoken answer, 12.5 per second (default: ${DEFAULT-VALUE}, the reference's limit).")
    int speechFrames = SpokenChat.MAX_FRAMES;

    @Option(names = "--no-talker",
            description = "Never load the talker and Code2Wav (Qwen3-Omni Instruct): saves their memory; answers are text only.")
    boolean noTalker;

    /** Refuses speech options without speech. */
    void checkUnused(boolean speaking, String speakOption) {
        if (!speaking && voice != null) {
            throw new InvalidInputException("--voice goes with " + speakOption);
        }
        if (speaking && noTalker) {
            throw new InvalidInputException(speakOption + " needs the talker; leave out --no-talker");
        }
    }

    /**
     * Checks, before the model loads, that the checkpoint can speak: a Qwen3-Omni Instruct folder (thinker, talker,
     * Code2Wav); the -Thinking and -Captioner checkpoints, GGUF files and text models cannot.
     */
    static void checkCanSpeak(Path model) {
        if (!Qwen3OmniTalker.present(model)) {
            throw new ModelFileException(model + " has no talker: spoken answers need a Qwen3-Omni Instruct checkpoint (thinker, talker and"
                    + " code2wav; -Thinking, -Captioner, GGUF files and text models answer in text only)");
        }
    }

    /** The talker and Code2Wav of {@code model} behind {@code chat}'s thinker; the voice is checked now. */
    Speaker open(ChatEngine chat, Path model, LoadOptions options) {
        Qwen3OmniTalker talker = Qwen3OmniTalker.load(model, options);
        try {
            if (voice != null) {
                talker.speakerId(voice);
            }
            Code2WavDecoders codec = Code2WavDecoders.open(model, options);
            return new Speaker(talker, codec, new SpokenChat(chat, new SpeechPipeline(chat.model(), talker, codec::decoder), speechFrames), voice);
        } catch (RuntimeException e) {
            talker.close();
            throw e;
        }
    }

    /** A loaded talker and codec decoder, speaking for one chat engine. */
    record Speaker(Qwen3OmniTalker talker, Code2WavDecoders codec, SpokenChat chat, String voice) implements AutoCloseable {
        @Override
        public void close() {
            try {
                codec.close();
            } finally {
                talker.close();
            }
        }
    }
}
