package io.qwen4j.cli;

import io.qwen4j.core.CausalLm;
import io.qwen4j.core.ModelInfo;
import io.qwen4j.engine.GenerationRequest;
import io.qwen4j.engine.GenerationResult;
import io.qwen4j.engine.Generator;
import io.qwen4j.engine.SamplingParams;
import io.qwen4j.tensor.ThreadPool;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code qwen4j demo}: the whole path on the embedded model, with nothing downloaded. */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Generates with the tiny model bundled with qwen4j: nothing to download.",
            "%nLoads the embedded Qwen3 (random weights: the tokens are not meant to make sense), generates from it,"
                + " printing each token as it comes, then the speed.%n"
        })
final class DemoCommand implements Callable<Integer> {
    @Option(names = {"-n", "--max-tokens"}, paramLabel = "N", description = "Tokens to generate (default: ${DEFAULT-VALUE}).")
    int maxTokens = 64;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "Compute threads (default: all cores).")
    int threads = ThreadPool.defaultThreads();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ModelOptions options = new ModelOptions();
        options.threads = threads;
        try (CausalLm model = options.load()) {
            ModelInfo info = model.info();
            out.printf(Locale.ROOT, "qwen4j demo: the embedded %s model (random weights), %.2fM parameters, %s, %.1f MB%n",
                    info.architecture(), info.parameters() / 1e6, info.weightTypes(), info.weightBytes() / 1e6);
            out.println("compute: " + info.compute());
            int[] prompt = {1, 2, 3, 4, 5, 6, 7, 8};
            // an unprinted warm-up, as llama-bench does: the first passes run before the JIT has compiled the kernels
            new Generator(model).generate(new GenerationRequest(new int[] {9, 10, 11}, 48, new int[0], SamplingParams.greedy()));
            out.print("prompt ids:    ");
            for (int id : prompt) {
                out.print(id + " ");
            }
            out.println();
            out.print("generated ids: ");
            out.flush();
            GenerationResult r = new Generator(model).generate(
                    new GenerationRequest(prompt, maxTokens, new int[0], SamplingParams.greedy()), id -> {
                        out.print(id + " ");
                        out.flush();
                        return true;
                    });
            out.println();
            out.printf(Locale.ROOT, "%d tokens: prompt %.1f tok/s, generation %.1f tok/s (%d thread%s)%n",
                    r.tokenIds().length, r.promptTokensPerSecond(), r.decodeTokensPerSecond(), threads, threads == 1 ? "" : "s");
        }
        return 0;
    }
}
