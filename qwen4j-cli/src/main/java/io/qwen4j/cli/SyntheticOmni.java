package io.qwen4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.common.ModelFileException;
import io.qwen4j.formats.ConfigJson;
import io.qwen4j.formats.Json;
import io.qwen4j.formats.TensorInfo;
import io.qwen4j.formats.WeightSource;
import io.qwen4j.tensor.DType;
import io.qwen4j.tensor.Weight;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Qwen3-Omni-30B-A3B-Instruct's thinker (text part) and talker (with its code predictor) at their real shapes
 * (omni.md §1, §11), random bf16 weights in memory off the heap, for benchmarks: nothing downloaded or written.
 * Values as {@link SyntheticModel}'s (random sign and mantissa, |x| between 2^-8 and 2^-5; norm weights 1, biases 0),
 * which keeps every activation finite. The thinker's and the talker's depth can be cut ({@code thinkerLayers},
 * {@code talkerLayers}); the encoders are left out (text prompts).
 */
final class SyntheticOmni {
    private SyntheticOmni() {}

    /** The whole Qwen3-Omni config (thinker_config text part, talker_config) with the given depths. */
    static ConfigJson config(int thinkerLayers, int talkerLayers) {
        ObjectNode c = Json.MAPPER.createObjectNode();
        c.put("model_type", "qwen3_omni_moe").put("enable_audio_output", true);
        c.put("im_start_token_id", 151644).put("im_end_token_id", 151645).put("system_token_id", 8948).put("user_token_id", 872)
                .put("assistant_token_id", 77091).put("tts_pad_token_id", 151671).put("tts_bos_token_id", 151672)
                .put("tts_eos_token_id", 151673);
        ObjectNode th = c.putObject("thinker_config");
        media(th);
        th.put("user_token_id", 872).put("tie_word_embeddings", false);
        ObjectNode text = th.putObject("text_config");
        text.put("vocab_size", 152064).put("hidden_size", 2048).put("num_hidden_layers", thinkerLayers).put("num_attention_heads", 32)
                .put("num_key_value_heads", 4).put("head_dim", 128).put("moe_intermediate_size", 768).put("intermediate_size", 768)
                .put("num_experts", 128).put("num_experts_per_tok", 8).put("norm_topk_prob", true).put("decoder_sparse_step", 1)
                .put("rms_norm_eps", 1e-6).put("max_position_embeddings", 65536).put("tie_word_embeddings", false);
        text.putArray("mlp_only_layers");
        rope(text.putObject("rope_parameters"), 1_000_000.0).putArray("mrope_section").add(24).add(20).add(20);
        ObjectNode tk = c.putObject("talker_config");
        media(tk);
        tk.put("num_code_groups", 16).put("thinker_hidden_size", 2048).put("accept_hidden_layer", Math.min(24, thinkerLayers))
                .put("codec_pad_id", 2148).put("codec_bos_id", 2149).put("codec_eos_token_id", 2150).put("codec_nothink_id", 2155)
                .put("codec_think_bos_id", 2156).put("codec_think_eos_id", 2157).put("spatial_merge_size", 2);
        tk.putObject("speaker_id").put("chelsie", 2301).put("ethan", 2302).put("aiden", 2303);
        ObjectNode tt = tk.putObject("text_config");
        tt.put("vocab_size", 3072).put("hidden_size", 1024).put("num_hidden_layers", talkerLayers).put("num_attention_heads", 16)
                .put("num_key_value_heads", 2).put("head_dim", 128).put("num_experts", 128).put("num_experts_per_tok", 6)
                .put("moe_intermediate_size", 384).put("shared_expert_intermediate_size", 768).put("norm_topk_prob", true)
                .put("intermediate_size", 2048).put("rms_norm_eps", 1e-6).put("max_position_embeddings", 65536)
                .put("decoder_sparse_step", 1);
        tt.putArray("mlp_only_layers");
        rope(tt.putObject("rope_parameters"), 1_000_000.0).putArray("mrope_section").add(24).add(20).add(20);
        ObjectNode cp = tk.putObject("code_predictor_config");
        cp.put("vocab_size", 2048).put("hidden_size", 1024).put("num_hidden_layers", 5).put("num_attention_heads", 16)
                .put("num_key_value_heads", 8).put("head_dim", 128).put("intermediate_size", 3072).put("num_code_groups", 16)
                .put("rms_norm_eps", 1e-6).put("max_position_embeddings", 65536);
        rope(cp.putObject("rope_parameters"), 1_000_000.0);
        return new ConfigJson(c, "qwen3-omni-30b-a3b-instruct (synthetic)");
    }

