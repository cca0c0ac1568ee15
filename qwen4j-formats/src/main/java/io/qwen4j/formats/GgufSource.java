package io.qwen4j.formats;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.common.ModelFileException;
import io.qwen4j.tensor.Weight;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * A GGUF file seen as a Hugging Face checkpoint: tensors under their HF names with HF (outermost-first)
 * shapes through {@link TensorNames}, each expert of a stacked {@code *_exps} tensor as its own slice, and
 * an HF-style {@code config.json} / {@code generation_config.json} derived from the metadata, so model
 * files need not know GGUF exists. Tensors the table does not know keep their GGUF names.
 */
public final class GgufSource implements WeightSource {
    /** An HF tensor: a GGUF tensor, or one expert's slice of one. */
    private record Entry(String name, GgufFile.Tensor tensor, long[] shape, long offset, long byteSize) {}

    private static final Map<String, String> MODEL_TYPES = Map.of("qwen3", "qwen3", "qwen3moe", "qwen3_moe");

    private final GgufFile file;
    private final Map<String, Entry> byName;

    private GgufSource(GgufFile file, Map<String, Entry> byName) {
        this.file = file;
        this.byName = byName;
    }

    public static GgufSource open(Path path) {
        GgufFile f = GgufFile.open(path);
        try {
            Map<String, Entry> byName = new LinkedHashMap<>();
            for (GgufFile.Tensor t : f.tensors().values()) {
                Optional<TensorNames.Match> m = TensorNames.fromGguf(t.name());
                if (m.isEmpty()) {
                    byName.put(t.name(), new Entry(t.name(), t, t.shape(), t.offset(), t.byteSize()));
                } else if (!m.get().rule().experts()) {
                    String hf = m.get().hf(-1);
                    byName.put(hf, new Entry(hf, t, t.shape(), t.offset(), t.byteSize()));
                } else {
                    long[] shape = t.shape();
                    if (shape.length != 3) {
                        throw new ModelFileException(path.getFileName() + ": expert tensor " + t.name() + " has shape " + Arrays.toString(shape)
                                + ", expected [experts, rows, cols]");
                    }
                    long experts = shape[0];
                    long per = t.byteSize() / Math.max(1, experts); // rows are whole blocks, so experts are too
                    long[] one = {shape[1], shape[2]};
                    for (int e = 0; e < experts; e++) {
                        String hf = m.get().hf(e);
                        byName.put(hf, new Entry(hf, t, one, t.offset() + e * per, per));
                    }
                }
            }
            return new GgufSource(f, Collections.unmodifiableMap(byName));
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    public GgufFile file() {
        return file;
    }

    @Override
    public Set<String> names() {
        return byName.keySet();
    }

    @Override
    public Optional<TensorInfo> info(String name) {
        Entry e = byName.get(name);
        return e == null ? Optional.empty() : Optional.of(new TensorInfo(name, e.tensor().dtype().name(), e.tensor().dtype(),
                e.shape().clone(), file.path(), e.offset(), e.byteSize()));
    }

    @Override
    public Weight weight(String name) {
        Entry e = byName.get(name);
        if (e == null) {
            throw new ModelFileException("tensor " + name + " is missing from " + description()
                    + TensorNames.fromHf(name).map(m -> " (GGUF name " + m.gguf() + ")").orElse(""));
        }
        return Weight.of(name, e.tensor().dtype(), e.shape(), file.data(e.tensor()).asSlice(e.offset() - e.tensor().offset(), e.byteSize()));
    }

    @Override
    public String description() {
        return file.path().toString();
    }

    /** The tokenizer stored in the file's metadata, for the tokenizer module to build from. */
    public Optional<GgufTokenizer> tokenizer() {
        return file.tokenizer();
    }

    /** The architecture named in the file ({@code general.architecture}). */
    public String architecture() {
        return file.string("general.architecture").orElseThrow(() -> new ModelFileException(
                file.path().getFileName() + " has no general.architecture; it is not a model GGUF"));
    }

    /**
     * config.json as transformers would write it for this model: {@code model_type} from
     * {@code general.architecture} (qwen3 → qwen3, qwen3moe → qwen3_moe), sizes from {@code {arch}.*},
     * {@code head_dim} from {@code attention.key_length}, tied embeddings when {@code output.weight} is absent.
     */
    public ConfigJson config() {
        String arch = architecture();
        ObjectNode c = Json.MAPPER.createObjectNode();
        c.put("model_type", MODEL_TYPES.getOrDefault(arch, arch));
        Function<String, String> k = key -> arch + "." + key;
        putInt(c, "hidden_size", k.apply("embedding_length"));
        putInt(c, "intermediate_size", k.apply("feed_forward_length"));
        putInt(c, "num_hidden_layers", k.apply("block_count"));
        putInt(c, "num_attention_heads", k.apply("attention.head_count"));
        putInt(c, "num_key_value_heads", k.apply("attention.head_count_kv"));
        putInt(c, "head_dim", k.apply("attention.key_length"));
        putInt(c, "max_position_embeddings", k.apply("context_length"));
        file.number(k.apply("attention.layer_norm_rms_epsilon")).ifPresent(v -> c.put("rms_norm_eps", (double) v.floatValue()));
        file.number(k.apply("rope.freq_base")).ifPresent(v -> c.put("rope_theta", (double) v.floatValue()));
        file.string(k.apply("rope.scaling.type")).filter(t -> !t.equals("none"))
                .ifPresent(t -> c.putObject("rope_scaling").put("rope_type", t));
        putInt(c, "num_experts", k.apply("expert_count"));
        putInt(c, "num_experts_per_tok", k.apply("expert_used_count"));
        putInt(c, "moe_intermediate_size", k.apply("expert_feed_forward_length"));
        if (c.has("num_experts")) {
            c.put("norm_topk_prob", true); // llama.cpp's qwen3moe graph normalises the top-k weights; no key says so
            c.put("decoder_sparse_step", 1);
            c.putArray("mlp_only_layers");
        }
        GgufFile.Tensor embd = file.tensors().get("token_embd.weight");
        if (embd != null && embd.dims().length == 2) {
            c.put("vocab_size", embd.dims()[1]);
        } else {
            putInt(c, "vocab_size", k.apply("vocab_size"));
        }
        c.put("tie_word_embeddings", !file.tensors().containsKey("output.weight"));
        putInt(c, "bos_token_id", "tokenizer.ggml.bos_token_id");
        putInt(c, "eos_token_id", "tokenizer.ggml.eos_token_id");
        putInt(c, "pad_token_id", "tokenizer.ggml.padding_token_id");
        return new ConfigJson(c, file.path().getFileName() + " metadata");
    }

    /** generation_config.json: the end-of-sequence ids ({@code eos_token_id}, then {@code eot_token_id} if another). */
    public ConfigJson generationConfig() {
        ObjectNode g = Json.MAPPER.createObjectNode();
        ArrayNode eos = Json.MAPPER.createArrayNode();
        file.integer("tokenizer.ggml.eos_token_id").ifPresent(eos::add);
        file.integer("tokenizer.ggml.eot_token_id").filter(v -> !file.integer("tokenizer.ggml.eos_token_id").equals(Optional.of(v)))
                .ifPresent(eos::add);
        if (!eos.isEmpty()) {
            g.set("eos_token_id", eos);
        }
        return new ConfigJson(g, file.path().getFileName() + " metadata");
    }

    private void putInt(ObjectNode c, String field, String key) {
        file.integer(key).ifPresent(v -> c.put(field, v));
    }

    @Override
    public void close() {
        file.close();
    }
}
