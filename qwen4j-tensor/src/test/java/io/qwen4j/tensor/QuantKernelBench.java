package io.qwen4j.tensor;

import java.util.Locale;
import java.util.Random;

/**
 * A quick check that the quantized kernels run vectorised: one thread, a 1024x3072 weight (a Qwen3-0.6B
 * FFN shape), one token and eight, fused kernel against the scalar oracle (dequantise, then a plain loop).
 * Not a test (speed is never asserted); run with
 * {@code java --add-modules jdk.incubator.vector -cp qwen4j-tensor/target/classes:qwen4j-tensor/target/test-classes io.qwen4j.tensor.QuantKernelBench}.
 */
public final class QuantKernelBench {
    private QuantKernelBench() {}

    public static void main(String[] args) {
        int rows = 1024;
        int cols = 3072;
        Random rnd = new Random(1);
        System.out.println("species: " + VectorKernels.describe() + "; quantized kernels: " + QuantKernels.describe());
        try (ThreadPool pool = ThreadPool.create(1)) {
            Ops fast = Ops.vector(pool);
            Ops scalar = Ops.scalar();
            for (DType type : new DType[] {DType.BF16, DType.Q8_0, DType.Q4_0, DType.Q4_K, DType.Q5_K, DType.Q6_K, DType.Q5_0}) {
                Weight w = type == DType.BF16
                        ? Quantizer.quantize(F32Weight.of("w", new long[] {rows, cols}, OpsAgreementTest.random(rnd, rows, cols).data()), DType.BF16, pool)
                        : QuantKernelsTest.randomWeight(rnd, type, rows, cols);
                for (int tokens : new int[] {1, 8}) {
                    FloatMatrix x = OpsAgreementTest.random(rnd, tokens, cols);
                    FloatMatrix out = new FloatMatrix(tokens, rows);
                    double fastNs = time(() -> fast.matmul(w, x, out));
                    double scalarNs = time(() -> scalar.matmul(w, x, out));
                    System.out.printf(Locale.ROOT, "%-5s tokens %d: fused %7.2f ms (%5.1f GMAC/s, %5.1f GB/s of weights)  scalar oracle %7.2f ms  speed-up %5.1fx%n",
                            type, tokens, fastNs / 1e6, (double) rows * cols * tokens / fastNs, w.byteSize() / fastNs,
                            scalarNs / 1e6, scalarNs / fastNs);
                }
            }
        }
    }

    private static double time(Runnable r) {
        for (int i = 0; i < 5; i++) {
            r.run();
        }
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            long t0 = System.nanoTime();
            r.run();
            best = Math.min(best, System.nanoTime() - t0);
        }
        return best;
    }
}
