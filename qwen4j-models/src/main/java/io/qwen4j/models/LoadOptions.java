package io.qwen4j.models;

import io.qwen4j.formats.Progress;
import io.qwen4j.tensor.DType;
import io.qwen4j.tensor.ThreadPool;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * How to load a model.
 *
 * @param threads       compute threads (every core by default)
 * @param contextLength the longest sequence to allow, 0 for the model's own
 * @param quantize      quantize the matmul weights at load (e.g. a bf16 checkpoint to Q8_0), or keep them as stored
 * @param progress      told how loading advances (quantizing takes a while for big models)
 * @param mmproj        a GGUF model's mmproj file (llama.cpp's encoders of a multimodal model); the empty path for
 *                      the one {@code mmproj*.gguf} beside the model, if any
 */
public record LoadOptions(int threads, int contextLength, Quantize quantize, Progress progress, Path mmproj) {
    /** {@link #mmproj()} when the file beside the model is to be found. */
    public static final Path FIND_MMPROJ = Path.of("");

    /** Types the matmul weights can be quantized to at load. */
    public enum Quantize {
        AS_STORED(null), Q8_0(DType.Q8_0), Q4_0(DType.Q4_0), Q4_K(DType.Q4_K);

        private final DType dtype;

        Quantize(DType dtype) {
            this.dtype = dtype;
        }

        /** The storage type, empty for {@link #AS_STORED}. */
        public Optional<DType> dtype() {
            return Optional.ofNullable(dtype);
        }
    }

    public LoadOptions {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        if (contextLength < 0) {
            throw new IllegalArgumentException("context length must not be negative, got " + contextLength);
        }
        Objects.requireNonNull(quantize, "quantize");
        Objects.requireNonNull(progress, "progress");
        Objects.requireNonNull(mmproj, "mmproj (FIND_MMPROJ for the default)");
    }

    public LoadOptions(int threads, int contextLength, Quantize quantize, Progress progress) {
        this(threads, contextLength, quantize, progress, FIND_MMPROJ);
    }

    public LoadOptions(int threads, int contextLength) {
        this(threads, contextLength, Quantize.AS_STORED, Progress.NONE);
    }

    public static LoadOptions defaults() {
        return new LoadOptions(ThreadPool.defaultThreads(), 0);
    }

    public LoadOptions withThreads(int threads) {
        return new LoadOptions(threads, contextLength, quantize, progress, mmproj);
    }

    public LoadOptions withContextLength(int contextLength) {
        return new LoadOptions(threads, contextLength, quantize, progress, mmproj);
    }

    public LoadOptions withQuantize(Quantize quantize) {
        return new LoadOptions(threads, contextLength, quantize, progress, mmproj);
    }

    public LoadOptions withProgress(Progress progress) {
        return new LoadOptions(threads, contextLength, quantize, progress, mmproj);
    }

    public LoadOptions withMmproj(Path mmproj) {
        return new LoadOptions(threads, contextLength, quantize, progress, mmproj);
    }
}
