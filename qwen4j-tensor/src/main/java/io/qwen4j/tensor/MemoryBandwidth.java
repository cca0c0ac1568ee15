package io.qwen4j.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Measures how fast this machine streams memory into the cores (a STREAM-like "read" kernel: sum a
 * buffer far larger than the caches with the preferred vector species), with a given number of
 * threads. Decoding reads every active weight once per token, so this is the ceiling for decode speed.
 */
public final class MemoryBandwidth {
    private MemoryBandwidth() {}

    /** Median read bandwidth in bytes per second over {@code repetitions} passes over {@code bytes}. */
    public static double readBytesPerSecond(ThreadPool pool, long bytes, int repetitions) {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buf = arena.allocate(bytes, 64);
            buf.fill((byte) 1); // touch every page
            int stride = VectorKernels.F.vectorByteSize();
            long chunks = bytes / stride;
            int parts = pool.threads() * 8;
            double[] rates = new double[repetitions];
            float[] sink = new float[parts];
            for (int r = 0; r < repetitions; r++) {
                long t0 = System.nanoTime();
                pool.parallelFor(parts, 1, (start, end) -> {
                    for (int p = start; p < end; p++) {
                        long from = chunks * p / parts;
                        long to = chunks * (p + 1) / parts;
                        FloatVector a0 = FloatVector.zero(VectorKernels.F);
                        FloatVector a1 = FloatVector.zero(VectorKernels.F);
                        long c = from;
                        for (; c + 1 < to; c += 2) {
                            a0 = a0.add(FloatVector.fromMemorySegment(VectorKernels.F, buf, c * stride, ByteOrder.LITTLE_ENDIAN));
                            a1 = a1.add(FloatVector.fromMemorySegment(VectorKernels.F, buf, (c + 1) * stride, ByteOrder.LITTLE_ENDIAN));
                        }
                        sink[p] = a0.add(a1).reduceLanes(VectorOperators.ADD);
                    }
                });
                rates[r] = bytes / ((System.nanoTime() - t0) / 1e9);
            }
            if (sink[0] == 42f) {
                System.out.print(""); // keeps the sums alive
            }
            Arrays.sort(rates);
            return rates[repetitions / 2];
        }
    }
}
