package io.qwen4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Vector API ops give the same bits however they are called: one token or a batch, one thread or
 * several, interpreted (a fresh {@code -Xint} JVM) or compiled by C2 after a warm-up loop. Lane
 * reductions and {@code EXP}/{@code TANH} used to differ between JIT tiers, which made logits compared
 * across two processes differ in their last bits.
 */
class DeterminismTest {
    private static final DType[] TYPES = DType.values();

    /** Every op of a forward pass on fixed random inputs, each result under a name. */
    static Map<String, float[]> workload(Ops ops) {
        Map<String, float[]> out = new LinkedHashMap<>();
        Random rnd = new Random(42);
        int tokens = 9;
        for (DType type : TYPES) {
            int cols = type.blockSize() == 256 ? 768 : type.isQuantized() ? 544 : 551;
            Weight w = OpsAgreementTest.randomWeight(rnd, type, 37, cols);
            FloatMatrix x = OpsAgreementTest.random(rnd, tokens, cols);
            FloatMatrix y = new FloatMatrix(tokens, w.rows());
            ops.matmul(w, x, y);
            out.put("matmul " + type, y.data());
        }
        FloatMatrix x = OpsAgreementTest.random(rnd, tokens, 1000);
        float[] g = OpsAgreementTest.random(rnd, 1, 1000).data();
        float[] b = OpsAgreementTest.random(rnd, 1, 1000).data();
        FloatMatrix o = new FloatMatrix(tokens, 1000);
        ops.rmsNorm(x, g, 1e-6f, o);
        out.put("rmsNorm", o.data().clone());
        ops.layerNorm(x, g, b, 1e-6f, o);
        out.put("layerNorm", o.data().clone());
        FloatMatrix up = OpsAgreementTest.random(rnd, tokens, 1000);
        ops.siluMul(x, up, o);
        out.put("siluMul", o.data().clone());
        ops.gelu(x, o);
        out.put("gelu", o.data().clone());
        ops.geluTanh(x, o);
        out.put("geluTanh", o.data().clone());
        float[] s = x.data().clone();
        for (int i = 0; i < s.length; i++) {
            s[i] *= 20f; // a wide range of exponents
        }
        ops.softmax(s, 3, 997);
        out.put("softmax", s);
        out.put("dot", new float[] {ops.dot(x.data(), 1, up.data(), 5, 999)});
        return out;
    }

    /** The child JVM's entry point: writes {@link #workload} to the file named by the argument. */
    public static void main(String[] args) throws IOException {
        try (ThreadPool pool = ThreadPool.create(2)) {
            write(workload(Ops.vector(pool)), Path.of(args[0]));
        }
    }

