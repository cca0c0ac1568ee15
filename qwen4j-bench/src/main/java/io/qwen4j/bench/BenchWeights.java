package io.qwen4j.bench;

import io.qwen4j.tensor.DType;
import io.qwen4j.tensor.FloatMatrix;
import io.qwen4j.tensor.Quantizer;
import io.qwen4j.tensor.Weight;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/** Random weights of a given type in off-heap memory (as a memory-mapped checkpoint is), and activations. */
final class BenchWeights {
    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private BenchWeights() {}

    /** A {@code rows x cols} weight of {@code type}, values ~ N(0, 0.02²) quantized row by row by the reference quantizer. */
    static Weight random(DType type, int rows, int cols, Arena arena, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long rowBytes = type.bytesFor(cols);
        MemorySegment seg = arena.allocate(rowBytes * rows, 64);
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                row[c] = (float) (gaussian(rnd) * 0.02);
            }
            long base = rowBytes * r;
            switch (type) {
                case F32 -> {
                    for (int c = 0; c < cols; c++) {
                        seg.set(FLOAT_LE, base + 4L * c, row[c]);
                    }
                }
                case BF16 -> {
                    for (int c = 0; c < cols; c++) {
                        seg.set(SHORT_LE, base + 2L * c, (short) (Float.floatToRawIntBits(row[c]) >>> 16));
                    }
                }
                case F16 -> {
                    for (int c = 0; c < cols; c++) {
                        seg.set(SHORT_LE, base + 2L * c, Float.floatToFloat16(row[c]));
                    }
                }
                default -> Quantizer.quantizeRow(type, row, 0, cols, seg, base);
            }
        }
        return Weight.of("bench", type, new long[] {rows, cols}, seg);
    }

    /** Cheap approximately normal values (sum of uniforms): the benchmarks need realistic magnitudes, not exact normals. */
    private static double gaussian(SplittableRandom rnd) {
        return rnd.nextDouble() + rnd.nextDouble() + rnd.nextDouble() + rnd.nextDouble() - 2.0;
    }

    static FloatMatrix activations(int tokens, int cols, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        FloatMatrix x = new FloatMatrix(tokens, cols);
        for (int i = 0; i < tokens * cols; i++) {
            x.data()[i] = (float) gaussian(rnd);
        }
        return x;
    }
}
