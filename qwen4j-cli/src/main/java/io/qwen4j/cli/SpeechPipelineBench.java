package io.qwen4j.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.common.InvalidInputException;
import io.qwen4j.core.CausalLm;
import io.qwen4j.core.PromptMedia;
import io.qwen4j.engine.Code2WavDecoders;
import io.qwen4j.engine.SamplingParams;
import io.qwen4j.engine.SpeechPipeline;
import io.qwen4j.formats.ConfigJson;
import io.qwen4j.formats.Json;
import io.qwen4j.models.Architectures;
import io.qwen4j.models.Code2WavStream;
import io.qwen4j.models.LoadOptions;
import io.qwen4j.models.Qwen3OmniCode2Wav;
import io.qwen4j.models.Qwen3OmniTalker;
import io.qwen4j.tensor.Ops;
import io.qwen4j.tensor.ThreadPool;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code qwen4j bench --synthetic qwen3-omni-speech}: the whole spoken-answer pipeline ({@link SpeechPipeline}: thinker →
 * talker + code predictor → Code2Wav, concurrently) of Qwen3-Omni-30B-A3B-Instruct at its real shapes with random
 * weights in memory ({@link SyntheticOmni}). The thinker keeps only its first layers ({@code :layers=N}, default 2
 * of 48; its embeddings and LM head are whole), the talker all 20 unless {@code :talker-layers=M}; the code predictor
 * (5 layers) and Code2Wav (8, {@link SpeechBench}'s random weights) are whole. Greedy; the thinker writes {@code :tokens=T} tokens (default 32) after a
 * 64-token text prompt, the talker {@code :frames=F} frames (default 50, 4 s; codec EOS suppressed), Code2Wav decodes
 * them in chunks of {@code :chunk=C} frames (default 25) with 25 frames of left context.
 *
 * <p>Reported: time to the first text token, to the first codec frame, to the first audio chunk, the thinker's
 * tokens/s, the talker's frames/s (code predictor included) and the real-time factor of the whole pipeline (wall
 * seconds per second of audio; below 1 is faster than real time).
 */
final class SpeechPipelineBench {
    static final String NAME = "qwen3-omni-speech";
    private static final Pattern SPEC = Pattern.compile("^" + NAME + "((?::(?:layers|talker-layers|tokens|frames|chunk)=\\d+)*)$");
    private static final int PROMPT = 64;

    private SpeechPipelineBench() {}

    static boolean handles(String synthetic) {
        return synthetic != null && synthetic.strip().toLowerCase(Locale.ROOT).startsWith(NAME);
    }

    /** One run's figures (seconds). */
    record Row(String model, int threads, int tokens, int frames, double audioSeconds, double firstToken, double firstFrame, double firstAudio,
               double thinkerTokensPerSecond, double talkerFramesPerSecond, double wall) {
        double rtf() {
            return audioSeconds > 0 ? wall / audioSeconds : Double.NaN;
        }
    }

