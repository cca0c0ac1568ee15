package io.qwen4j.formats;

import io.qwen4j.common.InvalidInputException;
import io.qwen4j.common.ModelFileException;
import io.qwen4j.tensor.DType;
import io.qwen4j.tensor.Quantizer;
import io.qwen4j.tensor.ThreadPool;
import io.qwen4j.tensor.Weight;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A Hugging Face Qwen3 / Qwen3-MoE checkpoint → GGUF, with the metadata keys and tensor names llama.cpp's
 * {@code convert_hf_to_gguf.py} writes, and for {@code q4_k_m} the tensor types {@code llama-quantize}
 * picks (llama-quant.cpp, no importance matrix; for {@code q4_0} likewise: Q6_K for the output tensor, Q4_0 for the
 * rest). Norms and 1-D tensors stay F32, as does the MoE router
 * ({@code ffn_gate_inp}); experts are stacked in expert order.
 */
public final class GgufConverter {
    /** Output types, with their {@code general.file_type} (llama_ftype). */
    public enum Target {
        F32(0), BF16(32), Q8_0(7), Q4_0(2), Q4_K_M(15);

        private final int fileType;

        Target(int fileType) {
            this.fileType = fileType;
        }

        public int fileType() {
            return fileType;
        }
    }

    /** One GGUF tensor to write: from one HF tensor, or stacked from one per expert. */
    public record Plan(String gguf, List<String> hf, long[] shape, DType type) {}

    private static final Map<String, String> ARCHS = Map.of("qwen3", "qwen3", "qwen3_moe", "qwen3moe");

    private GgufConverter() {}

    /** Converts the checkpoint folder {@code dir} into {@code out}. */
    public static void convert(Path dir, Path out, Target target, ThreadPool pool, Progress progress) {
        Path configFile = dir.resolve("config.json");
        if (!Files.isRegularFile(configFile)) {
            throw new ModelFileException(dir + " has no config.json; convert reads a Hugging Face checkpoint folder");
        }
        ConfigJson config = ConfigJson.read(configFile);
        String modelType = config.string("model_type").orElseThrow(() -> new ModelFileException(configFile + " has no model_type"));
        String arch = ARCHS.get(modelType);
        if (arch == null) {
            throw new InvalidInputException(dir + " holds a '" + modelType + "' model; convert writes " + String.join(", ", ARCHS.keySet()));
        }
        try (SafeTensorsSource source = SafeTensorsSource.open(dir)) {
            GgufWriter w = new GgufWriter();
            metadata(w, arch, config, dir, target);
            for (Plan p : plan(source, config, target)) {
                w.addTensor(p.gguf(), p.type(), p.shape(), dst -> fill(source, p, dst, pool));
            }
            w.write(out, progress);
        }
    }

    private static void metadata(GgufWriter w, String arch, ConfigJson c, Path dir, Target target) {
        w.put("general.architecture", GgufValue.string(arch));
        w.put("general.type", GgufValue.string("model"));
        w.put("general.name", GgufValue.string(dir.toAbsolutePath().normalize().getFileName().toString()));
        int heads = c.requireInt("num_attention_heads");
        int headDim = c.optionalInt("head_dim").orElse(c.requireInt("hidden_size") / heads);
        w.put(arch + ".block_count", GgufValue.uint32(c.requireInt("num_hidden_layers")));
        w.put(arch + ".context_length", GgufValue.uint32(c.intOr(40960, "max_position_embeddings")));
        w.put(arch + ".embedding_length", GgufValue.uint32(c.requireInt("hidden_size")));
        w.put(arch + ".feed_forward_length", GgufValue.uint32(c.requireInt("intermediate_size")));
        w.put(arch + ".attention.head_count", GgufValue.uint32(heads));
        w.put(arch + ".attention.head_count_kv", GgufValue.uint32(c.intOr(heads, "num_key_value_heads")));
        double theta = c.section("rope_parameters").flatMap(r -> r.optionalDouble("rope_theta")).orElseGet(() -> c.doubleOr(10000.0, "rope_theta"));
        w.put(arch + ".rope.freq_base", GgufValue.float32((float) theta));
        w.put(arch + ".attention.layer_norm_rms_epsilon", GgufValue.float32((float) c.doubleOr(1e-6, "rms_norm_eps")));
        w.put(arch + ".attention.key_length", GgufValue.uint32(headDim));
        w.put(arch + ".attention.value_length", GgufValue.uint32(headDim));
        if (arch.equals("qwen3moe")) {
            w.put(arch + ".expert_count", GgufValue.uint32(c.requireInt("num_experts", "num_local_experts")));
            w.put(arch + ".expert_used_count", GgufValue.uint32(c.requireInt("num_experts_per_tok")));
            w.put(arch + ".expert_feed_forward_length", GgufValue.uint32(c.requireInt("moe_intermediate_size")));
        }
        w.put("general.file_type", GgufValue.uint32(target.fileType()));
        w.put("general.quantization_version", GgufValue.uint32(2)); // GGML_QNT_VERSION
        // TODO(tokenizer): a non-BPE tokenizer.json is not exported; Qwen3's byte-level BPE is.
        HfTokenizerMetadata.write(dir, c, w);
    }

