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
 * are not multiples of anything and several token counts. The integer kernels quantize the activation to 8
 * bits first (as llama.cpp does), so they are checked twice: tightly against the exact dot product with
 * that quantized activation (only float summation order differs), and against the scalar oracle within
 * the activation's quantization error Σ|w|·|x − x̂| plus the summation bound.
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
                    MatmulInput in = w.prepare(x);
                    if (in instanceof Q8Activations q) {
                        assertAgreesWithQuantizedActivation(w, q, expected, actual, what);
                    } else {
                        OpsAgreementTest.assertDotsClose(w, x, expected, actual, what);
                    }
                }
            }
        }
    }

    /** The activation as the integer kernel sees it: q·d per block. */
    static float[] dequantized(Q8Activations q) {
        float[] xh = new float[q.q.length];
        for (int i = 0; i < xh.length; i++) {
            xh[i] = q.q[i] * q.d[i / q.blockSize];
        }
        return xh;
    }

    static void assertAgreesWithQuantizedActivation(Weight w, Q8Activations q, FloatMatrix scalar, FloatMatrix fused, String what) {
        float[] xh = dequantized(q);
        float[] x = q.x.data();
        int cols = w.cols();
        float[] row = new float[cols];
        for (int r = 0; r < w.rows(); r++) {
            w.dequantizeRow(r, row, 0);
            for (int t = 0; t < q.x.rows(); t++) {
                double exact = 0;
                double absSum = 0;
                double actErr = 0;
                for (int c = 0; c < cols; c++) {
                    exact += (double) row[c] * xh[t * cols + c];
                    absSum += Math.abs(row[c] * xh[t * cols + c]) + Math.abs(row[c] * x[t * cols + c]);
                    actErr += Math.abs(row[c]) * Math.abs(x[t * cols + c] - xh[t * cols + c]);
                }
                double rounding = 4.0 * cols * Math.ulp(1.0f) * absSum + 1e-30;
                double got = fused.get(t, r);
                assertTrue(Math.abs(got - exact) <= rounding,
                        what + " [" + t + "," + r + "]: " + got + " vs exact " + exact + " with the quantized activation, bound " + rounding);
                assertTrue(Math.abs(got - scalar.get(t, r)) <= actErr + rounding,
                        what + " [" + t + "," + r + "]: " + got + " vs scalar " + scalar.get(t, r) + ", bound " + (actErr + rounding));
            }
        }
    }

    @Test
    void activationQuantizationIsOnceThenShared() {
        Random rnd = new Random(3);
        Weight w = randomWeight(rnd, DType.Q4_K, 3, 512);
        FloatMatrix x = OpsAgreementTest.random(rnd, 2, 512);
        MatmulInput in = w.prepare(x);
        assertTrue(in instanceof Q8Activations, "K-quants take Q8_K activations");
        assertTrue(Q8Activations.of(in, 256) == in, "a prepared input is reused, not quantized again");
        FloatMatrix a = new FloatMatrix(2, 3);
        FloatMatrix b = new FloatMatrix(2, 3);
        w.matmulRows(in, a, 0, 3);
        w.matmulRows(x, b, 0, 3);
        // same integer sums; only the float lane reduction may be ordered differently across JIT tiers
        OpsAgreementTest.assertClose(a, b, 1e-6, "prepared vs unprepared input");
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
