package io.qwen4j.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.common.InvalidInputException;
import io.qwen4j.core.Batch;
import io.qwen4j.core.CausalLm;
import io.qwen4j.core.KvCache;
import io.qwen4j.core.ModelInfo;
import io.qwen4j.formats.GgufConverter;
import io.qwen4j.formats.Json;
import io.qwen4j.formats.ModelLocator;
import io.qwen4j.formats.Progress;
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
                + " first (bf16 safetensors, then for --type q8_0, q4_0 or q4_k_m a GGUF through the same code as"
                + " `qwen4j convert`), so nothing needs downloading. --save-gguf keeps that GGUF, e.g. to give the very"
                + " same file to llama-bench; with -p 0 -n 0 it only writes the file.",
            "%nExamples:%n  qwen4j bench --synthetic qwen3-0.6b -p 512 -n 128 -t 1,2 -r 3"
                + "%n  qwen4j bench --synthetic qwen3-30b-a3b:layers=4 --type q4_k_m --save-gguf moe.gguf -p 0 -n 0"
                + "%n  qwen4j bench --model moe.gguf -t 1,2 --json"
                + "%n  qwen4j bench --model Qwen/Qwen3-0.6B --json%n"
        })
final class BenchCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, paramLabel = "MODEL", description = "Model folder, .gguf file or Hugging Face repo id.")
    String model;

    @Option(names = "--synthetic", paramLabel = "SHAPE",
            description = "Random weights of a real shape: qwen3-0.6b or qwen3-30b-a3b, optionally :layers=N;"
                    + " qwen3-omni-code2wav[:frames=N][:chunk=C] measures speech synthesis (Code2Wav) instead;"
                    + " qwen3-omni-speech[:layers=N][:talker-layers=M][:tokens=T][:frames=F][:chunk=C] the whole spoken-answer pipeline.")
    String synthetic;

    /** Weight types of a synthetic model, with the GGUF conversion that makes them. */
    enum WeightType {
        bf16(GgufConverter.Target.BF16), q8_0(GgufConverter.Target.Q8_0), q4_0(GgufConverter.Target.Q4_0),
        q4_k_m(GgufConverter.Target.Q4_K_M);

        final GgufConverter.Target target;

        WeightType(GgufConverter.Target target) {
            this.target = target;
        }
    }

    @Option(names = "--type", paramLabel = "TYPE",
            description = "Weight type of the synthetic model: ${COMPLETION-CANDIDATES} (default: bf16, as safetensors unless --save-gguf).")
    WeightType type;

    @Option(names = "--save-gguf", paramLabel = "FILE.gguf",
            description = "Write the synthetic model as this GGUF file (llama.cpp's names and metadata) and keep it.")
    Path saveGguf;

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
    record Row(String model, long sizeBytes, long params, String type, String weightTypes, int threads, String test, int nPrompt, int nGen,
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

        /** Bytes of weights read per second at the median speed (generation only). */
        double weightBytesPerSecond() {
            return median() * decodeBytesPerToken;
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
        if (synthetic == null && (type != null || saveGguf != null)) {
            throw new InvalidInputException("--type and --save-gguf apply to --synthetic models; convert a checkpoint with `qwen4j convert`");
        }
        if (saveGguf != null && Files.isDirectory(saveGguf)) {
            throw new InvalidInputException("--save-gguf " + saveGguf + " is a folder; give a file name such as model.gguf");
        }
        boolean anyTest = Arrays.stream(prompts).anyMatch(p -> p > 0) || Arrays.stream(gens).anyMatch(n -> n > 0);
        if (!anyTest && saveGguf == null) {
            throw new InvalidInputException("nothing to measure: -p and -n are all 0");
        }
        PrintWriter err = spec.commandLine().getErr();
        if (SpeechBench.handles(synthetic)) {
            return SpeechBench.run(synthetic, threads, repetitions, json, spec.commandLine().getOut(), err);
        }
        if (SpeechPipelineBench.handles(synthetic)) {
            return SpeechPipelineBench.run(synthetic, threads, repetitions, json, spec.commandLine().getOut(), err);
        }
        Path dir;
        Path temp = null;
        String name;
        String typeName = null;
        if (synthetic != null) {
            SyntheticModel.Shape shape = SyntheticModel.parse(synthetic);
            WeightType t = type == null ? WeightType.bf16 : type;
            temp = Files.createTempDirectory("qwen4j-synthetic-");
            Path hf = temp.resolve("hf");
            err.println("writing a random " + shape.name() + " (bf16 safetensors) to " + hf + " ...");
            err.flush();
            SyntheticModel.write(shape, hf);
            dir = hf;
            if (t != WeightType.bf16 || saveGguf != null) {
                Path gguf = saveGguf != null ? saveGguf : temp.resolve("model.gguf");
                err.println("converting it to " + t + " GGUF " + gguf + " ...");
                err.flush();
                try (ThreadPool pool = ThreadPool.create(ThreadPool.defaultThreads())) {
                    GgufConverter.convert(hf, gguf, t.target, pool, Progress.NONE);
                }
                deleteTree(hf);
                dir = gguf;
            }
            name = shape.name() + " (random)";
            typeName = t.name();
        } else {
            dir = ModelLocator.fromEnvironment().resolve(model);
            name = dir.getFileName().toString();
        }
        try {
            List<Row> rows = new ArrayList<>();
            if (!anyTest) {
                err.printf(Locale.ROOT, "wrote %s (%.1f MB)%n", saveGguf, Files.size(saveGguf) / 1e6);
                err.flush();
                return 0;
            }
            int longest = Arrays.stream(prompts).max().orElse(0) + Arrays.stream(gens).max().orElse(0) + 8;
            for (int t : threads) {
                try (CausalLm m = Architectures.load(dir, LoadOptions.defaults().withThreads(t).withContextLength(Math.max(longest, 64)))) {
                    ModelInfo info = m.info();
                    String rowType = typeName != null ? typeName : info.weightTypes();
                    double bandwidth = noBandwidth ? 0 : measureBandwidth(t);
                    warmUp(m);
                    for (int p : prompts) {
                        if (p > 0) {
                            err.printf(Locale.ROOT, "pp%d, %d thread(s) ...%n", p, t);
                            err.flush();
                            rows.add(new Row(name, info.weightBytes(), info.parameters(), rowType, info.weightTypes(), t, "pp" + p, p, 0,
                                    timePrompt(m, p), m.decodeBytesPerToken(), bandwidth));
                        }
                    }
                    for (int n : gens) {
                        if (n > 0) {
                            err.printf(Locale.ROOT, "tg%d, %d thread(s) ...%n", n, t);
                            err.flush();
                            rows.add(new Row(name, info.weightBytes(), info.parameters(), rowType, info.weightTypes(), t, "tg" + n, 0, n,
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
                double gbs = r.weightBytesPerSecond() / 1e9;
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
            o.put("model_size", r.sizeBytes());
            o.put("n_params", r.params());
            o.put("type", r.type());
            o.put("weight_types", r.weightTypes());
            o.put("threads", r.threads());
            o.put("test", r.test());
            o.put("n_prompt", r.nPrompt());
            o.put("n_gen", r.nGen());
            o.put("tokens_per_second", r.median());
            o.put("min", r.min());
            o.put("max", r.max());
            ArrayNode samples = o.putArray("samples");
            for (double v : r.tokensPerSecond()) {
                samples.add(v);
            }
            if (r.readBytesPerSecond() > 0) {
                o.put("bandwidth_gbps", r.readBytesPerSecond() / 1e9);
            }
            if (r.generation()) {
                o.put("decode_bytes_per_token", r.decodeBytesPerToken());
                o.put("gbps", r.weightBytesPerSecond() / 1e9);
                if (r.readBytesPerSecond() > 0) {
                    o.put("bandwidth_fraction", r.weightBytesPerSecond() / r.readBytesPerSecond());
                }
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
