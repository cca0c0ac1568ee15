package io.qwen4j.models;

import io.qwen4j.core.Batch;
import io.qwen4j.core.CausalLm;
import io.qwen4j.core.Divergence;
import io.qwen4j.formats.ConfigJson;
import io.qwen4j.formats.Progress;
import io.qwen4j.formats.QuantizingSource;
import io.qwen4j.formats.SafeTensorsSource;
import io.qwen4j.formats.WeightSource;
import io.qwen4j.tensor.DType;
import io.qwen4j.tensor.FloatMatrix;
import io.qwen4j.tensor.ThreadPool;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;

/**
 * Splits the KL divergence a quantized type causes into its two sources: the weights alone (quantized,
 * then dequantized to F32 and run with float activations) and the weights with the integer kernel's
 * 8-bit activations. Not a test; run by hand (see the report of the gguf branch) with
 * {@code java ... io.qwen4j.models.QuantSensitivity DIR TYPE [tokens] [sequences]}.
 */
public final class QuantSensitivity {
    private QuantSensitivity() {}

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        DType type = DType.valueOf(args[1]);
        int tokens = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        int sequences = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        LoadOptions options = LoadOptions.defaults();
        ConfigJson config = ConfigJson.read(dir.resolve("config.json"));
        ConfigJson generation = ConfigJson.read(dir.resolve("generation_config.json"));
        try (ThreadPool pool = ThreadPool.create(options.threads());
             CausalLm ref = Qwen3.load(config, generation, SafeTensorsSource.open(dir), options)) {
            WeightSource q = QuantizingSource.of(SafeTensorsSource.open(dir), type, pool, Progress.NONE);
            WeightSource dequantized = QuantizingSource.of(QuantizingSource.of(SafeTensorsSource.open(dir), type, pool, Progress.NONE),
                    DType.F32, pool, Progress.NONE);
            try (CausalLm fused = Qwen3.load(config, generation, q, options);
                 CausalLm weightsOnly = Qwen3.load(config, generation, dequantized, options)) {
                int vocab = ref.info().vocabSize();
                double klFused = 0;
                double klWeights = 0;
                int n = 0;
                Random rnd = new Random(1);
                for (int s = 0; s < sequences; s++) {
                    int[] ids = rnd.ints(tokens, 0, vocab).toArray();
                    FloatMatrix p = ref.forward(Batch.of(ref.newCache(tokens), ids, true));
                    FloatMatrix a = fused.forward(Batch.of(fused.newCache(tokens), ids, true));
                    FloatMatrix b = weightsOnly.forward(Batch.of(weightsOnly.newCache(tokens), ids, true));
                    for (int t = 0; t < tokens; t++) {
                        klFused += Divergence.kl(p.data(), a.data(), t * vocab, vocab);
                        klWeights += Divergence.kl(p.data(), b.data(), t * vocab, vocab);
                        n++;
                    }
                }
                System.out.printf(Locale.ROOT, "%s %s: mean KL weights only (dequantized, F32 activations) %.3e; with the integer kernel (8-bit activations) %.3e; %d positions%n",
                        dir.getFileName(), type, klWeights / n, klFused / n, n);
            }
        }
    }
}