    private static void write(Map<String, float[]> results, Path file) throws IOException {
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
            out.writeInt(results.size());
            for (Map.Entry<String, float[]> e : results.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeInt(e.getValue().length);
                for (float v : e.getValue()) {
                    out.writeInt(Float.floatToRawIntBits(v));
                }
            }
        }
    }

    private static Map<String, float[]> read(Path file) throws IOException {
        Map<String, float[]> results = new LinkedHashMap<>();
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                String name = in.readUTF();
                float[] v = new float[in.readInt()];
                for (int j = 0; j < v.length; j++) {
                    v[j] = Float.intBitsToFloat(in.readInt());
                }
                results.put(name, v);
            }
        }
        return results;
    }

    private static void assertSameBits(Map<String, float[]> expected, Map<String, float[]> actual, String what) {
        assertEquals(expected.keySet(), actual.keySet(), what);
        for (String k : expected.keySet()) {
            float[] e = expected.get(k);
            float[] a = actual.get(k);
            assertEquals(e.length, a.length, what + ": " + k);
            for (int i = 0; i < e.length; i++) {
                int ei = Float.floatToRawIntBits(e[i]);
                int ai = Float.floatToRawIntBits(a[i]);
                if (ei != ai) {
                    throw new AssertionError(what + ": " + k + "[" + i + "] is " + a[i] + ", expected " + e[i] + " bit for bit");
                }
            }
        }
    }

    @Test
    void interpretedAndCompiledGiveTheSameBits(@TempDir Path tmp) throws Exception {
        Path cold = tmp.resolve("cold.bin");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xint", "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                DeterminismTest.class.getName(), cold.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the -Xint JVM did not finish");
        assertEquals(0, p.exitValue(), log);
        try (ThreadPool pool = ThreadPool.create(2)) {
            Ops ops = Ops.vector(pool);
            Map<String, float[]> warm = null;
            for (int i = 0; i < 300; i++) { // long enough for C2 to compile the kernels
                warm = workload(ops);
            }
            assertSameBits(read(cold), warm, "-Xint vs after a warm-up loop");
        }
    }

    @Test
    void oneTokenAtATimeEqualsTheBatch() {
        try (ThreadPool pool = ThreadPool.create(3); ThreadPool one = ThreadPool.create(1)) {
            Ops ops = Ops.vector(pool);
            Ops single = Ops.vector(one);
            Random rnd = new Random(7);
            for (DType type : TYPES) {
                for (int rows : new int[] {5, 37, 130}) {
                    int cols = type.blockSize() == 256 ? 768 : type.isQuantized() ? 544 : 551;
                    Weight w = OpsAgreementTest.randomWeight(rnd, type, rows, cols);
                    int tokens = 13;
                    FloatMatrix x = OpsAgreementTest.random(rnd, tokens, cols);
                    FloatMatrix batch = new FloatMatrix(tokens, rows);
                    ops.matmul(w, x, batch);
                    FloatMatrix batch1 = new FloatMatrix(tokens, rows);
                    single.matmul(w, x, batch1);
                    List<Ops.Product> products = new ArrayList<>();
                    FloatMatrix[] each = new FloatMatrix[tokens];
                    for (int t = 0; t < tokens; t++) {
                        FloatMatrix xt = FloatMatrix.of(1, cols, x.row(t));
                        each[t] = new FloatMatrix(1, rows);
                        products.add(new Ops.Product(w, xt, each[t]));
                    }
                    ops.matmuls(products);
                    for (int t = 0; t < tokens; t++) {
                        FloatMatrix xt = FloatMatrix.of(1, cols, x.row(t));
                        FloatMatrix yt = new FloatMatrix(1, rows);
                        ops.matmul(w, xt, yt);
                        String what = type + " " + rows + "x" + cols + " token " + t;
                        assertSameRow(batch, t, yt, what + " alone vs in a batch of " + tokens);
                        assertSameRow(batch, t, each[t], what + " through matmuls");
                        assertSameRow(batch, t, batch1.firstRows(tokens).view(tokens, rows), what + " on one thread");
                    }
                }
            }
        }
    }

    private static void assertSameRow(FloatMatrix batch, int t, FloatMatrix single, String what) {
        int row = single.rows() == 1 ? 0 : t;
        for (int r = 0; r < batch.cols(); r++) {
            float e = batch.get(t, r);
            float a = single.get(row, r);
            if (Float.floatToRawIntBits(e) != Float.floatToRawIntBits(a)) {
                throw new AssertionError(what + ": row " + r + " is " + a + ", expected " + e + " bit for bit");
            }
        }
    }

    @Test
    void laneSumsArePairwise() {
        float[] a = {1e8f, 1f, -1e8f, 1f, 3f, 5f, 7f, 9f};
        // ((1e8 + 3) + (-1e8 + 7)) + ((1 + 5) + (1 + 9)): d = 4, then 2, then 1
        float expected = ((1e8f + 3f) + (-1e8f + 7f)) + ((1f + 5f) + (1f + 9f));
        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(VectorKernels.sumLanes(a, 0, 8)));
    }

    @Test
    void vectorExpIsItsScalarMirrorAndCloseToMathExp() {
        Random rnd = new Random(5);
        int n = VectorKernels.F.length();
        float[] specials = {0f, -0f, 1f, -1f, 88.3f, 88.5f, 88.72f, 88.73f, 100f, -87.3f, -87.4f, -100f, -1000f,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 1e-8f, -1e-8f, 0.5f * (float) Math.log(2)};
        List<Float> inputs = new ArrayList<>();
        for (float s : specials) {
            inputs.add(s);
        }
        for (int i = 0; i < 20000; i++) {
            inputs.add((float) ((rnd.nextDouble() * 2 - 1) * 90));
        }
        while (inputs.size() % n != 0) {
            inputs.add(0.25f);
        }
        float[] xs = new float[inputs.size()];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = inputs.get(i);
        }
        float[] ys = new float[xs.length];
        for (int i = 0; i < xs.length; i += n) {
            VectorKernels.exp(FloatVector.fromArray(VectorKernels.F, xs, i)).intoArray(ys, i);
        }
        for (int i = 0; i < xs.length; i++) {
            float scalar = VectorKernels.exp(xs[i]);
            assertEquals(Float.floatToRawIntBits(scalar), Float.floatToRawIntBits(ys[i]), "exp(" + xs[i] + ")");
            double ref = Math.exp(xs[i]);
            if (Double.isNaN(ref)) {
                assertTrue(Float.isNaN(ys[i]));
            } else if (ref == Double.POSITIVE_INFINITY || ref > Float.MAX_VALUE) {
                assertEquals(Float.POSITIVE_INFINITY, ys[i], "exp(" + xs[i] + ")");
            } else if (xs[i] > 88.3762626647949f) { // the last 0.35 below overflow saturate at e^88.376 (documented)
                assertTrue(ys[i] >= 2.4e38f && ys[i] <= Float.MAX_VALUE, "exp(" + xs[i] + ") = " + ys[i]);
            } else if (ref < Float.MIN_NORMAL) {
                assertTrue(ys[i] >= 0 && ys[i] <= Float.MIN_NORMAL, "exp(" + xs[i] + ") = " + ys[i]);
            } else {
                assertEquals(ref, ys[i], 3 * Math.ulp((float) ref), "exp(" + xs[i] + ")");
            }
        }
    }
}
