/** Numerical core: weights, activations, kernels. Knows nothing about transformers. */
module io.qwen4j.tensor {
    requires jdk.incubator.vector;
    exports io.qwen4j.common;
    exports io.qwen4j.tensor;
}
