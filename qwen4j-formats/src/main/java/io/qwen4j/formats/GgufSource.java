package io.qwen4j.formats;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.common.ModelFileException;
import io.qwen4j.tensor.F32Weight;
import io.qwen4j.tensor.Weight;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
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
    private final Map<String, Weight> assembled; // tensors built from several GGUF ones (small)
    private final Set<String> names;

    private GgufSource(GgufFile file, Map<String, Entry> byName, Map<String, Weight> assembled) {
        this.file = file;
        this.byName = byName;
        this.assembled = assembled;
        Set<String> all = new java.util.LinkedHashSet<>(byName.keySet());
        all.addAll(assembled.keySet());
        this.names = Collections.unmodifiableSet(all);
    }

    public static GgufSource open(Path path) {
        GgufFile f = GgufFile.open(path);
        try {
            Map<String, Entry> byName = new LinkedHashMap<>();
            Map<Integer, Integer> deepstack = deepstackOrdinals(f);
            for (GgufFile.Tensor t : f.tensors().values()) {
                Optional<TensorNames.Match> m = TensorNames.fromGguf(t.name());
                if (m.isEmpty()) {
                    byName.put(t.name(), new Entry(t.name(), t, t.shape(), t.offset(), t.byteSize()));
                } else if (!m.get().rule().experts()) {
                    String hf = m.get().hf(-1);
                    if (hf.startsWith("visual.merger_list.")) {
                        hf = m.get().rule().hf().replace("{i}", Integer.toString(ordinal(deepstack, m.get().layer(), path)));
                    }
                    // HF biases are vectors; llama.cpp stores the audio conv biases as [1, 1, C]
                    long[] shape = hf.endsWith(".bias") ? new long[] {t.elements()} : t.shape();
                    byName.put(hf, new Entry(hf, t, shape, t.offset(), t.byteSize()));
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
            Map<String, Weight> assembled = new LinkedHashMap<>();
            GgufFile.Tensor t0 = f.tensors().get(PATCH_T0);
            GgufFile.Tensor t1 = f.tensors().get(PATCH_T1);
            if (t0 != null && t1 != null) {
                assembled.put(PATCH_HF, patchEmbedding(f, t0, t1));
                byName.remove(PATCH_T0);
                byName.remove(PATCH_T1);
            }
            return new GgufSource(f, Collections.unmodifiableMap(byName), Collections.unmodifiableMap(assembled));
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /** llama.cpp's halves of the vision Conv3d kernel (one Conv2d per frame of a temporal patch) and HF's whole kernel. */
    private static final String PATCH_T0 = "v.patch_embd.weight", PATCH_T1 = "v.patch_embd.weight.1",
            PATCH_HF = "visual.patch_embed.proj.weight";

    /**
     * HF's {@code patch_embed.proj.weight [out, in, 2, p, p]} from llama.cpp's two {@code [out, in, p, p]} halves
     * (conversion/qwen3vl.py splits it along time), in float32 (a small tensor).
     */
    private static Weight patchEmbedding(GgufFile f, GgufFile.Tensor t0, GgufFile.Tensor t1) {
        long[] s = t0.shape();
        if (s.length != 4 || !Arrays.equals(s, t1.shape())) {
            throw new ModelFileException(f.path().getFileName() + ": " + PATCH_T0 + " " + Arrays.toString(s) + " and " + PATCH_T1 + " "
                    + Arrays.toString(t1.shape()) + " are not two halves [out, in, p, p] of a patch embedding");
        }
        float[] a = f.weight(PATCH_T0).toFloatArray();
        float[] b = f.weight(PATCH_T1).toFloatArray();
        int out = (int) s[0];
        int in = (int) s[1];
        int pp = (int) (s[2] * s[3]);
        float[] w = new float[2 * a.length];
        for (int o = 0; o < out; o++) {
            for (int c = 0; c < in; c++) {
                int src = (o * in + c) * pp;
                int dst = ((o * in + c) * 2) * pp;
                System.arraycopy(a, src, w, dst, pp);
                System.arraycopy(b, src, w, dst + pp, pp);
            }
        }
        return F32Weight.of(PATCH_HF, new long[] {out, in, 2, s[2], s[3]}, w);
    }

    /** Vision block → deepstack merger number, from {@code clip.vision.is_deepstack_layers} (empty when absent). */
    private static Map<Integer, Integer> deepstackOrdinals(GgufFile f) {
        Map<Integer, Integer> ordinals = new LinkedHashMap<>();
        List<Object> flags = f.array("clip.vision.is_deepstack_layers").orElse(List.of());
        for (int block = 0; block < flags.size(); block++) {
            if (Boolean.TRUE.equals(flags.get(block))) {
                ordinals.put(block, ordinals.size());
            }
        }
        return ordinals;
    }

    private static int ordinal(Map<Integer, Integer> deepstack, int block, Path path) {
        Integer j = deepstack.get(block);
        if (j == null) {
            throw new ModelFileException(path.getFileName() + ": v.deepstack." + block + ".* belongs to vision block " + block
                    + ", which clip.vision.is_deepstack_layers does not mark as a deepstack layer");
        }
        return j;
    }

    public GgufFile file() {
        return file;
    }

    @Override
    public Set<String> names() {
        return names;
    }

    @Override
    public Optional<TensorInfo> info(String name) {
        Weight a = assembled.get(name);
        if (a != null) {
            return Optional.of(new TensorInfo(name, a.dtype().name(), a.dtype(), a.shape(), file.path(), 0, a.byteSize()));
        }
        Entry e = byName.get(name);
        return e == null ? Optional.empty() : Optional.of(new TensorInfo(name, e.tensor().dtype().name(), e.tensor().dtype(),
                e.shape().clone(), file.path(), e.offset(), e.byteSize()));
    }

    @Override
    public Weight weight(String name) {
        Weight a = assembled.get(name);
        if (a != null) {
            return a;
        }
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
     * A {@code qwen3vlmoe} file (llama.cpp's conversion of the Qwen3-Omni thinker's text model) gives a
     * {@code qwen3_omni_moe} config whose {@code thinker_config} holds that text model, its TM-RoPE sections
     * ({@code rope.dimension_sections}) and the media token ids of its vocabulary; its encoders come from the mmproj
     * file ({@link #config(GgufSource)}).
     */
    public ConfigJson config() {
        String arch = architecture();
        if (arch.equals("clip")) {
            throw new ModelFileException(file.path().getFileName() + " is an mmproj file (the encoders of a multimodal model): load the model's"
                    + " GGUF and give this one as its mmproj");
        }
        ObjectNode c = textConfig(arch);
        if (!arch.equals("qwen3vlmoe")) {
            return new ConfigJson(c, file.path().getFileName() + " metadata");
        }
        c.put("model_type", "qwen3_omni_moe_text");
        ObjectNode rope = c.putObject("rope_parameters");
        rope.put("rope_type", "default");
        if (c.has("rope_theta")) {
            rope.put("rope_theta", c.remove("rope_theta").asDouble());
        }
        List<Object> sections = file.array(arch + ".rope.dimension_sections").orElse(List.of());
        ArrayNode mrope = rope.putArray("mrope_section");
        sections.stream().limit(3).forEach(v -> mrope.add(((Number) v).intValue())); // llama.cpp pads [24, 20, 20] with a 0
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("model_type", "qwen3_omni_moe");
        ObjectNode thinker = root.putObject("thinker_config");
        thinker.set("text_config", c);
        thinker.put("tie_word_embeddings", c.get("tie_word_embeddings").asBoolean());
        thinker.put("position_id_per_seconds", 13); // Qwen3-Omni's thinker_config; not in the GGUF
        List<String> tokens = file.tokenizer().map(GgufTokenizer::tokens).orElse(List.of());
        // the ids Qwen3-Omni's config names, found by their text in the vocabulary (-1: absent)
        Map<String, String> ids = new LinkedHashMap<>();
        ids.put("image_token_id", "<|image_pad|>");
        ids.put("video_token_id", "<|video_pad|>");
        ids.put("audio_token_id", "<|audio_pad|>");
        ids.put("vision_start_token_id", "<|vision_start|>");
        ids.put("vision_end_token_id", "<|vision_end|>");
        ids.put("audio_start_token_id", "<|audio_start|>");
        ids.put("audio_end_token_id", "<|audio_end|>");
        ids.forEach((key, text) -> thinker.put(key, tokens.indexOf(text)));
        root.put("im_end_token_id", tokens.indexOf("<|im_end|>"));
        return new ConfigJson(root, file.path().getFileName() + " metadata");
    }

    /**
     * The config of a Qwen3-Omni thinker GGUF ({@link #config()}) with its encoders' {@code audio_config} and
     * {@code vision_config} derived from the mmproj file's {@code clip.*} metadata and tensor shapes. llama.cpp does not
     * store the audio attention window ({@code n_window_infer}), the chunk size ({@code n_window}), the vision
     * activation or the temporal patch: Qwen3-Omni's values are used (800, 50, tanh GELU, 2).
     */
    public ConfigJson config(GgufSource mmproj) {
        ObjectNode root = (ObjectNode) config().node().deepCopy();
        ObjectNode thinker = (ObjectNode) root.get("thinker_config");
        if (thinker == null) {
            throw new ModelFileException(file.path().getFileName() + " is a " + architecture() + " model, which takes no mmproj file");
        }
        GgufFile m = mmproj.file;
        if (!mmproj.architecture().equals("clip")) {
            throw new ModelFileException(m.path().getFileName() + " is not an mmproj file (general.architecture is " + mmproj.architecture() + ")");
        }
        if (m.bool("clip.has_vision_encoder").orElse(false)) {
            ObjectNode v = thinker.putObject("vision_config");
            v.put("model_type", "qwen3_omni_moe_vision_encoder");
            mmproj.putInts(v, "depth", "clip.vision.block_count", "hidden_size", "clip.vision.embedding_length",
                    "num_heads", "clip.vision.attention.head_count", "intermediate_size", "clip.vision.feed_forward_length",
                    "out_hidden_size", "clip.vision.projection_dim", "patch_size", "clip.vision.patch_size",
                    "spatial_merge_size", "clip.vision.spatial_merge_size");
            long side = m.integer("clip.vision.image_size").orElse(768L) / m.integer("clip.vision.patch_size").orElse(16L);
            v.put("num_position_embeddings", side * side);
            v.put("temporal_patch_size", 2);
            GgufFile.Tensor patch = m.tensors().get(PATCH_T0);
            v.put("in_channels", patch == null ? 3 : patch.shape()[1]);
            v.put("hidden_act", "gelu_pytorch_tanh");
            ArrayNode deepstack = v.putArray("deepstack_visual_indexes");
            deepstackOrdinals(m).keySet().forEach(deepstack::add);
        }
        if (m.bool("clip.has_audio_encoder").orElse(false)) {
            ObjectNode a = thinker.putObject("audio_config");
            a.put("model_type", "qwen3_omni_moe_audio_encoder");
            mmproj.putInts(a, "d_model", "clip.audio.embedding_length", "encoder_layers", "clip.audio.block_count",
                    "encoder_attention_heads", "clip.audio.attention.head_count", "encoder_ffn_dim", "clip.audio.feed_forward_length",
                    "output_dim", "clip.audio.projection_dim", "num_mel_bins", "clip.audio.num_mel_bins");
            GgufFile.Tensor conv = m.tensors().get("a.conv2d.1.weight");
            if (conv != null) {
                a.put("downsample_hidden_size", conv.shape()[0]);
            }
            a.put("activation_function", "gelu");
            a.put("n_window", 50);
            a.put("n_window_infer", 800);
        }
        return new ConfigJson(root, file.path().getFileName() + " + " + m.path().getFileName() + " metadata");
    }

    private ObjectNode textConfig(String arch) {
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
        return c;
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

    /** {@link #putInt} for pairs {@code field, key, field, key, ...}. */
    private void putInts(ObjectNode c, String... fieldsAndKeys) {
        for (int i = 0; i < fieldsAndKeys.length; i += 2) {
            putInt(c, fieldsAndKeys[i], fieldsAndKeys[i + 1]);
        }
    }

    private void putInt(ObjectNode c, String field, String key) {
        file.integer(key).ifPresent(v -> c.put(field, v));
    }

    @Override
    public void close() {
        file.close();
    }
}
