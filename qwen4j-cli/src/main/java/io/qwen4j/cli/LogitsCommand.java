package io.qwen4j.cli;

import io.qwen4j.common.Qwen4jException;
import io.qwen4j.core.Batch;
import io.qwen4j.core.CausalLm;
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
            "%nExample:%n  qwen4j logits --model ./Qwen3-0.6B --ids 9707,11,1879 --out logits.npy%n"
        })
final class LogitsCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--ids", required = true, paramLabel = "ID,ID,...", converter = TokenIds.Converter.class,
            description = "Token ids, comma-separated.")
    TokenIds ids;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE.npy", description = "Where to write the logits.")
    Path out;

    @Override
    public Integer call() {
        try (CausalLm model = modelOptions.load()) {
            int[] tokens = ids.ids();
            FloatMatrix logits = model.forward(Batch.of(model.newCache(tokens.length), tokens, true));
            Npy.writeFloat32(out, Arrays.copyOf(logits.data(), logits.rows() * logits.cols()), logits.rows(), logits.cols());
        } catch (IOException e) {
            throw new Qwen4jException("cannot write " + out + ": " + e.getMessage(), e);
        }
        return 0;
    }
}
