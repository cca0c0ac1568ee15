package io.qwen4j.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.common.InvalidInputException;
import io.qwen4j.formats.ConfigJson;
import io.qwen4j.tensor.DType;
import io.qwen4j.formats.Json;
import io.qwen4j.formats.TensorInfo;
import io.qwen4j.formats.WeightSource;
import io.qwen4j.models.Code2WavStream;
import io.qwen4j.models.Qwen3OmniCode2Wav;
import io.qwen4j.tensor.Ops;
import io.qwen4j.tensor.ThreadPool;
import io.qwen4j.tensor.Weight;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code qwen4j bench --synthetic qwen3-omni-code2wav}: Qwen3-Omni's Code2Wav with random weights of the real shapes
 * (code2wav_config of Qwen3-Omni-30B-A3B-Instruct, omni.md §1.3: hidden 1024, 8 layers, window 72, upsampling
 * 2·2, decoder 1536 with rates 8·5·4·3), built in memory. Two tests per thread count:
 * <ul>
 *   <li>{@code decodeN}: N frames decoded at once (one chunk of chunked_decode); the real-time factor is seconds of
 *       compute per second of audio (below 1: faster than real time);
 *   <li>{@code first-chunkC}: a stream of chunk C (left context 25): the time from the frame that completes the first
 *       chunk to its audio, i.e. Code2Wav's share of the time to first audio.
 * </ul>
 * Options after the name: {@code :frames=N} (default 50), {@code :chunk=C} (default 25), {@code :layers=N}. With
 * {@code -Dqwen4j.speechbench.stages=true} (QWEN4J_JAVA_OPTS) the time of every stage of one decode is printed first.
 */
final class SpeechBench {
    static final String NAME = "qwen3-omni-code2wav";
    private static final Pattern SPEC = Pattern.compile("^" + NAME + "((?::(?:frames|chunk|layers)=\\d+)*)$");
    private static final int SAMPLE_RATE = 24000;

    /** One test's timings: seconds of compute per repetition. */
    record Row(String model, long params, int threads, String test, int frames, int samples, double[] seconds, double[] cpuSeconds) {
        double median() {
            return median(seconds);
        }

        double cpuMedian() {
            return median(cpuSeconds);
        }

        static double median(double[] v) {
            double[] s = v.clone();
            Arrays.sort(s);
            return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        }

        double audioSeconds() {
            return samples / (double) SAMPLE_RATE;
        }

        double rtf(double s) {
            return s / audioSeconds();
        }
    }

    private SpeechBench() {}

    static boolean handles(String synthetic) {
        return synthetic != null && synthetic.strip().toLowerCase(Locale.ROOT).startsWith(NAME);
    }

