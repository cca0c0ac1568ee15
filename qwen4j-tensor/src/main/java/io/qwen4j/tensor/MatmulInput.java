package io.qwen4j.tensor;

/**
 * The activation of one matmul, prepared once for the weight's kernel by {@link Weight#prepare} and then
 * shared by every row range of that matmul: plain floats for float weights, 8-bit blocks (llama.cpp's
 * Q8_0 / Q8_K activations) for the integer kernels of the quantized types.
 */
public interface MatmulInput {
    /** The activation as given, {@code [tokens, cols]}. */
    FloatMatrix floats();

    /** Plain floats, used as they are. */
    static MatmulInput of(FloatMatrix x) {
        return () -> x;
    }
}