    static int run(String spec, int[] threads, int repetitions, boolean json, PrintWriter out, PrintWriter err) throws IOException {
        Matcher m = SPEC.matcher(spec.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new InvalidInputException("unknown speech benchmark '" + spec + "'; use " + NAME
                    + "[:layers=N][:talker-layers=M][:tokens=T][:frames=F][:chunk=C]");
        }
        int layers = option(m.group(1), "layers", 2);
        int talkerLayers = option(m.group(1), "talker-layers", 20);
        int tokens = option(m.group(1), "tokens", 32);
        int frames = option(m.group(1), "frames", 50);
        int chunk = option(m.group(1), "chunk", 25);
        if (layers < 1 || layers > 48 || talkerLayers < 1 || talkerLayers > 20 || tokens < 2 || frames < 1 || chunk < 1) {
            throw new InvalidInputException("layers must be within 1..48, talker-layers within 1..20, tokens at least 2, frames and chunk at least 1");
        }
        String name = String.format(Locale.ROOT, "qwen3-omni-30b-a3b speech (thinker %d/48 layers, talker %d/20, chunk %d) (random)", layers,
                talkerLayers, chunk);
        ConfigJson config = SyntheticOmni.config(layers, talkerLayers);
        err.println("building a random " + name + " in memory ...");
        err.flush();
        SyntheticOmni.Random weights = SyntheticOmni.weights(config);
        ConfigJson codecConfig = SpeechBench.realConfig(8);
        SpeechBench.RandomWeights codecWeights = SpeechBench.RandomWeights.code2wav(codecConfig, 7);
        List<Row> rows = new ArrayList<>();
        try {
            for (int t : threads) {
                LoadOptions options = new LoadOptions(t, 4096);
                CausalLm thinker = Architectures.load(config, ConfigJson.empty("generation"), weights, options);
                Qwen3OmniTalker talker = Qwen3OmniTalker.load(config, weights, options);
                try (ThreadPool codecPool = ThreadPool.create(t)) {
                    Code2WavDecoders codec = Code2WavDecoders.of(Qwen3OmniCode2Wav.load(codecWeights, codecConfig, "code2wav.",
                            Ops.vector(codecPool)), chunk, Code2WavStream.DEFAULT_LEFT_CONTEXT);
                    SpeechPipeline pipeline = new SpeechPipeline(thinker, talker, codec::decoder);
                    int[] prompt = prompt(PROMPT);
                    SpeechPipeline.Request request = new SpeechPipeline.Request(prompt, PromptMedia.NONE, SamplingParams.greedy(), tokens,
                            new int[0], null, SpeechPipeline.TalkerSampling.greedy(frames + 1).withIgnoreEos());
                    // warm-up: a short answer
                    pipeline.speak(new SpeechPipeline.Request(prompt, PromptMedia.NONE, SamplingParams.greedy(), 4, new int[0], null,
                            SpeechPipeline.TalkerSampling.greedy(3).withIgnoreEos()), new SpeechPipeline.Listener() {});
                    for (int r = 0; r < repetitions; r++) {
                        err.printf(Locale.ROOT, "%d thread(s), run %d ...%n", t, r + 1);
                        err.flush();
                        SpeechPipeline.Result res = pipeline.speak(request, new SpeechPipeline.Listener() {});
                        double s = 1e-9;
                        double thinkerSeconds = (res.thinkerDone() - res.firstToken()) * s;
                        rows.add(new Row(name, t, res.tokens().length, res.frames().size(), res.audioSeconds(), res.firstToken() * s,
                                res.firstFrame() * s, res.firstAudio() < 0 ? Double.NaN : res.firstAudio() * s,
                                (res.tokens().length - 1) / thinkerSeconds, res.frames().size() / ((res.total() - res.firstFrame()) * s
                                        + 1e-12) , res.total() * s));
                    }
                } finally {
                    talker.close();
                    thinker.close();
                }
            }
        } finally {
            weights.free();
        }
        out.print(json ? toJson(rows) : toTable(rows));
        out.flush();
        return 0;
    }

    /** {@code <|im_start|>user\n} + random text + {@code <|im_end|>\n<|im_start|>assistant\n}: {@code n} tokens. */
    static int[] prompt(int n) {
        SplittableRandom r = new SplittableRandom(5);
        int[] head = {151644, 872, 198};
        int[] tail = {151645, 198, 151644, 77091, 198};
        int[] p = new int[n];
        System.arraycopy(head, 0, p, 0, head.length);
        for (int i = head.length; i < n - tail.length; i++) {
            p[i] = r.nextInt(1000, 150000);
        }
        System.arraycopy(tail, 0, p, n - tail.length, tail.length);
        return p;
    }

    private static int option(String options, String key, int fallback) {
        Matcher m = Pattern.compile(":" + Pattern.quote(key) + "=(\\d+)").matcher(options);
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

    static String toTable(List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append("| model | threads | tokens | frames | audio s | first token s | first frame s | first audio s | thinker tok/s"
                + " | talker frames/s | wall s | RTF |\n");
        sb.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |%n", r.model(),
                    r.threads(), r.tokens(), r.frames(), r.audioSeconds(), r.firstToken(), r.firstFrame(), r.firstAudio(),
                    r.thinkerTokensPerSecond(), r.talkerFramesPerSecond(), r.wall(), r.rtf()));
        }
        return sb.toString();
    }

    static String toJson(List<Row> rows) throws IOException {
        ArrayNode a = Json.MAPPER.createArrayNode();
        for (Row r : rows) {
            ObjectNode o = a.addObject();
            o.put("model", r.model()).put("threads", r.threads()).put("tokens", r.tokens()).put("frames", r.frames())
                    .put("audio_seconds", r.audioSeconds()).put("first_token_seconds", r.firstToken()).put("first_frame_seconds", r.firstFrame())
                    .put("first_audio_seconds", r.firstAudio()).put("thinker_tokens_per_second", r.thinkerTokensPerSecond())
                    .put("talker_frames_per_second", r.talkerFramesPerSecond()).put("wall_seconds", r.wall()).put("real_time_factor", r.rtf());
        }
        return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(a) + System.lineSeparator();
    }
}