    /** Runs the benchmark and prints the table (or JSON) to {@code out}; progress to {@code err}. */
    static int run(String spec, int[] threads, int repetitions, boolean json, PrintWriter out, PrintWriter err) throws IOException {
        Matcher m = SPEC.matcher(spec.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new InvalidInputException("unknown speech benchmark '" + spec + "'; use " + NAME + "[:frames=N][:chunk=C][:layers=L]");
        }
        int frames = option(m.group(1), "frames", 50);
        int chunk = option(m.group(1), "chunk", 25);
        int layers = option(m.group(1), "layers", 8);
        if (frames < 1 || chunk < 1 || layers < 1 || layers > 8) {
            throw new InvalidInputException("frames and chunk must be positive and layers between 1 and 8");
        }
        String name = NAME + (layers == 8 ? "" : ":layers=" + layers) + " (random)";
        ConfigJson config = realConfig(layers);
        err.println("building a random " + name + " in memory ...");
        err.flush();
        RandomWeights weights = RandomWeights.code2wav(config, 7);
        List<Row> rows = new java.util.ArrayList<>();
        int[][] codes = randomCodes(config, Math.max(frames, chunk), 11);
        for (int t : threads) {
            try (ThreadPool pool = ThreadPool.create(t)) {
                Qwen3OmniCode2Wav c2w = Qwen3OmniCode2Wav.load(weights, config, "code2wav.", Ops.vector(pool));
                c2w.decode(slice(codes, 4)); // warm-up
                if (Boolean.getBoolean("qwen4j.speechbench.stages")) {
                    long[] last = {System.nanoTime(), cpuNanos()};
                    c2w.decode(slice(codes, frames), (tap, v) -> {
                        long now = System.nanoTime();
                        long cpu = cpuNanos();
                        err.printf(Locale.ROOT, "  %-20s %8.3f s  (process CPU %8.3f s)  %s%n", tap, (now - last[0]) / 1e9,
                                (cpu - last[1]) / 1e9, v);
                        err.flush();
                        last[0] = now;
                        last[1] = cpu;
                    });
                }
                err.printf(Locale.ROOT, "decode%d, %d thread(s) ...%n", frames, t);
                err.flush();
                double[] s = new double[repetitions];
                double[] cpu = new double[repetitions];
                int samples = 0;
                for (int r = 0; r < repetitions; r++) {
                    long t0 = System.nanoTime();
                    long c0 = cpuNanos();
                    samples = c2w.decode(slice(codes, frames)).length;
                    s[r] = (System.nanoTime() - t0) / 1e9;
                    cpu[r] = (cpuNanos() - c0) / 1e9;
                }
                rows.add(new Row(name, weights.parameters(), t, "decode" + frames, frames, samples, s, cpu));
                err.printf(Locale.ROOT, "first-chunk%d, %d thread(s) ...%n", chunk, t);
                err.flush();
                double[] f = new double[repetitions];
                double[] fc = new double[repetitions];
                int firstSamples = 0;
                for (int r = 0; r < repetitions; r++) {
                    Code2WavStream stream = c2w.stream(chunk, Code2WavStream.DEFAULT_LEFT_CONTEXT);
                    int[] frame = new int[codes.length];
                    float[] audio = new float[0];
                    for (int i = 0; i < chunk && audio.length == 0; i++) {
                        for (int q = 0; q < codes.length; q++) {
                            frame[q] = codes[q][i];
                        }
                        long t0 = System.nanoTime();
                        long c0 = cpuNanos();
                        audio = stream.push(frame);
                        f[r] = (System.nanoTime() - t0) / 1e9;
                        fc[r] = (cpuNanos() - c0) / 1e9;
                    }
                    firstSamples = audio.length;
                }
                rows.add(new Row(name, weights.parameters(), t, "first-chunk" + chunk, chunk, firstSamples, f, fc));
            }
        }
        out.print(json ? toJson(rows) : toTable(rows));
        out.flush();
        return 0;
    }

