package io.qwen4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.tensor.DType;
import io.qwen4j.tensor.FloatMatrix;
import io.qwen4j.tensor.Ops;
import io.qwen4j.tensor.ThreadPool;
import io.qwen4j.tensor.Weight;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link SparseMoe}'s grouped-by-expert forward against a plain per-token loop (text.md §2.5). */
class SparseMoeTest {
    // 37 tokens over 7 experts, 3 each; widths that are multiples of no vector width.
    private static final int TOKENS = 37, HIDDEN = 29, EXPERTS = 7, TOP_K = 3, WIDTH = 19;
    private static final ThreadPool POOL = ThreadPool.create(3);
    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @AfterAll
    static void close() {
        POOL.close();
    }

    static Weight bf16(Random rnd, String name, int rows, int cols, double scale) {
        MemorySegment seg = MemorySegment.ofArray(new byte[2 * rows * cols]);
        for (long i = 0; i < (long) rows * cols; i++) {
            float v = (float) (scale * rnd.nextGaussian());
            seg.set(SHORT_LE, 2 * i, (short) (Float.floatToRawIntBits(v) >>> 16));
        }
        return Weight.of(name, DType.BF16, new long[] {rows, cols}, seg);
    }

    static SparseMoe.Weights randomMoe(Random rnd) {
        List<SwiGlu> experts = new ArrayList<>();
        for (int e = 0; e < EXPERTS; e++) {
            experts.add(new SwiGlu(bf16(rnd, "gate" + e, WIDTH, HIDDEN, 0.3), bf16(rnd, "up" + e, WIDTH, HIDDEN, 0.3),
                    bf16(rnd, "down" + e, HIDDEN, WIDTH, 0.3)));
        }
        return new SparseMoe.Weights(bf16(rnd, "router", EXPERTS, HIDDEN, 0.5), experts);
    }

    static FloatMatrix randomRows(Random rnd, int rows) {
        FloatMatrix x = new FloatMatrix(rows, HIDDEN);
        for (int i = 0; i < rows * HIDDEN; i++) {
            x.data()[i] = (float) rnd.nextGaussian();
        }
        return x;
    }

    /** W·x in double. */
    static double[] apply(Weight w, double[] x) {
        float[] row = new float[w.cols()];
        double[] y = new double[w.rows()];
        for (int r = 0; r < y.length; r++) {
            w.dequantizeRow(r, row, 0);
            for (int c = 0; c < x.length; c++) {
                y[r] += row[c] * x[c];
            }
        }
        return y;
    }

    /**
     * The reference, written from the spec: one token at a time in double, softmax, sort the experts by
     * probability, keep k, renormalise, and add up the k experts' SwiGLU outputs.
     */
    static double[] reference(SparseMoe.Weights w, float[] token, boolean normTopKProb, double[] routerLogits) {
        double[] x = new double[token.length];
        Arrays.setAll(x, i -> token[i]);
        double[] z = apply(w.router(), x);
        System.arraycopy(z, 0, routerLogits, 0, z.length);
        double max = Arrays.stream(z).max().orElseThrow();
        double[] p = Arrays.stream(z).map(v -> Math.exp(v - max)).toArray();
        double sum = Arrays.stream(p).sum();
        Integer[] order = new Integer[EXPERTS];
        Arrays.setAll(order, e -> e);
        Arrays.sort(order, Comparator.comparingDouble((Integer e) -> -p[e]));
        double kept = 0;
        for (int j = 0; j < TOP_K; j++) {
            kept += p[order[j]] / sum;
        }
        double[] out = new double[HIDDEN];
        for (int j = 0; j < TOP_K; j++) {
            int e = order[j];
            double weight = p[e] / sum / (normTopKProb ? kept : 1.0);
            SwiGlu ex = w.experts().get(e);
            double[] g = apply(ex.gate(), x);
            double[] u = apply(ex.up(), x);
            double[] act = new double[g.length];
            Arrays.setAll(act, i -> g[i] / (1 + Math.exp(-g[i])) * u[i]);
            double[] y = apply(ex.down(), act);
            for (int i = 0; i < HIDDEN; i++) {
                out[i] += weight * y[i];
            }
        }
        return out;
    }

    static void assertClose(double[][] expected, FloatMatrix actual, double relTol, String what) {
        double maxAbs = 0;
        double maxRef = 1e-30;
        for (int t = 0; t < expected.length; t++) {
            for (int i = 0; i < expected[t].length; i++) {
                maxAbs = Math.max(maxAbs, Math.abs(expected[t][i] - actual.get(t, i)));
                maxRef = Math.max(maxRef, Math.abs(expected[t][i]));
            }
        }
        assertTrue(maxAbs <= relTol * maxRef, what + ": max abs error " + maxAbs + " against max |ref| " + maxRef);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void groupedForwardMatchesThePerTokenReference(boolean normTopKProb) {
        Random rnd = new Random(normTopKProb ? 1 : 2);
        SparseMoe.Weights w = randomMoe(rnd);
        FloatMatrix x = randomRows(rnd, TOKENS);
        FloatMatrix logits = new FloatMatrix(TOKENS, EXPERTS);
        FloatMatrix out = new FloatMatrix(TOKENS, HIDDEN);
        new SparseMoe(HIDDEN, EXPERTS, TOP_K, normTopKProb).forward(Ops.vector(POOL), w, x, logits, out);

        double[][] expected = new double[TOKENS][];
        double[][] expectedLogits = new double[TOKENS][EXPERTS];
        for (int t = 0; t < TOKENS; t++) {
            expected[t] = reference(w, x.row(t), normTopKProb, expectedLogits[t]);
        }
        // float32 sums of at most 29 terms against double: a few ulps
        assertClose(expectedLogits, logits, 1e-6, "router logits");
        assertClose(expected, out, 1e-5, "MoE output");
    }

    /** With the scalar ops every value is computed the same way whatever the row count, so grouping must not change a bit. */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void groupingRowsByExpertIsExact(boolean normTopKProb) {
        Random rnd = new Random(3);
        SparseMoe.Weights w = randomMoe(rnd);
        FloatMatrix x = randomRows(rnd, TOKENS);
        SparseMoe moe = new SparseMoe(HIDDEN, EXPERTS, TOP_K, normTopKProb);
        FloatMatrix grouped = new FloatMatrix(TOKENS, HIDDEN);
        moe.forward(Ops.scalar(), w, x, new FloatMatrix(TOKENS, EXPERTS), grouped);
        for (int t = 0; t < TOKENS; t++) {
            FloatMatrix one = new FloatMatrix(1, HIDDEN);
            moe.forward(Ops.scalar(), w, FloatMatrix.of(1, HIDDEN, x.row(t)), new FloatMatrix(1, EXPERTS), one);
            assertArrayEquals(one.row(0), grouped.row(t), "token " + t);
        }
    }

    @Test
    void topKBreaksTiesTowardsTheLowerIndex() {
        float[] p = {0.1f, 0.25f, 0.25f, 0.15f, 0.25f};
        int[] idx = new int[3];
        float[] value = new float[3];
        SparseMoe.topK(p, idx, value);
        assertArrayEquals(new int[] {1, 2, 4}, idx);
        assertArrayEquals(new float[] {0.25f, 0.25f, 0.25f}, value);
    }
}
