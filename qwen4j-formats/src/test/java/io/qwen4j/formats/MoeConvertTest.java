package io.qwen4j.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.tensor.DType;
import io.qwen4j.tensor.ThreadPool;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Qwen3-MoE checkpoint (8 experts, one layer, written here as F32 safetensors) through convert and back
 * through GgufSource: experts are stacked in order into one tensor and read back as per-expert slices;
 * the router stays F32; the 8-expert rules of llama-quant.cpp apply to q4_k_m.
 */
class MoeConvertTest {
    static final int E = 8, H = 256, IE = 32, HEADS = 2, D = 128;

    @TempDir
    Path tmp;

    /** Writes {@code tensors} (F32, shape outermost first) as a safetensors file. */
    static void writeSafetensors(Path file, Map<String, long[]> shapes, Map<String, float[]> values) throws IOException {
        ObjectNode header = Json.MAPPER.createObjectNode();
        long offset = 0;
        for (String name : shapes.keySet()) {
            ObjectNode t = header.putObject(name);
            t.put("dtype", "F32");
            t.putPOJO("shape", shapes.get(name));
            long bytes = 4L * values.get(name).length;
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] h = Json.MAPPER.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + (int) offset).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        for (String name : shapes.keySet()) {
            for (float v : values.get(name)) {
                b.putFloat(v);
            }
        }
        Files.write(file, b.array());
    }

    Path checkpoint(Map<String, float[]> values) throws IOException {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("model.embed_tokens.weight", new long[] {64, H});
        shapes.put("model.norm.weight", new long[] {H});
        String p = "model.layers.0.";
        shapes.put(p + "input_layernorm.weight", new long[] {H});
        shapes.put(p + "self_attn.v_proj.weight", new long[] {HEADS * D, H});
        shapes.put(p + "self_attn.o_proj.weight", new long[] {H, HEADS * D});
        shapes.put(p + "mlp.gate.weight", new long[] {E, H});
        for (int e = 0; e < E; e++) {
            shapes.put(p + "mlp.experts." + e + ".gate_proj.weight", new long[] {IE, H});
            shapes.put(p + "mlp.experts." + e + ".up_proj.weight", new long[] {IE, H});
            shapes.put(p + "mlp.experts." + e + ".down_proj.weight", new long[] {H, IE});
        }
        Random rnd = new Random(5);
        shapes.forEach((name, shape) -> {
            float[] v = new float[(int) java.util.Arrays.stream(shape).reduce(1, Math::multiplyExact)];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) rnd.nextGaussian();
            }
            values.put(name, v);
        });
        Path dir = Files.createDirectories(tmp.resolve("moe"));
        writeSafetensors(dir.resolve("model.safetensors"), shapes, values);
        Files.writeString(dir.resolve("config.json"), """
                {"model_type": "qwen3_moe", "hidden_size": 256, "intermediate_size": 64, "num_hidden_layers": 1,
                 "num_attention_heads": 2, "num_key_value_heads": 2, "head_dim": 128, "vocab_size": 64,
                 "num_experts": 8, "num_experts_per_tok": 2, "moe_intermediate_size": 32, "rope_theta": 1000000.0}
                """);
        return dir;
    }

    @Test
    void expertsAreStackedAndReadBackPerExpert() throws IOException {
        Map<String, float[]> values = new LinkedHashMap<>();
        Path dir = checkpoint(values);
        Path out = tmp.resolve("moe-f32.gguf");
        try (ThreadPool pool = ThreadPool.create(2)) {
            GgufConverter.convert(dir, out, GgufConverter.Target.F32, pool, Progress.NONE);
        }
        try (GgufSource gguf = GgufSource.open(out)) {
            GgufFile.Tensor gate = gguf.file().tensors().get("blk.0.ffn_gate_exps.weight");
            assertArrayEquals(new long[] {H, IE, E}, gate.dims(), "ggml dims [H, Ie, E]");
            assertArrayEquals(new long[] {H, E}, gguf.file().tensors().get("blk.0.ffn_gate_inp.weight").dims());
            assertEquals("qwen3moe", gguf.architecture());
            assertEquals(8, gguf.config().requireInt("num_experts"));
            for (String name : values.keySet()) {
                assertArrayEquals(values.get(name), gguf.weight(name).toFloatArray(), name);
            }
        }
    }

    @Test
    void q4KMOfAnEightExpertModel() throws IOException {
        Path dir = checkpoint(new LinkedHashMap<>());
        try (SafeTensorsSource st = SafeTensorsSource.open(dir)) {
            Map<String, DType> types = new LinkedHashMap<>();
            for (GgufConverter.Plan p : GgufConverter.plan(st, ConfigJson.read(dir.resolve("config.json")), GgufConverter.Target.Q4_K_M)) {
                types.put(p.gguf(), p.type());
            }
            assertEquals(DType.F32, types.get("blk.0.ffn_gate_inp.weight"), "the router is never quantized");
            assertEquals(DType.Q8_0, types.get("blk.0.attn_v.weight"), "8 experts: attn_v goes to Q8_0");
            assertEquals(DType.Q5_K, types.get("blk.0.attn_output.weight"), "8 experts: attn_output goes to Q5_K");
            assertEquals(DType.Q4_K, types.get("blk.0.ffn_gate_exps.weight"));
            assertEquals(DType.Q8_0, types.get("blk.0.ffn_down_exps.weight"), "use_more_bits(0, 1): Q6_K, rows of 32 fall back to Q8_0");
            assertEquals(DType.Q6_K, types.get("token_embd.weight"), "tied (no lm_head): the embedding is quantized as the output");
        }
    }
}