    /** The GGUF tensors in llama.cpp's order (token_embd, layers in order, output_norm, output) with their types. */
    public static List<Plan> plan(WeightSource source, ConfigJson config, Target target) {
        Map<String, List<String>> members = new LinkedHashMap<>();
        Map<String, TensorNames.Match> matches = new LinkedHashMap<>();
        for (String hf : source.names()) {
            TensorNames.Match m = TensorNames.fromHf(hf).orElseThrow(() -> new ModelFileException(
                    "tensor " + hf + " in " + source.description() + " has no GGUF name in qwen4j's table; convert cannot place it"));
            members.computeIfAbsent(m.gguf(), k -> new ArrayList<>()).add(hf);
            matches.putIfAbsent(m.gguf(), m);
        }
        List<String> order = new ArrayList<>(members.keySet());
        order.sort(Comparator.comparingInt((String g) -> rank(matches.get(g))).thenComparingInt(g -> matches.get(g).layer())
                .thenComparingInt(g -> TensorNames.RULES.indexOf(matches.get(g).rule())));
        int layers = config.requireInt("num_hidden_layers");
        int experts = config.intOr(0, "num_experts", "num_local_experts");
        boolean hasOutput = members.containsKey("output.weight");
        List<Plan> plans = new ArrayList<>();
        int attnV = 0;
        for (String g : order) {
            TensorNames.Match m = matches.get(g);
            List<String> hf = members.get(g);
            long[] one = source.info(hf.get(0)).orElseThrow().shape();
            long[] shape = one;
            if (m.rule().experts()) {
                TreeMap<Integer, String> byExpert = new TreeMap<>();
                for (String name : hf) {
                    byExpert.put(TensorNames.fromHf(name).orElseThrow().expert(), name);
                }
                if (byExpert.firstKey() != 0 || byExpert.lastKey() != byExpert.size() - 1) {
                    throw new ModelFileException(source.description() + ": the experts of " + g + " are not numbered 0.." + (byExpert.size() - 1));
                }
                hf = List.copyOf(byExpert.values());
                shape = new long[] {hf.size(), one[0], one[1]};
            }
            DType type = typeFor(g, m, shape, target, hasOutput, layers, experts, attnV);
            if (g.endsWith("attn_v.weight")) {
                attnV++;
            }
            plans.add(new Plan(g, hf, shape, type));
        }
        return plans;
    }

    private static int rank(TensorNames.Match m) {
        return switch (m.gguf()) {
            case "token_embd.weight" -> 0;
            case "output_norm.weight" -> 2;
            case "output.weight" -> 3;
            default -> 1;
        };
    }

    /** llama.cpp's {@code use_more_bits}: the first and last eighth of the layers, and every third between. */
    static boolean useMoreBits(int i, int n) {
        return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
    }