    /** CPU time of this process (every thread, the JIT and GC included): on a shared machine, the work done. */
    static long cpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L);
    }

    private static int option(String options, String key, int fallback) {
        Matcher m = Pattern.compile(":" + key + "=(\\d+)").matcher(options);
        int v = fallback;
        while (m.find()) {
            try {
                v = Integer.parseInt(m.group(1));
            } catch (NumberFormatException e) {
                throw new InvalidInputException(key + "=" + m.group(1) + " is too large");
            }
        }
        return v;
    }

    /** code2wav_config of Qwen3-Omni-30B-A3B-Instruct (omni.md §1.3). */
    static ConfigJson realConfig(int layers) {
        ObjectNode c = Json.MAPPER.createObjectNode();
        c.put("codebook_size", 2048).put("num_quantizers", 16).put("hidden_size", 1024).put("num_hidden_layers", layers)
                .put("num_attention_heads", 16).put("num_key_value_heads", 16).put("intermediate_size", 3072).put("hidden_act", "silu")
                .put("rms_norm_eps", 1e-5).put("sliding_window", 72).put("layer_scale_initial_scale", 0.01).put("decoder_dim", 1536)
                .put("max_position_embeddings", 8000);
        c.putObject("rope_parameters").put("rope_type", "default").put("rope_theta", 10000.0);
        c.putArray("upsampling_ratios").add(2).add(2);
        c.putArray("upsample_rates").add(8).add(5).add(4).add(3);
        return new ConfigJson(c, "qwen3-omni-30b-a3b code2wav_config");
    }

    private static int[][] randomCodes(ConfigJson config, int frames, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[][] codes = new int[config.requireInt("num_quantizers")][frames];
        for (int[] row : codes) {
            for (int t = 0; t < frames; t++) {
                row[t] = r.nextInt(config.requireInt("codebook_size"));
            }
        }
        return codes;
    }

    private static int[][] slice(int[][] codes, int frames) {
        int[][] out = new int[codes.length][];
        for (int q = 0; q < codes.length; q++) {
            out[q] = Arrays.copyOf(codes[q], frames);
        }
        return out;
    }

    static String toTable(List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append("| model | params | threads | test | frames | audio s | wall s (median) | min | max | RTF | CPU s (median) | CPU s per audio s |\n");
        sb.append("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (Row r : rows) {
            double min = Arrays.stream(r.seconds()).min().orElse(0);
            double max = Arrays.stream(r.seconds()).max().orElse(0);
            sb.append(String.format(Locale.ROOT, "| %s | %.0f M | %d | %s | %d | %.2f | %.3f | %.3f | %.3f | %.2f | %.3f | %.2f |%n", r.model(),
                    r.params() / 1e6, r.threads(), r.test(), r.frames(), r.audioSeconds(), r.median(), min, max, r.rtf(r.median()),
                    r.cpuMedian(), r.rtf(r.cpuMedian())));
        }
        return sb.toString();
    }

    static String toJson(List<Row> rows) throws IOException {
        ArrayNode a = Json.MAPPER.createArrayNode();
        for (Row r : rows) {
            ObjectNode o = a.addObject();
            o.put("model", r.model());
            o.put("params", r.params());
            o.put("threads", r.threads());
            o.put("test", r.test());
            o.put("frames", r.frames());
            o.put("samples", r.samples());
            o.put("audio_seconds", r.audioSeconds());
            o.put("compute_seconds", r.median());
            o.put("real_time_factor", r.rtf(r.median()));
            o.put("cpu_seconds", r.cpuMedian());
            o.put("cpu_seconds_per_audio_second", r.rtf(r.cpuMedian()));
            ArrayNode s = o.putArray("samples_compute_seconds");
            for (double v : r.seconds()) {
                s.add(v);
            }
        }
        return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(a) + System.lineSeparator();
    }

    /**
     * Random bf16 tensors in memory under Hugging Face's names, at scales that keep every stage's signal finite
     * (as tools/golden/make_tiny_omni.py randomises): matrices uniform with the variance of N(0, 1/fan_in), decoder
     * convolutions at 0.4 of that, biases ±0.1, norm weights near 1, LayerScale and ConvNeXt gamma near 0.1, Snake
     * log-parameters near 0.
     */
    static final class RandomWeights implements WeightSource {
        private final Map<String, Weight> weights = new LinkedHashMap<>();
        private final Map<String, TensorInfo> infos = new LinkedHashMap<>();
        private final SplittableRandom random;

        private RandomWeights(long seed) {
            random = new SplittableRandom(seed);
        }

        static RandomWeights code2wav(ConfigJson c, long seed) {
            RandomWeights w = new RandomWeights(seed);
            int h = c.requireInt("hidden_size");
            int inter = c.requireInt("intermediate_size");
            String p = "code2wav.";
            w.uniform(p + "code_embedding.weight", 1.0, (long) c.requireInt("num_quantizers") * c.requireInt("codebook_size"), h);
            for (int i = 0; i < c.requireInt("num_hidden_layers"); i++) {
                String l = p + "pre_transformer.layers." + i + ".";
                for (String proj : List.of("q_proj", "k_proj", "v_proj", "o_proj")) {
                    w.matrix(l + "self_attn." + proj + ".weight", 1.0, h, h);
                }
                w.matrix(l + "mlp.gate_proj.weight", 1.0, inter, h);
                w.matrix(l + "mlp.up_proj.weight", 1.0, inter, h);
                w.matrix(l + "mlp.down_proj.weight", 1.0, h, inter);
                w.around(l + "input_layernorm.weight", 1.0, 0.1, h);
                w.around(l + "post_attention_layernorm.weight", 1.0, 0.1, h);
                w.around(l + "self_attn_layer_scale.scale", 0.1, 0.05, h);
                w.around(l + "mlp_layer_scale.scale", 0.1, 0.05, h);
            }
            w.around(p + "pre_transformer.norm.weight", 1.0, 0.1, h);
            for (int i = 0; i < c.intList("upsampling_ratios").length; i++) {
                int r = c.intList("upsampling_ratios")[i];
                String u = p + "upsample." + i + ".";
                w.transposed(u + "0.conv.weight", 1.0, r, h, h, r);
                w.around(u + "0.conv.bias", 0, 0.1, h);
                w.matrix(u + "1.dwconv.conv.weight", 1.0, h, 1, 7);
                w.around(u + "1.dwconv.conv.bias", 0, 0.1, h);
                w.around(u + "1.norm.weight", 1.0, 0.1, h);
                w.around(u + "1.norm.bias", 0, 0.1, h);
                w.matrix(u + "1.pwconv1.weight", 1.0, 4L * h, h);
                w.around(u + "1.pwconv1.bias", 0, 0.1, 4L * h);
                w.matrix(u + "1.pwconv2.weight", 1.0, h, 4L * h);
                w.around(u + "1.pwconv2.bias", 0, 0.1, h);
                w.around(u + "1.gamma", 0.1, 0.05, h);
            }
            int dim = c.requireInt("decoder_dim");
            w.matrix(p + "decoder.0.conv.weight", 0.4, dim, h, 7);
            w.around(p + "decoder.0.conv.bias", 0, 0.1, dim);
            int[] rates = c.intList("upsample_rates");
            for (int i = 0; i < rates.length; i++) {
                int in = dim >> i;
                int out = dim >> (i + 1);
                String b = p + "decoder." + (i + 1) + ".block.";
                w.snake(b + "0.", in);
                w.transposed(b + "1.conv.weight", 0.4, rates[i], in, out, 2L * rates[i]);
                w.around(b + "1.conv.bias", 0, 0.1, out);
                for (int u = 2; u <= 4; u++) {
                    String r = b + u + ".";
                    w.snake(r + "act1.", out);
                    w.snake(r + "act2.", out);
                    w.matrix(r + "conv1.conv.weight", 0.4, out, out, 7);
                    w.around(r + "conv1.conv.bias", 0, 0.1, out);
                    w.matrix(r + "conv2.conv.weight", 0.4, out, out, 1);
                    w.around(r + "conv2.conv.bias", 0, 0.1, out);
                }
            }
            int last = dim >> rates.length;
            w.snake(p + "decoder." + (rates.length + 1) + ".", last);
            w.matrix(p + "decoder." + (rates.length + 2) + ".conv.weight", 0.4, 1, last, 7);
            w.around(p + "decoder." + (rates.length + 2) + ".conv.bias", 0, 0.1, 1);
            return w;
        }

        long parameters() {
            return infos.values().stream().mapToLong(TensorInfo::elements).sum();
        }

        /** Gain / sqrt(fan_in) with fan_in = every dimension but the first. */
        private void matrix(String name, double gain, long... shape) {
            long fanIn = 1;
            for (int i = 1; i < shape.length; i++) {
                fanIn *= shape[i];
            }
            uniform(name, gain / Math.sqrt(fanIn), shape);
        }

        /** ConvTranspose1d {@code [in, out, k]}: each output sums in·k/stride terms. */
        private void transposed(String name, double gain, int stride, long in, long out, long k) {
            uniform(name, gain / Math.sqrt(in * k / stride), in, out, k);
        }

        private void snake(String prefix, int channels) {
            around(prefix + "alpha", 0, 0.2, channels);
            around(prefix + "beta", 0, 0.2, channels);
        }

        /** Uniform values of standard deviation {@code std}. */
        private void uniform(String name, double std, long... shape) {
            fill(name, 0, std, shape);
        }

        private void around(String name, double mean, double std, long... shape) {
            fill(name, mean, std, shape);
        }

        private void fill(String name, double mean, double std, long... shape) {
            long n = Arrays.stream(shape).reduce(1, Math::multiplyExact);
            short[] bits = new short[Math.toIntExact(n)];
            double half = std * Math.sqrt(3);
            for (int i = 0; i < bits.length; i++) {
                float v = (float) (mean + half * (2 * random.nextDouble() - 1));
                bits[i] = (short) (Float.floatToRawIntBits(v) >>> 16);
            }
            MemorySegment data = MemorySegment.ofArray(bits);
            weights.put(name, Weight.of(name, DType.BF16, shape, data));
            infos.put(name, new TensorInfo(name, "BF16", DType.BF16, shape, Path.of("(memory)"), 0, 2 * n));
        }

        @Override
        public Set<String> names() {
            return weights.keySet();
        }

        @Override
        public Optional<TensorInfo> info(String name) {
            return Optional.ofNullable(infos.get(name));
        }

        @Override
        public Weight weight(String name) {
            Weight w = weights.get(name);
            if (w == null) {
                throw new IllegalArgumentException("no tensor " + name);
            }
            return w;
        }

        @Override
        public String description() {
            return "random weights in memory";
        }

        @Override
        public void close() {}
    }
}
