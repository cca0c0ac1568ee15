package io.qwen4j.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.common.InvalidInputException;
import io.qwen4j.core.Batch;
import io.qwen4j.core.CausalLm;
import io.qwen4j.core.KvCache;
import io.qwen4j.core.ModelInfo;
import io.qwen4j.formats.Json;
import io.qwen4j.formats.ModelLocator;
import io.qwen4j.models.Architectures;
import io.qwen4j.models.LoadOptions;
import io.qwen4j.tensor.MemoryBandwidth;
import io.qwen4j.tensor.ThreadPool;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code qwen4j bench}: prompt-processing and generation speed, in the spirit of llama-bench. */
@Command(name = "bench",
        mixinStandardHelpOptions = true,
        description = {
            "Measures prompt processing (ppN) and generation (tgN) speed, like llama-bench.",
            "%nppN runs one forward pass over N tokens from an empty cache; tgN decodes N tokens one at a time"
                + " from an empty cache. Each test runs -r times after a warm-up; the table shows the median,"
                + " min and max tokens/s. For generation it also shows the weight traffic (bytes of weights a token"
                + " reads × tokens/s) against this machine's read bandwidth measured in the same run with the same"
                + " threads: decoding reads every active weight once per token, so that is its ceiling.",
            "%nWith --synthetic, a random-weight model of a real model's shape is written to a temporary folder"
                + " first, so nothing needs downloading.",
            "%nExamples:%n  qwen4j bench --synthetic qwen3-0.6b -p 512 -n 128 -t 1,2 -r 3"
                + "%n  qwen4j bench --model Qwen/Qwen3-0.6B --json%n"
        })
