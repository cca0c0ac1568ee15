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
 * Decode: one token through one weight ({@code Ops.matmul} with a 1-row activation), per weight type and
 * Qwen3-0.6B shape (FFN up/gate 3072x1024, FFN down 1024x3072, LM head 151936x1024), on a persistent pool.
 * Bytes of weights read per second = weight size / time; compare with {@code qwen4j bench}'s read GB/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx6g"})
public class MatvecBench {
    @Param({"BF16", "Q8_0", "Q4_K", "Q6_K"})
    public String type;

    /** rows x cols of the weight ({@code [out, in]}). */
    @Param({"3072x1024", "1024x3072", "151936x1024"})
    public String shape;

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
        x = BenchWeights.activations(1, cols, 2);
        out = new FloatMatrix(1, rows);
        pool = ThreadPool.create(threads);
        ops = Ops.vector(pool);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }

    @Benchmark
    public FloatMatrix matvec() {
        ops.matmul(w, x, out);
        return out;
    }
}
