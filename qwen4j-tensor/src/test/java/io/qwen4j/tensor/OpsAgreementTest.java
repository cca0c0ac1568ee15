package io.qwen4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The Vector API ops against the scalar oracle, on sizes that are not multiples of any vector width. */
class OpsAgreementTest {
    private static final ThreadPool POOL = ThreadPool.create(3);
    private static final Ops VECTOR = Ops.vector(POOL);
    private static final Ops SCALAR = Ops.scalar();
    private static final int[] WIDTHS = {1, 3, 7, 15, 16, 17, 31, 33, 64, 100, 129, 257, 1000};

    @AfterAll
    static void close() {
        POOL.close();
    }

    static FloatMatrix random(Random rnd, int rows, int cols) {
        FloatMatrix m = new FloatMatrix(rows, cols);
        for (int i = 0; i < rows * cols; i++) {
            m.data()[i] = (float) rnd.nextGaussian();
        }
        return m;
    }

    static Weight randomWeight(Random rnd, DType dtype, int rows, int cols) {
        if (dtype.isQuantized()) {
            // quantized types get valid blocks: random floats through the reference quantizer
            float[] values = random(rnd, rows, cols).data();
            MemorySegment q = MemorySegment.ofArray(new byte[(int) dtype.bytesFor((long) rows * cols)]);
            for (int r = 0; r < rows; r++) {
                Quantizer.quantizeRow(dtype, values, r * cols, cols, q, dtype.bytesFor((long) r * cols));
            }
            return Weight.of("w", dtype, new long[] {rows, cols}, q);
        }
        MemorySegment seg = MemorySegment.ofArray(new byte[(int) dtype.bytesFor((long) rows * cols)]);
        for (long i = 0; i < (long) rows * cols; i++) {
            float v = (float) rnd.nextGaussian();
            switch (dtype) {
                case F32 -> seg.set(VectorKernels.FLOAT_LE, 4 * i, v);
                case F16 -> seg.set(VectorKernels.SHORT_LE, 2 * i, Float.floatToFloat16(v));
                case BF16 -> seg.set(VectorKernels.SHORT_LE, 2 * i, (short) (Float.floatToRawIntBits(v) >>> 16));
            }
        }
        return Weight.of("w", dtype, new long[] {rows, cols}, seg);
    }

    static void assertClose(FloatMatrix expected, FloatMatrix actual, double relTol, String what) {
        assertEquals(expected.rows(), actual.rows());
        assertEquals(expected.cols(), actual.cols());
        double maxAbs = 0;
        double maxRef = 1e-30;
        for (int i = 0; i < expected.rows() * expected.cols(); i++) {
            maxAbs = Math.max(maxAbs, Math.abs(expected.data()[i] - actual.data()[i]));
            maxRef = Math.max(maxRef, Math.abs(expected.data()[i]));
        }
        assertTrue(maxAbs <= relTol * maxRef, what + ": max abs error " + maxAbs + " against max |ref| " + maxRef);
    }

