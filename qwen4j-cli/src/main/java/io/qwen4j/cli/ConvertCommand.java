package io.qwen4j.cli;

import io.qwen4j.common.InvalidInputException;
import io.qwen4j.formats.GgufConverter;
import io.qwen4j.tensor.ThreadPool;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code qwen4j convert}: a Hugging Face checkpoint to a GGUF file llama.cpp can read. */
@Command(name = "convert",
        mixinStandardHelpOptions = true,
        description = {
            "Converts a Hugging Face Qwen3 / Qwen3-MoE checkpoint to GGUF.",
            "%nWrites llama.cpp's metadata keys and tensor names (as convert_hf_to_gguf.py does), norms in F32, and for"
                + " q4_k_m the per-tensor types llama-quantize picks (Q6_K for the output and some attn_v / ffn_down).",
            "%nExample:%n  qwen4j convert --model ./Qwen3-0.6B --out qwen3-0.6b-q8_0.gguf --type q8_0%n"
        })
final class ConvertCommand implements Callable<Integer> {
    enum Type {
        f32(GgufConverter.Target.F32), bf16(GgufConverter.Target.BF16), q8_0(GgufConverter.Target.Q8_0), q4_0(GgufConverter.Target.Q4_0), q4_k_m(GgufConverter.Target.Q4_K_M);

        final GgufConverter.Target target;

        Type(GgufConverter.Target target) {
            this.target = target;
        }
    }

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "DIR", description = "Checkpoint folder (config.json, *.safetensors).")
    Path model;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE.gguf", description = "The GGUF file to write.")
    Path out;

    @Option(names = "--type", paramLabel = "TYPE", description = "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Type type = Type.bf16;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "Threads quantizing (default: all cores).")
    int threads = ThreadPool.defaultThreads();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (threads < 1) {
            throw new InvalidInputException("--threads must be at least 1, got " + threads);
        }
        if (!Files.isDirectory(model)) {
            throw new InvalidInputException(model + " is not a checkpoint folder (config.json and *.safetensors)");
        }
        long t0 = System.nanoTime();
        try (ThreadPool pool = ThreadPool.create(threads)) {
            GgufConverter.convert(model, out, type.target, pool, new ProgressBars());
        }
        PrintWriter o = spec.commandLine().getOut();
        o.printf(Locale.ROOT, "wrote %s (%s, %.1f MB) in %.1f s%n", out, type, Files.size(out) / 1e6, (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
