package io.qwen4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The fused kernels of the quantized types against dequantise-then-F32 ({@link Ops#scalar()}), on rows that
 * are not multiples of anything and several token counts (one token takes the fused decode kernel, more the
 * widened prefill tile); and the vectorized widening against {@code dequantizeRow}, bit for bit.
 */
class QuantKernelsTest {
    private static final ThreadPool POOL = ThreadPool.create(3);
    private static final Ops VECTOR = Ops.vector(POOL);
    private static final Ops SCALAR = Ops.scalar();
    private static final int[] ROWS = {1, 5, 37};
    private static final int[] TOKENS = {1, 2, 9};

    @AfterAll
    static void close() {
        POOL.close();
    }

    static Weight randomWeight(Random rnd, DType type, int rows, int cols) {
        float[] x = new float[rows * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextGaussian() * (1 + 0.5 * Math.sin(i))) + (rnd.nextInt(50) == 0 ? 4f : 0f);
        }
        long rowBytes = type.bytesFor(cols);
        MemorySegment seg = MemorySegment.ofArray(new byte[(int) (rowBytes * rows)]);
        for (int r = 0; r < rows; r++) {
            Quantizer.quantizeRow(type, x, r * cols, cols, seg, r * rowBytes);
        }
        return Weight.of("w", type, new long[] {rows, cols}, seg);
    }

    static int[] widths(DType type) {
        return type.blockSize() == 256 ? new int[] {256, 768, 1280} : new int[] {32, 96, 160, 544};
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"})
    void fusedMatmulAgreesWithDequantizeThenF32(DType type) {
        Random rnd = new Random(type.ordinal());
        for (int cols : widths(type)) {
            for (int rows : ROWS) {
                for (int tokens : TOKENS) {
                    Weight w = randomWeight(rnd, type, rows, cols);
                    FloatMatrix x = OpsAgreementTest.random(rnd, tokens, cols);
                    FloatMatrix expected = new FloatMatrix(tokens, rows);
                    FloatMatrix actual = new FloatMatrix(tokens, rows);
                    SCALAR.matmul(w, x, expected);
                    VECTOR.matmul(w, x, actual);
                    String what = type + " " + rows + "x" + cols + " tokens " + tokens;
                    OpsAgreementTest.assertDotsClose(w, x, expected, actual, what);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"})
    void widenedRowsAreDequantizeRowBitForBit(DType type) {
        Random rnd = new Random(100 + type.ordinal());
        for (int cols : widths(type)) {
            QuantizedWeight w = (QuantizedWeight) randomWeight(rnd, type, 7, cols);
            float[] expected = new float[cols + 3];
            float[] actual = new float[cols + 3];
            for (int r = 0; r < w.rows(); r++) {
                w.dequantizeRow(r, expected, 3);
                w.widenRow(r, actual, 3);
                for (int c = 0; c < cols + 3; c++) {
                    assertEquals(Float.floatToRawIntBits(expected[c]), Float.floatToRawIntBits(actual[c]),
                            type + " row " + r + " of " + cols + " column " + (c - 3) + ": " + actual[c] + " vs " + expected[c]);
                }
            }
        }
    }

    @Test
    void quantizeWeightInParallelEqualsRowByRow() {
        Random rnd = new Random(4);
        FloatMatrix src = OpsAgreementTest.random(rnd, 9, 256);
        Weight f32 = F32Weight.of("x", new long[] {9, 256}, src.data());
        for (DType type : new DType[] {DType.Q8_0, DType.Q4_K, DType.Q6_K, DType.BF16}) {
            Weight q = Quantizer.quantize(f32, type, POOL);
            MemorySegment expected = MemorySegment.ofArray(new byte[(int) type.bytesFor(9 * 256)]);
            for (int r = 0; r < 9; r++) {
                Quantizer.quantizeRow(type, src.data(), r * 256, 256, expected, r * type.bytesFor(256));
            }
            assertEquals(-1, expected.mismatch(q.data()), type + " differs");
            assertEquals(type, q.dtype());
        }
    }

    @Test
    void rowsMustBeWholeBlocks() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Weight.of("w", DType.Q4_K, new long[] {2, 128}, MemorySegment.ofArray(new byte[144])));
        assertTrue(e.getMessage().contains("256"), e.getMessage());
    }
}