    /**
     * Two summation orders of a dot product of n terms differ by at most about n·2^-24·Σ|w·x| (the
     * classic bound); cancellation makes an error relative to the result itself meaningless.
     */
    static void assertDotsClose(Weight w, FloatMatrix x, FloatMatrix expected, FloatMatrix actual, String what) {
        float[] row = new float[w.cols()];
        for (int r = 0; r < w.rows(); r++) {
            w.dequantizeRow(r, row, 0);
            for (int t = 0; t < x.rows(); t++) {
                double absSum = 0;
                for (int c = 0; c < w.cols(); c++) {
                    absSum += Math.abs(row[c] * x.get(t, c));
                }
                double bound = 2.0 * w.cols() * Math.ulp(1.0f) * absSum + 1e-30;
                double err = Math.abs(expected.get(t, r) - actual.get(t, r));
                assertTrue(err <= bound, what + " [" + t + "," + r + "]: error " + err + " above the bound " + bound);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void matmulAgreesForEveryDtype(DType dtype) {
        Random rnd = new Random(1);
        for (int cols : WIDTHS) {
            for (int rows : new int[] {1, 5, 37}) {
                for (int tokens : new int[] {1, 2, 9}) {
                    Weight w = randomWeight(rnd, dtype, rows, cols);
                    FloatMatrix x = random(rnd, tokens, cols);
                    FloatMatrix expected = new FloatMatrix(tokens, rows);
                    FloatMatrix actual = new FloatMatrix(tokens, rows);
                    SCALAR.matmul(w, x, expected);
                    VECTOR.matmul(w, x, actual);
                    assertDotsClose(w, x, expected, actual, dtype + " matmul " + rows + "x" + cols + " tokens " + tokens);
                }
            }
        }
    }

    /** Products of different shapes (one without rows) in one job: chunks cross from one product to the next. */
    @ParameterizedTest
    @EnumSource(DType.class)
    void matmulsAgreeWithOneMatmulEach(DType dtype) {
        // matmuls runs several products as one parallel job: each must equal its own matmul exactly
        // (the kernels themselves are checked against the scalar oracle per type)
        Random rnd = new Random(6);
        int[][] shapes = {{37, 33, 1}, {5, 17, 3}, {0, 17, 2}, {129, 7, 9}, {16, 100, 1}, {1, 3, 2}};
        List<Ops.Product> products = new ArrayList<>();
        List<FloatMatrix> expected = new ArrayList<>();
        for (int[] s : shapes) {
            int cols = dtype.blockSize() == 1 ? s[1] : dtype.blockSize() * (1 + s[1] % 3); // whole blocks
            Weight w = randomWeight(rnd, dtype, s[0], cols);
            FloatMatrix x = random(rnd, s[2], cols);
            FloatMatrix e = new FloatMatrix(s[2], s[0]);
            VECTOR.matmul(w, x, e);
            expected.add(e);
            products.add(new Ops.Product(w, x, new FloatMatrix(s[2], s[0])));
        }
        VECTOR.matmuls(products);
        for (int i = 0; i < shapes.length; i++) {
            assertArrayEquals(expected.get(i).data(), products.get(i).out().data(), dtype + " matmuls, product " + i);
        }
    }


    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void dequantizedRowsMatchTheStoredValues(DType dtype) {
        Random rnd = new Random(2);
        Weight w = randomWeight(rnd, dtype, 3, 19);
        float[] all = w.toFloatArray();
        float[] row = new float[19];
        w.dequantizeRow(2, row, 0);
        for (int c = 0; c < 19; c++) {
            assertEquals(all[2 * 19 + c], row[c]);
        }
    }

    @Test
    void rmsNormAgrees() {
        Random rnd = new Random(3);
        for (int cols : WIDTHS) {
            FloatMatrix x = random(rnd, 4, cols);
            float[] weight = random(rnd, 1, cols).data();
            FloatMatrix expected = new FloatMatrix(4, cols);
            FloatMatrix actual = x.copy();
            SCALAR.rmsNorm(x, weight, 1e-6f, expected);
            VECTOR.rmsNorm(actual, weight, 1e-6f, actual); // in place
            assertClose(expected, actual, 1e-5, "rmsNorm " + cols);
        }
    }

    @Test
    void ropeAgrees() {
        Random rnd = new Random(4);
        for (int headDim : new int[] {2, 6, 18, 34, 64, 128}) {
            for (int heads : new int[] {1, 3}) {
                FloatMatrix x = random(rnd, 5, heads * headDim);
                FloatMatrix cos = random(rnd, 5, headDim / 2);
                FloatMatrix sin = random(rnd, 5, headDim / 2);
                FloatMatrix expected = x.copy();
                SCALAR.rope(expected, headDim, cos, sin);
                VECTOR.rope(x, headDim, cos, sin);
                assertClose(expected, x, 1e-6, "rope d=" + headDim);
            }
        }
    }

    @Test
    void ropePairsDimensionJWithJPlusHalf() {
        // One head of 4 dims at angle a: (x0, x2) and (x1, x3) rotate as complex pairs.
        FloatMatrix x = FloatMatrix.of(1, 4, 1f, 2f, 3f, 4f);
        float a = 0.5f;
        FloatMatrix cos = FloatMatrix.of(1, 2, (float) Math.cos(a), (float) Math.cos(2 * a));
        FloatMatrix sin = FloatMatrix.of(1, 2, (float) Math.sin(a), (float) Math.sin(2 * a));
        SCALAR.rope(x, 4, cos, sin);
        assertEquals(1 * Math.cos(a) - 3 * Math.sin(a), x.get(0, 0), 1e-6);
        assertEquals(3 * Math.cos(a) + 1 * Math.sin(a), x.get(0, 2), 1e-6);
        assertEquals(2 * Math.cos(2 * a) - 4 * Math.sin(2 * a), x.get(0, 1), 1e-6);
    }

    @Test
    void softmaxSiluAddAxpyAgree() {
        Random rnd = new Random(5);
        for (int n : WIDTHS) {
            FloatMatrix a = random(rnd, 1, n);
            FloatMatrix b = a.copy();
            SCALAR.softmax(a.data(), 0, n);
            VECTOR.softmax(b.data(), 0, n);
            assertClose(a, b, 1e-6, "softmax " + n);

            FloatMatrix g = random(rnd, 3, n);
            FloatMatrix u = random(rnd, 3, n);
            FloatMatrix e = new FloatMatrix(3, n);
            FloatMatrix v = new FloatMatrix(3, n);
            SCALAR.siluMul(g, u, e);
            VECTOR.siluMul(g, u, v);
            assertClose(e, v, 1e-6, "siluMul " + n);

            FloatMatrix acc1 = g.copy();
            FloatMatrix acc2 = g.copy();
            SCALAR.add(acc1, u);
            VECTOR.add(acc2, u);
            assertClose(acc1, acc2, 0, "add " + n);

            float[] y1 = g.data().clone();
            float[] y2 = g.data().clone();
            SCALAR.axpy(0.3f, u.data(), 1, y1, 2, n - 1 < 0 ? 0 : Math.max(0, n - 2));
            VECTOR.axpy(0.3f, u.data(), 1, y2, 2, n - 1 < 0 ? 0 : Math.max(0, n - 2));
            assertClose(new FloatMatrix(y1, 1, y1.length), new FloatMatrix(y2, 1, y2.length), 1e-6, "axpy " + n);
            assertEquals(SCALAR.dot(g.data(), 1, u.data(), 0, n - 1), VECTOR.dot(g.data(), 1, u.data(), 0, n - 1), 1e-4 * n);
        }
    }

    @Test
    void attentionDotsAndWeightedSumsAgreeAndKeepTheirBitsWhateverTheCount() {
        Random rnd = new Random(11);
        for (int n : new int[] {7, 16, 64, 100, 128, 257}) {
            for (int count : new int[] {1, 3, 4, 9, 16, 33, 50}) {
                int stride = n * 3 + 5;
                int first = 2;
                float[] rows = random(rnd, 1, first + count * stride).data();
                float[] q = random(rnd, 1, n + 1).data();
                float[] fast = new float[count];
                float[] slow = new float[count];
                VECTOR.dots(q, 1, rows, first, stride, count, n, 0.125f, fast);
                SCALAR.dots(q, 1, rows, first, stride, count, n, 0.125f, slow);
                float[] w = new float[count];
                for (int p = 0; p < count; p++) {
                    float[] one = new float[1];
                    VECTOR.dots(q, 1, rows, first + p * stride, stride, 1, n, 0.125f, one);
                    assertEquals(Float.floatToRawIntBits(one[0]), Float.floatToRawIntBits(fast[p]),
                            "dots[" + p + "] has the same bits computed alone (a decoded token) or among " + count + ", n " + n);
                    assertEquals(slow[p], fast[p], 1e-5 * n, "dots against the scalar oracle, n " + n);
                    w[p] = rnd.nextFloat();
                }
                float[] y = new float[n + 2];
                float[] axpys = new float[n + 2];
                float[] oracle = new float[n + 2];
                VECTOR.weightedSum(w, count, rows, first, stride, n, y, 2);
                SCALAR.weightedSum(w, count, rows, first, stride, n, oracle, 2);
                for (int p = 0; p < count; p++) {
                    VECTOR.axpy(w[p], rows, first + p * stride, axpys, 2, n);
                }
                for (int i = 2; i < n + 2; i++) {
                    assertEquals(Float.floatToRawIntBits(axpys[i]), Float.floatToRawIntBits(y[i]), "weightedSum is axpy row after row, n " + n + " column " + i);
                    assertEquals(oracle[i], y[i], 1e-5 * count, "weightedSum against the scalar oracle");
                }
            }
        }
    }

    @Test
    void layerNormAgrees() {
        Random rnd = new Random(6);
        for (int cols : WIDTHS) {
            FloatMatrix x = random(rnd, 4, cols);
            for (int i = 0; i < x.data().length; i++) {
                x.data()[i] = 3f + 2f * x.data()[i]; // an offset, so that the mean matters
            }
            float[] weight = random(rnd, 1, cols).data();
            float[] bias = random(rnd, 1, cols).data();
            FloatMatrix expected = new FloatMatrix(4, cols);
            FloatMatrix actual = x.copy();
            SCALAR.layerNorm(x, weight, bias, 1e-5f, expected);
            VECTOR.layerNorm(actual, weight, bias, 1e-5f, actual); // in place
            assertClose(expected, actual, 1e-5, "layerNorm " + cols);
        }
    }

    @Test
    void geluVariantsAgree() {
        Random rnd = new Random(7);
        for (int n : WIDTHS) {
            FloatMatrix x = random(rnd, 3, n);
            for (int i = 0; i < x.data().length; i++) {
                x.data()[i] *= 3f; // reach the tails, where erf saturates
            }
            FloatMatrix expected = new FloatMatrix(3, n);
            FloatMatrix actual = x.copy();
            SCALAR.gelu(x, expected);
            VECTOR.gelu(actual, actual);
            // the vector erf is Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), as in torch
            assertClose(expected, actual, 1e-6, "gelu " + n);
            actual = x.copy();
            SCALAR.geluTanh(x, expected);
            VECTOR.geluTanh(actual, actual);
            assertClose(expected, actual, 1e-6, "geluTanh " + n);
        }
    }

    @Test
    void geluIsXTimesTheNormalCdf() {
        // Φ(x) = (1 + erf(x/√2))/2 is exactly 1/2 at 0 and symmetric: gelu(x) − gelu(−x) = x.
        FloatMatrix x = FloatMatrix.of(1, 4, 0f, 0.7f, -0.7f, 2.5f);
        FloatMatrix y = new FloatMatrix(1, 4);
        for (Ops ops : new Ops[] {SCALAR, VECTOR}) {
            ops.gelu(x, y);
            assertEquals(0f, y.get(0, 0));
            assertEquals(0.7f, y.get(0, 1) - y.get(0, 2), 1e-6);
        }
    }

    @Test
    void softmaxOfKnownValues() {
        float[] x = {0f, (float) Math.log(3)};
        VECTOR.softmax(x, 0, 2);
        assertEquals(0.25f, x[0], 1e-7);
        assertEquals(0.75f, x[1], 1e-7);
    }

    @Test
    void preferredSpeciesIsTheWidestTheCpuHas() {
        // A species narrower than the hardware's would run, but at a fraction of the speed.
        assertEquals(jdk.incubator.vector.VectorShape.preferredShape().vectorBitSize(), VectorKernels.F.vectorBitSize());
        assertTrue(VectorKernels.F.length() >= 4, "vector width " + VectorKernels.F.length());
    }
}