    static DType typeFor(String gguf, TensorNames.Match m, long[] shape, Target target, boolean hasOutput, int layers,
                         int experts, int attnVIndex) {
        if (shape.length <= 1 || gguf.endsWith("_norm.weight") || gguf.endsWith("ffn_gate_inp.weight")) {
            return DType.F32;
        }
        long cols = shape[shape.length - 1];
        DType type = switch (target) {
            case F32 -> DType.F32;
            case BF16 -> DType.BF16;
            case Q8_0 -> DType.Q8_0;
            case Q4_0 -> q4_0(gguf, hasOutput, cols, experts);
            case Q4_K_M -> q4KM(gguf, m, cols, hasOutput, layers, experts, attnVIndex);
        };
        return fallback(type, cols);
    }

    /** llama-quant.cpp's {@code llama_tensor_get_type_impl} for LLAMA_FTYPE_MOSTLY_Q4_0 (no imatrix). */
    private static DType q4_0(String gguf, boolean hasOutput, long cols, int experts) {
        if (gguf.equals("output.weight") || (!hasOutput && gguf.equals("token_embd.weight"))) {
            return cols % DType.QK_K != 0 ? DType.Q8_0 : DType.Q6_K;
        }
        if (gguf.endsWith("attn_v.weight") && experts == 8) {
            return DType.Q8_0;
        }
        return DType.Q4_0;
    }

    /** llama-quant.cpp's {@code llama_tensor_get_type_impl} for LLAMA_FTYPE_MOSTLY_Q4_K_M (not Falcon, no imatrix). */
    private static DType q4KM(String gguf, TensorNames.Match m, long cols, boolean hasOutput, int layers, int experts, int attnV) {
        if (gguf.equals("output.weight") || (!hasOutput && gguf.equals("token_embd.weight"))) {
            return cols % DType.QK_K != 0 ? DType.Q8_0 : DType.Q6_K;
        }
        if (gguf.equals("token_embd.weight")) {
            return DType.Q4_K;
        }
        if (gguf.endsWith("attn_v.weight")) {
            if (experts == 8) {
                return DType.Q8_0;
            }
            return useMoreBits(attnV, layers) ? DType.Q6_K : DType.Q4_K;
        }
        if (gguf.endsWith("attn_k.weight")) {
            return experts == 8 ? DType.Q8_0 : DType.Q4_K;
        }
        if (gguf.endsWith("ffn_down.weight") || gguf.endsWith("ffn_down_exps.weight")) {
            return useMoreBits(m.layer(), layers) ? DType.Q6_K : DType.Q4_K;
        }
        if (gguf.endsWith("attn_output.weight")) {
            return experts == 8 ? DType.Q5_K : DType.Q4_K;
        }
        return DType.Q4_K;
    }

    /** llama-quant.cpp's {@code tensor_type_fallback} for rows that are not whole blocks. */
    static DType fallback(DType type, long cols) {
        if (Quantizer.fits(type, cols)) {
            return type;
        }
        DType f = switch (type) {
            case Q4_K -> DType.Q5_0;
            case Q5_K -> DType.Q5_1;
            case Q6_K -> DType.Q8_0;
            default -> DType.F16;
        };
        return Quantizer.fits(f, cols) ? f : DType.F16;
    }

    /** Converts rows in parallel straight into the output mapping. */
    private static void fill(WeightSource source, Plan p, MemorySegment dst, ThreadPool pool) {
        long offset = 0;
        for (String name : p.hf()) {
            Weight w = source.weight(name);
            long rowBytes = p.type().bytesFor(w.cols());
            MemorySegment part = dst.asSlice(offset, rowBytes * w.rows());
            pool.parallelFor(w.rows(), 16, (start, end) -> {
                float[] row = new float[w.cols()];
                for (int r = start; r < end; r++) {
                    w.dequantizeRow(r, row, 0);
                    Quantizer.quantizeRow(p.type(), row, 0, row.length, part, r * rowBytes);
                }
            });
            offset += rowBytes * w.rows();
        }
    }
}
