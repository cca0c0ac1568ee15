package io.qwen4j.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Encode throughput of one thread over a JSONL corpus, for tools/bench/tokenizer-speed.sh (which runs
 * Hugging Face tokenizers the same way). Not a test: a main.
 *
 * <p>Prints {@code load_s}, then {@code warm_mb_s} (the median over runs of repeated passes, piece cache
 * on, as in steady use) and {@code cold_mb_s} (passes each preceded by emptying the cache), for about a
 * second each,
 * each per second of wall time and ({@code _cpu}) per second of the process's CPU time, JIT and GC
 * threads included: on a shared machine the CPU figures are the steadier ones.
 *
 * <p>Usage: TokenizerSpeed TOKENIZER_JSON CORPUS_JSONL [RUNS]
 */
public final class TokenizerSpeed {
    private TokenizerSpeed() {}

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: TokenizerSpeed TOKENIZER_JSON CORPUS_JSONL [RUNS]");
            System.exit(2);
        }
        long t0 = System.nanoTime();
        Tokenizer tokenizer = Tokenizer.load(Path.of(args[0]));
        double loadSeconds = (System.nanoTime() - t0) / 1e9;
        List<String> texts = TokenizerFixtures.jsonl(Path.of(args[1])).stream().map(r -> r.path("text")).map(JsonNode::asText).toList();
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 7;
        long bytes = texts.stream().mapToLong(t -> t.getBytes(StandardCharsets.UTF_8).length).sum();

        long sink = 0;
        long warmupEnd = System.nanoTime() + 3_000_000_000L; // JIT warm-up, cache on
        while (System.nanoTime() < warmupEnd) {
            sink += pass(tokenizer, texts);
            tokenizer.clearCache();
            sink += pass(tokenizer, texts);
        }
        double[] warm = new double[runs];
        double[] warmCpu = new double[runs];
        double[] cold = new double[runs];
        double[] coldCpu = new double[runs];
        for (int r = 0; r < runs; r++) {
            for (boolean coldCache : new boolean[] {false, true}) {
                long start = System.nanoTime();
                long cpuStart = processCpuNanos();
                int passes = 0;
                do {
                    if (coldCache) {
                        tokenizer.clearCache();
                    }
                    sink += pass(tokenizer, texts);
                    passes++;
                } while (System.nanoTime() - start < 1_000_000_000L);
                double mbPerSecond = bytes * passes * 1e3 / (System.nanoTime() - start);
                double mbPerCpuSecond = bytes * passes * 1e3 / (processCpuNanos() - cpuStart);
                (coldCache ? cold : warm)[r] = mbPerSecond;
                (coldCache ? coldCpu : warmCpu)[r] = mbPerCpuSecond;
            }
        }
        System.out.printf("load_s %.2f%nwarm_mb_s %.2f%nwarm_cpu_mb_s %.2f%ncold_mb_s %.2f%ncold_cpu_mb_s %.2f%n"
                        + "corpus_bytes %d%ntokens %d%n",
                loadSeconds, median(warm), median(warmCpu), median(cold), median(coldCpu), bytes, pass(tokenizer, texts));
        if (sink == 42) {
            System.out.println();
        }
    }

    /**
     * com.sun.management's process CPU time, through reflection: this class compiles inside the module,
     * which does not read jdk.management, but runs on the class path, which does.
     */
    private static long processCpuNanos() {
        try {
            Object bean = Class.forName("java.lang.management.ManagementFactory").getMethod("getOperatingSystemMXBean").invoke(null);
            return (long) Class.forName("com.sun.management.OperatingSystemMXBean").getMethod("getProcessCpuTime").invoke(bean);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("no process CPU time on this JVM", e);
        }
    }

    private static long pass(Tokenizer tokenizer, List<String> texts) {
        long tokens = 0;
        for (String t : texts) {
            tokens += tokenizer.encode(t).length;
        }
        return tokens;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