    private static void media(ObjectNode o) {
        o.put("audio_token_id", 151675).put("audio_start_token_id", 151669).put("image_token_id", 151655).put("video_token_id", 151656)
                .put("vision_start_token_id", 151652).put("position_id_per_seconds", 13);
    }

    private static ObjectNode rope(ObjectNode r, double theta) {
        r.put("rope_type", "default").put("rope_theta", theta).put("interleaved", true);
        return r;
    }

    /** Random weights for {@link #config}: {@code thinker.*} (text model) and {@code talker.*}. */
    static Random weights(ConfigJson config) {
        Random w = new Random();
        ConfigJson th = config.section("thinker_config").orElseThrow().section("text_config").orElseThrow();
        int h = th.requireInt("hidden_size");
        w.matrix("thinker.model.embed_tokens.weight", th.requireInt("vocab_size"), h);
        w.matrix("thinker.lm_head.weight", th.requireInt("vocab_size"), h);
        w.ones("thinker.model.norm.weight", h);
        for (int i = 0; i < th.requireInt("num_hidden_layers"); i++) {
            w.layer("thinker.model.layers." + i + ".", th, false);
        }
        ConfigJson tk = config.section("talker_config").orElseThrow();
        ConfigJson tt = tk.section("text_config").orElseThrow();
        int th2 = tt.requireInt("hidden_size");
        w.matrix("talker.model.codec_embedding.weight", tt.requireInt("vocab_size"), th2);
        w.matrix("talker.codec_head.weight", tt.requireInt("vocab_size"), th2);
        w.ones("talker.model.norm.weight", th2);
        for (int i = 0; i < tt.requireInt("num_hidden_layers"); i++) {
            w.layer("talker.model.layers." + i + ".", tt, true);
        }
        int thinkerHidden = tk.requireInt("thinker_hidden_size");
        int width = tt.requireInt("intermediate_size");
        for (String p : new String[] {"talker.text_projection.", "talker.hidden_projection."}) {
            w.matrix(p + "linear_fc1.weight", width, thinkerHidden);
            w.zeros(p + "linear_fc1.bias", width);
            w.matrix(p + "linear_fc2.weight", th2, width);
            w.zeros(p + "linear_fc2.bias", th2);
        }
        ConfigJson cp = tk.section("code_predictor_config").orElseThrow();
        for (int i = 0; i < cp.requireInt("num_hidden_layers"); i++) {
            w.layer("talker.code_predictor.model.layers." + i + ".", cp, false);
        }
        w.ones("talker.code_predictor.model.norm.weight", cp.requireInt("hidden_size"));
        for (int g = 0; g < cp.requireInt("num_code_groups") - 1; g++) {
            w.matrix("talker.code_predictor.model.codec_embedding." + g + ".weight", cp.requireInt("vocab_size"), cp.requireInt("hidden_size"));
            w.matrix("talker.code_predictor.lm_head." + g + ".weight", cp.requireInt("vocab_size"), cp.requireInt("hidden_size"));
        }
        return w;
    }

    /** Random bf16 tensors off the heap, under Hugging Face's names; closing frees them. */
    static final class Random implements WeightSource {
        private final Arena arena = Arena.ofShared();
        private final Map<String, Weight> weights = new LinkedHashMap<>();
        private final Map<String, TensorInfo> infos = new LinkedHashMap<>();
        private long seed = 1;

