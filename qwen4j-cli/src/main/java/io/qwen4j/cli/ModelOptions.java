package io.qwen4j.cli;

import io.qwen4j.common.InvalidInputException;
import io.qwen4j.core.CausalLm;
import io.qwen4j.formats.ModelLocator;
import io.qwen4j.models.Architectures;
import io.qwen4j.models.LoadOptions;
import io.qwen4j.tensor.ThreadPool;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options that choose and load a model, shared by the commands. */
final class ModelOptions {
    @Option(names = {"-m", "--model"}, paramLabel = "MODEL",
            description = "A model folder in the Hugging Face layout (config.json, *.safetensors), a GGUF file, or a Hugging Face repo id"
                    + " such as Qwen/Qwen3-0.6B[@revision] found in the local Hugging Face cache (HF_HOME, HF_HUB_CACHE)."
                    + " Default: the embedded demo model.")
    String model;

    @Option(names = "--quantize", paramLabel = "TYPE",
            description = "Quantize the matmul weights at load: ${COMPLETION-CANDIDATES} (default: as stored).")
    LoadOptions.Quantize quantize = LoadOptions.Quantize.AS_STORED;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "Compute threads (default: all ${sys:qwen4j.cores} cores).")
    int threads = ThreadPool.defaultThreads();

    @Option(names = {"-c", "--ctx-size"}, paramLabel = "N", description = "Context size in tokens (default: the model's).")
    int contextLength;

    @Option(names = "--mmproj", paramLabel = "FILE",
            description = "The mmproj GGUF of a multimodal GGUF model (llama.cpp's Qwen3-Omni encoders; default: the one mmproj*.gguf beside the model).")
    Path mmproj;

    static {
        System.setProperty("qwen4j.cores", Integer.toString(ThreadPool.defaultThreads()));
    }

    LoadOptions loadOptions() {
        if (threads < 1) {
            throw new InvalidInputException("--threads must be at least 1, got " + threads);
        }
        if (contextLength < 0) {
            throw new InvalidInputException("--ctx-size must not be negative, got " + contextLength);
        }
        return new LoadOptions(threads, contextLength, quantize, new ProgressBars(), mmproj == null ? LoadOptions.FIND_MMPROJ : mmproj);
    }

    /** The model folder or file, or the embedded demo model when none was given. */
    Path resolve() {
        return model != null ? ModelLocator.fromEnvironment().resolve(model) : EmbeddedModel.path();
    }

    CausalLm load() {
        return Architectures.load(resolve(), loadOptions());
    }
}