final class BenchCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, paramLabel = "MODEL", description = "Model folder, .gguf file or Hugging Face repo id.")
    String model;

    @Option(names = "--synthetic", paramLabel = "SHAPE",
            description = "Random weights of a real shape: qwen3-0.6b or qwen3-30b-a3b, optionally :layers=N;"
                    + " qwen3-omni-speech[:layers=N][:talker-layers=M][:tokens=T][:frames=F] measures the spoken-answer pipeline.")
    String synthetic;

    @Option(names = "--type", paramLabel = "TYPE", description = "Weight type of the synthetic model: bf16 (default: ${DEFAULT-VALUE}).")
    String type = "bf16";

    @Option(names = {"-p", "--n-prompt"}, split = ",", paramLabel = "N", description = "Prompt lengths (default: 512).")
    int[] prompts = {512};

    @Option(names = {"-n", "--n-gen"}, split = ",", paramLabel = "N", description = "Generation lengths (default: 128).")
    int[] gens = {128};

    @Option(names = {"-t", "--threads"}, split = ",", paramLabel = "N", description = "Thread counts (default: all cores).")
    int[] threads = {ThreadPool.defaultThreads()};

    @Option(names = {"-r", "--repetitions"}, paramLabel = "N", description = "Repetitions of each test (default: ${DEFAULT-VALUE}).")
    int repetitions = 3;

    @Option(names = "--json", description = "Print a JSON array of results instead of the table.")
    boolean json;

    @Option(names = "--no-bandwidth", description = "Skip the memory-bandwidth measurement.")
    boolean noBandwidth;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** One test's timings. */
    record Row(String model, long sizeBytes, long params, String type, int threads, String test, int nPrompt, int nGen,
               double[] tokensPerSecond, long decodeBytesPerToken, double readBytesPerSecond) {
        double median() {
            double[] s = tokensPerSecond.clone();
            Arrays.sort(s);
            return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        }

        double min() {
            return Arrays.stream(tokensPerSecond).min().orElse(0);
        }

        double max() {
            return Arrays.stream(tokensPerSecond).max().orElse(0);
        }

        boolean generation() {
            return nGen > 0;
        }
    }

    @Override
    public Integer call() throws Exception {
        if ((model == null) == (synthetic == null)) {
            throw new InvalidInputException("give either --model or --synthetic");
        }
        if (repetitions < 1 || Arrays.stream(threads).anyMatch(t -> t < 1) || Arrays.stream(prompts).anyMatch(p -> p < 0)
                || Arrays.stream(gens).anyMatch(n -> n < 0)) {
            throw new InvalidInputException("-r, -t must be positive and -p, -n not negative");
        }
        PrintWriter err = spec.commandLine().getErr();
        if (SpeechPipelineBench.handles(synthetic)) {
            return SpeechPipelineBench.run(synthetic, threads, repetitions, json, spec.commandLine().getOut(), err, null);
        }
        Path dir;
        Path temp = null;
        String name;
        if (synthetic != null) {
            SyntheticModel.Shape shape = SyntheticModel.parse(synthetic);
            if (!type.equalsIgnoreCase("bf16")) {
                throw new InvalidInputException("--type " + type + " is not available yet for synthetic models; use bf16");
            }
            temp = Files.createTempDirectory("qwen4j-synthetic-");
            err.println("writing a random " + shape.name() + " (" + type + ") to " + temp + " ...");
            err.flush();
            SyntheticModel.write(shape, temp);
            dir = temp;
            name = shape.name() + " (random)";
        } else {
            dir = ModelLocator.fromEnvironment().resolve(model);
            name = dir.getFileName().toString();
        }
        try {
            List<Row> rows = new ArrayList<>();
            int longest = Arrays.stream(prompts).max().orElse(0) + Arrays.stream(gens).max().orElse(0) + 8;
            for (int t : threads) {
                try (CausalLm m = Architectures.load(dir, LoadOptions.defaults().withThreads(t).withContextLength(Math.max(longest, 64)))) {
                    ModelInfo info = m.info();
                    double bandwidth = noBandwidth ? 0 : measureBandwidth(t);
                    warmUp(m);
                    for (int p : prompts) {
                        if (p > 0) {
                            err.printf(Locale.ROOT, "pp%d, %d thread(s) ...%n", p, t);
                            err.flush();
                            rows.add(new Row(name, info.weightBytes(), info.parameters(), info.weightTypes(), t, "pp" + p, p, 0,
                                    timePrompt(m, p), m.decodeBytesPerToken(), bandwidth));
                        }
                    }
                    for (int n : gens) {
                        if (n > 0) {
                            err.printf(Locale.ROOT, "tg%d, %d thread(s) ...%n", n, t);
                            err.flush();
                            rows.add(new Row(name, info.weightBytes(), info.parameters(), info.weightTypes(), t, "tg" + n, 0, n,
                                    timeGeneration(m, n), m.decodeBytesPerToken(), bandwidth));
                        }
                    }
                }
            }
            PrintWriter out = spec.commandLine().getOut();
            out.print(json ? toJson(rows) : toTable(rows));
            out.flush();
        } finally {
            if (temp != null) {
                deleteTree(temp);
            }
        }
        return 0;
    }

    private double measureBandwidth(int threads) {
        try (ThreadPool pool = ThreadPool.create(threads)) {
            return MemoryBandwidth.readBytesPerSecond(pool, 1L << 30, 5);
        }
    }

    private static int[] randomTokens(int n, int vocab, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = r.nextInt(Math.min(vocab, 150_000));
        }
        return t;
    }

    private static void warmUp(CausalLm m) {
        KvCache cache = m.newCache(64);
        m.forward(Batch.of(cache, randomTokens(16, m.info().vocabSize(), 1), false));
        for (int i = 0; i < 8; i++) {
            m.forward(Batch.of(cache, new int[] {i + 1}, false));
        }
    }

    private double[] timePrompt(CausalLm m, int n) {
        double[] rates = new double[repetitions];
        for (int r = 0; r < repetitions; r++) {
            int[] tokens = randomTokens(n, m.info().vocabSize(), 10 + r);
            KvCache cache = m.newCache(n + 1);
            long t0 = System.nanoTime();
            m.forward(Batch.of(cache, tokens, false));
            rates[r] = n / ((System.nanoTime() - t0) / 1e9);
        }
        return rates;
    }

    private double[] timeGeneration(CausalLm m, int n) {
        double[] rates = new double[repetitions];
        int[] tokens = randomTokens(n, m.info().vocabSize(), 99);
        for (int r = 0; r < repetitions; r++) {
            KvCache cache = m.newCache(n + 1);
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                m.forward(Batch.of(cache, new int[] {tokens[i]}, false));
            }
            rates[r] = n / ((System.nanoTime() - t0) / 1e9);
        }
        return rates;
    }

    static String toTable(List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append("| model | size | params | type | threads | test | t/s (median) | min | max | weights GB/s | read GB/s | of ceiling |\n");
        sb.append("| --- | ---: | ---: | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (Row r : rows) {
            String traffic = "";
            String read = r.readBytesPerSecond() > 0 ? String.format(Locale.ROOT, "%.1f", r.readBytesPerSecond() / 1e9) : "";
            String share = "";
            if (r.generation()) {
                double gbs = r.median() * r.decodeBytesPerToken() / 1e9;
                traffic = String.format(Locale.ROOT, "%.1f", gbs);
                if (r.readBytesPerSecond() > 0) {
                    share = String.format(Locale.ROOT, "%.0f%%", 100 * gbs * 1e9 / r.readBytesPerSecond());
                }
            }
            sb.append(String.format(Locale.ROOT, "| %s | %.2f GiB | %.2f B | %s | %d | %s | %.2f | %.2f | %.2f | %s | %s | %s |%n",
                    r.model(), r.sizeBytes() / (double) (1L << 30), r.params() / 1e9, r.type(), r.threads(), r.test(),
                    r.median(), r.min(), r.max(), traffic, read, share));
        }
        return sb.toString();
    }

    static String toJson(List<Row> rows) throws IOException {
        ArrayNode a = Json.MAPPER.createArrayNode();
        for (Row r : rows) {
            ObjectNode o = a.addObject();
            o.put("model", r.model());
            o.put("size_bytes", r.sizeBytes());
            o.put("params", r.params());
            o.put("type", r.type());
            o.put("threads", r.threads());
            o.put("test", r.test());
            o.put("n_prompt", r.nPrompt());
            o.put("n_gen", r.nGen());
            o.put("tokens_per_second", r.median());
            o.put("min_tokens_per_second", r.min());
            o.put("max_tokens_per_second", r.max());
            ArrayNode samples = o.putArray("samples_tokens_per_second");
            for (double v : r.tokensPerSecond()) {
                samples.add(v);
            }
            o.put("decode_bytes_per_token", r.decodeBytesPerToken());
            if (r.readBytesPerSecond() > 0) {
                o.put("read_bytes_per_second", r.readBytesPerSecond());
            }
        }
        return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(a) + System.lineSeparator();
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
