package io.qwen4j.bench;

import io.qwen4j.tensor.DType;
import io.qwen4j.tensor.FloatMatrix;
import io.qwen4j.tensor.Ops;
import io.qwen4j.tensor.ThreadPool;
import io.qwen4j.tensor.Weight;
import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Prefill: a prompt of {@code tokens} tokens through one weight, per weight type, Qwen3-0.6B FFN shapes.
 * GMAC/s = rows·cols·tokens / time.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx6g"})
public class MatmulBench {
    @Param({"BF16", "Q8_0", "Q4_K", "Q6_K"})
    public String type;

    @Param({"3072x1024", "1024x3072"})
    public String shape;

    @Param({"512"})
    public int tokens;

    @Param({"1", "2"})
    public int threads;

    private Arena arena;
    private ThreadPool pool;
    private Ops ops;
    private Weight w;
    private FloatMatrix x;
    private FloatMatrix out;

    @Setup(Level.Trial)
    public void setUp() {
        String[] rc = shape.split("x");
        int rows = Integer.parseInt(rc[0]);
        int cols = Integer.parseInt(rc[1]);
        arena = Arena.ofShared();
        w = BenchWeights.random(DType.valueOf(type), rows, cols, arena, 1);
        x = BenchWeights.activations(tokens, cols, 2);
        out = new FloatMatrix(tokens, rows);
        pool = ThreadPool.create(threads);
        ops = Ops.vector(pool);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }

    @Benchmark
    public FloatMatrix matmul() {
        ops.matmul(w, x, out);
        return out;
    }
}
