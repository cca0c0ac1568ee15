package io.qwen4j.cli;

import io.qwen4j.common.InvalidInputException;
import io.qwen4j.common.Qwen4jException;
import io.qwen4j.core.Batch;
import io.qwen4j.core.CausalLm;
import io.qwen4j.core.MediaInputs;
import io.qwen4j.core.MropePositions;
import io.qwen4j.core.PromptMedia;
import io.qwen4j.engine.OmniMedia;
import io.qwen4j.formats.Npy;
import io.qwen4j.tensor.FloatMatrix;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code qwen4j logits}: the model's logits for a sequence of ids, as a NumPy file. */
@Command(name = "logits",
        mixinStandardHelpOptions = true,
        description = {
            "Writes the logits of every position of a token sequence to a NumPy file.",
            "%nRuns one forward pass over the given ids and writes float32 logits of shape [number of ids, vocab]"
                + " as a .npy file, for checks against other engines (numpy.load reads it).",
            "%nWith a Qwen3-Omni model, --image, --audio, --video (or --video-frames DIR --fps N) give the media of the"
                + " prompt, each kind in the order of its placeholder blocks in the ids, which must be fully expanded as"
                + " transformers' Qwen3OmniMoeProcessor expands them (one <|image_pad|> per merged patch, ...).",
            "%nExamples:%n  qwen4j logits --model ./Qwen3-0.6B --ids 9707,11,1879 --out logits.npy"
                + "%n  qwen4j logits --model ./Qwen3-Omni --ids ... --image a.png --audio b.wav --video c.mp4 --out logits.npy%n"
        })
final class LogitsCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--ids", required = true, paramLabel = "ID,ID,...", converter = TokenIds.Converter.class,
            description = "Token ids, comma-separated.")
    TokenIds ids;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE.npy", description = "Where to write the logits.")
    Path out;

    @Mixin
    MediaOptions media;

    @Option(names = "--use-audio-in-video", description = "The ids interleave each video's soundtrack with its frames (HF's"
            + " use_audio_in_video): a video file brings its soundtrack; a folder of frames takes the next --audio.")
    boolean audioInVideo;

    @Override
    public Integer call() {
        try (CausalLm model = modelOptions.load()) {
            int[] tokens = ids.ids();
            PromptMedia prepared = PromptMedia.NONE;
            if (media.any()) {
                MropePositions.TokenIds t = model.mediaTokens().orElseThrow(() -> new InvalidInputException(model.info().architecture()
                        + " reads text only; --image, --audio and --video need a Qwen3-Omni model (a GGUF needs its mmproj)"));
                MediaInputs inputs = new OmniMedia().inputs(tokens, t, media.imageSources(), media.audioSources(), media.videoSources(),
                        audioInVideo);
                prepared = model.prepare(tokens, inputs);
            }
            FloatMatrix logits = model.forward(Batch.of(model.newCache(tokens.length), tokens, true, prepared));
            Npy.writeFloat32(out, Arrays.copyOf(logits.data(), logits.rows() * logits.cols()), logits.rows(), logits.cols());
        } catch (IOException e) {
            throw new Qwen4jException("cannot write " + out + ": " + e.getMessage(), e);
        }
        return 0;
    }
}
