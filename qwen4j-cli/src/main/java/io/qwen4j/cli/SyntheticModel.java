package io.qwen4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.common.InvalidInputException;
import io.qwen4j.common.Qwen4jException;
import io.qwen4j.formats.Json;
import io.qwen4j.formats.SafeTensorsWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Random-weight checkpoints with the shapes of real models, written as bf16 safetensors to a folder,
 * so speed can be measured with nothing downloaded. Shapes from the published config.json files
 * (shared/spec/text.md §1.2). Values are small random bf16 numbers (|x| between 2^-8 and 2^-5) and norm
 * weights are 1, which keeps every activation finite. The tokenizer files are the embedded demo model's
 * (a byte-level BPE of the Qwen3 family, ids beyond it unused), so a GGUF made from the folder carries the
 * {@code tokenizer.ggml.*} keys llama.cpp requires.
 */
final class SyntheticModel {
    /** A named shape: {@code qwen3-0.6b}, {@code qwen3-30b-a3b}; {@code :layers=N} overrides the depth. */
    record Shape(String name, String modelType, int vocab, int hidden, int intermediate, int layers, int heads, int kvHeads,
                 int headDim, boolean tied, int experts, int expertsPerToken, int moeIntermediate) {
        boolean moe() {
            return experts > 0;
        }
    }

    static final Map<String, Shape> SHAPES = Map.of(
            "qwen3-0.6b", new Shape("qwen3-0.6b", "qwen3", 151936, 1024, 3072, 28, 16, 8, 128, true, 0, 0, 0),
            "qwen3-30b-a3b", new Shape("qwen3-30b-a3b", "qwen3_moe", 151936, 2048, 6144, 48, 32, 4, 128, false, 128, 8, 768));

    private static final Pattern SPEC = Pattern.compile("^([\\w.-]+?)(?::layers=(\\d+))?$");

    private SyntheticModel() {}

    static Shape parse(String spec) {
        Matcher m = SPEC.matcher(spec.strip().toLowerCase(java.util.Locale.ROOT));
        Shape s = m.matches() ? SHAPES.get(m.group(1)) : null;
        if (s == null) {
            throw new InvalidInputException("unknown synthetic model '" + spec + "'; choose " + String.join(", ", SHAPES.keySet())
                    + ", optionally with :layers=N (e.g. qwen3-30b-a3b:layers=4)");
        }
        if (m.group(2) != null) {
            int layers = Integer.parseInt(m.group(2));
            if (layers < 1 || layers > s.layers()) {
                throw new InvalidInputException("layers must be between 1 and " + s.layers() + " for " + s.name() + ", got " + layers);
            }
            s = new Shape(s.name() + ":layers=" + layers, s.modelType(), s.vocab(), s.hidden(), s.intermediate(), layers, s.heads(),
                    s.kvHeads(), s.headDim(), s.tied(), s.experts(), s.expertsPerToken(), s.moeIntermediate());
        }
        return s;
    }

