package io.qwen4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.common.InvalidInputException;
import io.qwen4j.core.Batch;
import io.qwen4j.core.CausalLm;
import io.qwen4j.core.Divergence;
import io.qwen4j.models.Architectures;
import io.qwen4j.models.LoadOptions;
import io.qwen4j.tensor.FloatMatrix;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code qwen4j kl}: how far a quantized model's next-token distributions are from a reference's. */
@Command(name = "kl",
        mixinStandardHelpOptions = true,
        description = {
            "Measures the KL divergence of a model's next-token distributions from a reference model's.",
            "%nRuns the same random token sequences through both (one prefill per sequence, logits at every position)"
                + " and prints the mean and max of KL(reference || model) in nats, and how often the top token agrees.",
            "%nExamples:%n  qwen4j kl --reference ./Qwen3-0.6B --model ./Qwen3-0.6B --quantize q8_0%n"
                + "  qwen4j kl --reference ./Qwen3-0.6B --model qwen3-0.6b-q4_k_m.gguf%n"
        })
final class KlCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = {"-r", "--reference"}, required = true, paramLabel = "DIR|FILE.gguf", description = "The reference model (loaded as stored).")
    Path reference;

    @Option(names = "--tokens", paramLabel = "N", description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
    int tokens = 128;

    @Option(names = "--sequences", paramLabel = "N", description = "Random sequences (default: ${DEFAULT-VALUE}).")
    int sequences = 4;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of the random token ids (default: ${DEFAULT-VALUE}).")
    long seed = 1;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (tokens < 1 || sequences < 1) {
            throw new InvalidInputException("--tokens and --sequences must be at least 1");
        }
        LoadOptions options = modelOptions.loadOptions();
        double sum = 0;
        double max = 0;
        long agree = 0;
        long n = 0;
        try (CausalLm ref = Architectures.load(reference, options.withQuantize(LoadOptions.Quantize.AS_STORED));
             CausalLm model = modelOptions.load()) {
            int vocab = ref.info().vocabSize();
            if (model.info().vocabSize() != vocab) {
                throw new InvalidInputException("the models' vocabularies differ: " + vocab + " vs " + model.info().vocabSize());
            }
            Random rnd = new Random(seed);
            for (int s = 0; s < sequences; s++) {
                int[] ids = rnd.ints(tokens, 0, vocab).toArray();
                FloatMatrix p = ref.forward(Batch.of(ref.newCache(tokens), ids, true));
                FloatMatrix q = model.forward(Batch.of(model.newCache(tokens), ids, true));
                for (int t = 0; t < tokens; t++) {
                    double kl = Divergence.kl(p.data(), q.data(), t * vocab, vocab);
                    sum += kl;
                    max = Math.max(max, kl);
                    agree += Divergence.argmax(p.data(), t * vocab, vocab) == Divergence.argmax(q.data(), t * vocab, vocab) ? 1 : 0;
                    n++;
                }
            }
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                ObjectNode o = new ObjectMapper().createObjectNode();
                o.put("mean_kl", sum / n);
                o.put("max_kl", max);
                o.put("top1_agreement", (double) agree / n);
                o.put("positions", n);
                o.put("reference_weights", ref.info().weightTypes());
                o.put("model_weights", model.info().weightTypes());
                out.println(o);
            } else {
                out.printf(Locale.ROOT, "reference %s (%s) vs model %s (%s)%n", ref.info().source(), ref.info().weightTypes(),
                        model.info().source(), model.info().weightTypes());
                out.printf(Locale.ROOT, "mean KL %.3e nats, max %.3e, top-1 agreement %.2f%% over %d positions%n",
                        sum / n, max, 100.0 * agree / n, n);
            }
        }
        return 0;
    }
}