        /** Attention, norms and the MLP (sparse experts with a shared expert for the talker, a dense SwiGLU without experts). */
        void layer(String p, ConfigJson c, boolean sharedExpert) {
            int h = c.requireInt("hidden_size");
            int d = c.requireInt("head_dim");
            ones(p + "input_layernorm.weight", h);
            ones(p + "post_attention_layernorm.weight", h);
            ones(p + "self_attn.q_norm.weight", d);
            ones(p + "self_attn.k_norm.weight", d);
            matrix(p + "self_attn.q_proj.weight", (long) c.requireInt("num_attention_heads") * d, h);
            matrix(p + "self_attn.k_proj.weight", (long) c.requireInt("num_key_value_heads") * d, h);
            matrix(p + "self_attn.v_proj.weight", (long) c.requireInt("num_key_value_heads") * d, h);
            matrix(p + "self_attn.o_proj.weight", h, (long) c.requireInt("num_attention_heads") * d);
            int experts = c.intOr(0, "num_experts");
            if (experts == 0) {
                int i = c.requireInt("intermediate_size");
                matrix(p + "mlp.gate_proj.weight", i, h);
                matrix(p + "mlp.up_proj.weight", i, h);
                matrix(p + "mlp.down_proj.weight", h, i);
                return;
            }
            int e = c.requireInt("moe_intermediate_size");
            matrix(p + "mlp.gate.weight", experts, h);
            for (int x = 0; x < experts; x++) {
                String ep = p + "mlp.experts." + x + ".";
                matrix(ep + "gate_proj.weight", e, h);
                matrix(ep + "up_proj.weight", e, h);
                matrix(ep + "down_proj.weight", h, e);
            }
            if (sharedExpert) {
                int s = c.requireInt("shared_expert_intermediate_size");
                matrix(p + "mlp.shared_expert.gate_proj.weight", s, h);
                matrix(p + "mlp.shared_expert.up_proj.weight", s, h);
                matrix(p + "mlp.shared_expert.down_proj.weight", h, s);
                matrix(p + "mlp.shared_expert_gate.weight", 1, h);
            }
        }

        void matrix(String name, long rows, long cols) {
            MemorySegment m = put(name, rows, cols);
            long s = seed++;
            long n = m.byteSize() / 2;
            int blocks = (int) Math.min(4096, Math.max(1, n / 65536));
            IntStream.range(0, blocks).parallel().forEach(b -> {
                long from = n * b / blocks;
                long to = n * (b + 1) / blocks;
                long x = (s * 0x9E3779B97F4A7C15L) ^ (b + 1) * 0xBF58476D1CE4E5B9L;
                for (long i = from; i < to; ) {
                    x ^= x >>> 12;
                    x ^= x << 25;
                    x ^= x >>> 27;
                    long r = x * 0x2545F4914F6CDD1DL;
                    for (int k = 0; k < 4 && i < to; k++, r >>>= 16, i++) {
                        int sign = (int) (r & 0x8000);
                        int exponent = 127 - 8 + (int) ((r >>> 7) & 3);
                        int mantissa = (int) (r & 0x7F);
                        m.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) (sign | exponent << 7 | mantissa));
                    }
                }
            });
        }

        void ones(String name, long n) {
            MemorySegment m = put(name, n);
            for (long i = 0; i < n; i++) {
                m.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) 0x3F80); // 1.0 in bf16
            }
        }

        void zeros(String name, long n) {
            put(name, n).fill((byte) 0);
        }

        private MemorySegment put(String name, long... shape) {
            long n = 1;
            for (long s : shape) {
                n = Math.multiplyExact(n, s);
            }
            MemorySegment m = arena.allocate(2 * n, 64);
            weights.put(name, Weight.of(name, DType.BF16, shape, m));
            infos.put(name, new TensorInfo(name, "BF16", DType.BF16, shape, Path.of("(memory)"), 0, 2 * n));
            return m;
        }

        long parameters(String prefix) {
            return infos.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).mapToLong(e -> e.getValue().elements()).sum();
        }

        @Override
        public Set<String> names() {
            return java.util.Collections.unmodifiableSet(weights.keySet());
        }

        @Override
        public Optional<TensorInfo> info(String name) {
            return Optional.ofNullable(infos.get(name));
        }

        @Override
        public Weight weight(String name) {
            Weight w = weights.get(name);
            if (w == null) {
                throw new ModelFileException("tensor " + name + " is missing from the synthetic model");
            }
            return w;
        }

        @Override
        public String description() {
            return "random Qwen3-Omni weights in memory";
        }

        @Override
        public void close() {
            // shared by the thinker's and the talker's views: freed by free()
        }

        void free() {
            arena.close();
        }
    }
}