    /** Writes config.json, generation_config.json, the tokenizer files and model.safetensors for {@code shape} into {@code dir}. */
    static void write(Shape s, Path dir) {
        try {
            Files.createDirectories(dir);
            for (String f : List.of("tokenizer.json", "tokenizer_config.json")) {
                try (InputStream in = SyntheticModel.class.getResourceAsStream(EmbeddedModel.RESOURCE_DIR + f)) {
                    if (in == null) {
                        throw new Qwen4jException("the embedded demo model is missing " + f + " (a broken build: rebuild qwen4j)");
                    }
                    Files.copy(in, dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            ObjectNode c = Json.MAPPER.createObjectNode();
            c.putArray("architectures").add(s.moe() ? "Qwen3MoeForCausalLM" : "Qwen3ForCausalLM");
            c.put("model_type", s.modelType());
            c.put("vocab_size", s.vocab());
            c.put("hidden_size", s.hidden());
            c.put("intermediate_size", s.intermediate());
            c.put("num_hidden_layers", s.layers());
            c.put("num_attention_heads", s.heads());
            c.put("num_key_value_heads", s.kvHeads());
            c.put("head_dim", s.headDim());
            c.put("rms_norm_eps", 1e-6);
            c.put("rope_theta", 1_000_000.0);
            c.put("max_position_embeddings", 40960);
            c.put("tie_word_embeddings", s.tied());
            c.put("eos_token_id", 151645);
            if (s.moe()) {
                c.put("num_experts", s.experts());
                c.put("num_experts_per_tok", s.expertsPerToken());
                c.put("moe_intermediate_size", s.moeIntermediate());
                c.put("norm_topk_prob", true);
                c.put("decoder_sparse_step", 1);
                c.putArray("mlp_only_layers");
            }
            Files.writeString(dir.resolve("config.json"), Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(c));
            Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": [151645, 151643]}\n");
        } catch (IOException e) {
            throw new Qwen4jException("cannot write the synthetic model to " + dir + ": " + e.getMessage(), e);
        }
        SafeTensorsWriter w = new SafeTensorsWriter();
        long seed = 1;
        int h = s.hidden();
        int d = s.headDim();
        w.add("model.embed_tokens.weight", "BF16", new long[] {s.vocab(), h}, 2L * s.vocab() * h, random(seed++));
        for (int i = 0; i < s.layers(); i++) {
            String p = "model.layers." + i + ".";
            ones(w, p + "input_layernorm.weight", h);
            ones(w, p + "post_attention_layernorm.weight", h);
            ones(w, p + "self_attn.q_norm.weight", d);
            ones(w, p + "self_attn.k_norm.weight", d);
            seed = matrix(w, p + "self_attn.q_proj.weight", (long) s.heads() * d, h, seed);
            seed = matrix(w, p + "self_attn.k_proj.weight", (long) s.kvHeads() * d, h, seed);
            seed = matrix(w, p + "self_attn.v_proj.weight", (long) s.kvHeads() * d, h, seed);
            seed = matrix(w, p + "self_attn.o_proj.weight", h, (long) s.heads() * d, seed);
            if (s.moe()) {
                seed = matrix(w, p + "mlp.gate.weight", s.experts(), h, seed);
                for (int e = 0; e < s.experts(); e++) {
                    String ep = p + "mlp.experts." + e + ".";
                    seed = matrix(w, ep + "gate_proj.weight", s.moeIntermediate(), h, seed);
                    seed = matrix(w, ep + "up_proj.weight", s.moeIntermediate(), h, seed);
                    seed = matrix(w, ep + "down_proj.weight", h, s.moeIntermediate(), seed);
                }
            } else {
                seed = matrix(w, p + "mlp.gate_proj.weight", s.intermediate(), h, seed);
                seed = matrix(w, p + "mlp.up_proj.weight", s.intermediate(), h, seed);
                seed = matrix(w, p + "mlp.down_proj.weight", h, s.intermediate(), seed);
            }
        }
        ones(w, "model.norm.weight", h);
        if (!s.tied()) {
            matrix(w, "lm_head.weight", s.vocab(), h, seed);
        }
        w.write(dir.resolve("model.safetensors"));
    }

    private static long matrix(SafeTensorsWriter w, String name, long rows, long cols, long seed) {
        w.add(name, "BF16", new long[] {rows, cols}, 2 * rows * cols, random(seed));
        return seed + 1;
    }

    private static void ones(SafeTensorsWriter w, String name, int n) {
        w.add(name, "BF16", new long[] {n}, 2L * n, (buf, off) -> {
            while (buf.hasRemaining()) {
                buf.putShort((short) 0x3F80); // 1.0 in bf16
            }
        });
    }

    /** Random bf16 values: random sign and mantissa, exponent 2^-8..2^-5 (xorshift64*, seeded per tensor). */
    private static SafeTensorsWriter.Filler random(long seed) {
        return (ByteBuffer buf, long byteOffset) -> {
            long x = (seed * 0x9E3779B97F4A7C15L) ^ (byteOffset + 1) * 0xBF58476D1CE4E5B9L;
            while (buf.remaining() >= 2) {
                x ^= x >>> 12;
                x ^= x << 25;
                x ^= x >>> 27;
                long r = x * 0x2545F4914F6CDD1DL;
                for (int k = 0; k < 4 && buf.remaining() >= 2; k++, r >>>= 16) {
                    int sign = (int) (r & 0x8000);
                    int exponent = 127 - 8 + (int) ((r >>> 7) & 3);
                    int mantissa = (int) (r & 0x7F);
                    buf.putShort((short) (sign | exponent << 7 | mantissa));
                }
            }
        };
    }
}
