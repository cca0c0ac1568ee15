package io.qwen4j.bench;

import io.qwen4j.tensor.DType;
import io.qwen4j.tensor.FloatMatrix;
import io.qwen4j.tensor.Ops;
import io.qwen4j.tensor.ThreadPool;
import io.qwen4j.tensor.Weight;
import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;

/**
 * A quick look at single-thread kernel speed by CPU time (not wall time, so a busy machine skews it less):
 * one thread, Qwen3-0.6B FFN shapes, 1 token (decode) and 64 tokens (prefill), best of 10. Run with
 * {@code scripts/jmh-main KernelCpuTime [TYPE...]}; JMH ({@code scripts/jmh}) is the reference.
 */
public final class KernelCpuTime {
    private KernelCpuTime() {}

    public static void main(String[] args) {
        String[] types = args.length > 0 ? args : new String[] {"BF16", "Q8_0", "Q4_K", "Q6_K"};
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        try (Arena arena = Arena.ofShared(); ThreadPool pool = ThreadPool.create(1)) {
            Ops ops = Ops.vector(pool);
            System.out.println(ops.describe());
            for (String type : types) {
                for (int[] shape : new int[][] {{3072, 1024}, {1024, 3072}, {151936, 1024}}) {
                    Weight w = BenchWeights.random(DType.valueOf(type), shape[0], shape[1], arena, 1);
                    for (int tokens : shape[0] > 100000 ? new int[] {1} : new int[] {1, 64}) {
                        FloatMatrix x = BenchWeights.activations(tokens, shape[1], 2);
                        FloatMatrix out = new FloatMatrix(tokens, shape[0]);
                        int warm = shape[0] > 100000 ? 5 : tokens == 1 ? 400 : 20;
                        for (int i = 0; i < warm; i++) {
                            ops.matmul(w, x, out);
                        }
                        long best = Long.MAX_VALUE;
                        for (int i = 0; i < 10; i++) {
                            long t0 = mx.getCurrentThreadCpuTime();
                            int reps = tokens == 1 && shape[0] < 100000 ? 20 : 1;
                            for (int k = 0; k < reps; k++) {
                                ops.matmul(w, x, out);
                            }
                            best = Math.min(best, (mx.getCurrentThreadCpuTime() - t0) / reps);
                        }
                        System.out.printf(Locale.ROOT, "%-5s %5dx%-5d tokens %3d: %8.3f ms cpu  %6.1f GMAC/s  %6.1f GB/s of weights%n",
                                type, shape[0], shape[1], tokens, best / 1e6, (double) shape[0] * shape[1] * tokens / best, w.byteSize() / (double) best);
                    }
                }
            }
        }
    }
}
