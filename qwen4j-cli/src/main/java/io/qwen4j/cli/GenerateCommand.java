package io.qwen4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.core.CausalLm;
import io.qwen4j.engine.GenerationDefaults;
import io.qwen4j.engine.GenerationRequest;
import io.qwen4j.engine.GenerationResult;
import io.qwen4j.engine.Generator;
import io.qwen4j.engine.SamplingParams;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code qwen4j generate}: continues a sequence of token ids. */
@Command(name = "generate",
        mixinStandardHelpOptions = true,
        description = {
            "Continues a sequence of token ids and prints the generated ids.",
            "%nGeneration stops at the model's end-of-sequence ids (generation_config.json), at --max-tokens,"
                + " or at the context size. Sampling follows the checkpoint's generation_config.json unless flags say"
                + " otherwise (--temperature 0 for greedy). With --json it prints one JSON object whose token_ids holds the ids.",
            "%nExample:%n  qwen4j generate --model ./Qwen3-0.6B --ids 9707,11 --max-tokens 16 --temperature 0 --json%n"
        })
final class GenerateCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--ids", required = true, paramLabel = "ID,ID,...", converter = TokenIds.Converter.class,
            description = "Prompt token ids, comma-separated.")
    TokenIds ids;

    @Option(names = {"-n", "--max-tokens"}, paramLabel = "N", description = "Most tokens to generate (default: ${DEFAULT-VALUE}).")
    int maxTokens = 16;

    @Mixin
    SamplingOptions sampling;

    @Option(names = "--ignore-eos", description = "Do not stop at end-of-sequence ids.")
    boolean ignoreEos;

    @Option(names = "--json", description = "Print one JSON object: token_ids, stop_reason, usage and timings.")
    boolean json;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (CausalLm model = modelOptions.load()) {
            int[] stops = ignoreEos ? new int[0] : model.info().eosTokenIds();
            SamplingParams params = sampling.resolve(GenerationDefaults.forModel(modelOptions.resolve(), GenerationDefaults.TRANSFORMERS));
            GenerationResult r = new Generator(model).generate(new GenerationRequest(ids.ids(), maxTokens, stops, params));
            if (json) {
                ObjectMapper mapper = new ObjectMapper();
                ObjectNode o = mapper.createObjectNode();
                o.putPOJO("token_ids", r.tokenIds());
                o.put("stop_reason", r.stopReason());
                ObjectNode usage = o.putObject("usage");
                usage.put("prompt_tokens", r.promptTokens());
                usage.put("completion_tokens", r.tokenIds().length);
                ObjectNode timings = o.putObject("timings");
                timings.put("prompt_ms", r.promptNanos() / 1e6);
                timings.put("decode_ms", r.decodeNanos() / 1e6);
                timings.put("prompt_tokens_per_second", r.promptTokensPerSecond());
                timings.put("decode_tokens_per_second", r.decodeTokensPerSecond());
                out.println(mapper.writeValueAsString(o));
            } else {
                out.println(Arrays.toString(r.tokenIds()));
                out.printf(Locale.ROOT, "%d tokens (%s); prompt %.1f tok/s, generation %.1f tok/s%n",
                        r.tokenIds().length, r.stopReason(), r.promptTokensPerSecond(), r.decodeTokensPerSecond());
            }
        }
        return 0;
    }
}
