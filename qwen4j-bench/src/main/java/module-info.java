/** JMH benchmarks of the tensor kernels; not part of the product, built only with the jmh profile. */
module io.qwen4j.bench {
    requires io.qwen4j.tensor;
    requires jmh.core;
    requires jdk.incubator.vector;
    requires java.management;
    exports io.qwen4j.bench;
}
