package io.qwen4j.formats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.tensor.DType;
import io.qwen4j.tensor.ThreadPool;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code convert} against the reference converter's output for the same checkpoint (tools/golden/make_gguf.py). */
class GgufConverterTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @CsvSource({"qwen3-tied, BF16, model-bf16.gguf", "qwen3-tied, Q8_0, model-q8_0.gguf", "qwen3-untied-sharded, BF16, model-bf16.gguf"})
    void convertWritesWhatTheReferenceConverterWrites(String fixture, GgufConverter.Target target, String reference) {
        Path dir = Fixtures.path("golden/" + fixture);
        Path out = tmp.resolve("ours.gguf");
        try (ThreadPool pool = ThreadPool.create(2)) {
            GgufConverter.convert(dir, out, target, pool, Progress.NONE);
        }
        try (GgufFile ours = GgufFile.open(out); GgufFile ref = GgufFile.open(dir.resolve(reference))) {
            assertEquals(new TreeMap<>(ref.metadata()), new TreeMap<>(ours.metadata()), "metadata");
            assertEquals(new java.util.TreeSet<>(ref.tensors().keySet()), new java.util.TreeSet<>(ours.tensors().keySet()), "tensor names");
            for (GgufFile.Tensor r : ref.tensors().values()) {
                GgufFile.Tensor o = ours.tensors().get(r.name());
                assertEquals(r.dtype(), o.dtype(), r.name());
                assertEquals(java.util.Arrays.toString(r.dims()), java.util.Arrays.toString(o.dims()), r.name());
                assertEquals(-1, ref.data(r).mismatch(ours.data(o)), r.name() + " bytes differ");
            }
        }
    }

    @Test
    void q4KMixtureFollowsLlamaQuantize() {
        // 28 layers as Qwen3-0.6B: use_more_bits picks layers 0-2, 25-27 and every third between
        List<Integer> more = new java.util.ArrayList<>();
        for (int i = 0; i < 28; i++) {
            if (GgufConverter.useMoreBits(i, 28)) {
                more.add(i);
            }
        }
        assertEquals(List.of(0, 1, 2, 5, 8, 11, 14, 17, 20, 23, 24, 25, 26, 27), more);
        // rows that are not whole 256-blocks fall back as llama-quant.cpp's tensor_type_fallback does
        assertEquals(DType.Q5_0, GgufConverter.fallback(DType.Q4_K, 64));
        assertEquals(DType.Q8_0, GgufConverter.fallback(DType.Q6_K, 96));
        assertEquals(DType.Q5_1, GgufConverter.fallback(DType.Q5_K, 32));
        assertEquals(DType.F16, GgufConverter.fallback(DType.Q4_K, 48));
        assertEquals(DType.Q4_K, GgufConverter.fallback(DType.Q4_K, 1024));
    }

    @Test
    void q4KMTypesOfATiedModel() {
        Path dir = Fixtures.path("golden/qwen3-tied");
        try (SafeTensorsSource st = SafeTensorsSource.open(dir)) {
            Map<String, DType> types = new TreeMap<>();
            for (GgufConverter.Plan p : GgufConverter.plan(st, ConfigJson.read(dir.resolve("config.json")), GgufConverter.Target.Q4_K_M)) {
                types.put(p.gguf(), p.type());
            }
            // hidden 64: no row is a whole 256-block, so every K type falls back (Q4_K→Q5_0, Q6_K→Q8_0);
            // tied embeddings are quantized like an output tensor (Q8_0 when rows are not 256-multiples)
            assertEquals(DType.Q8_0, types.get("token_embd.weight"));
            assertEquals(DType.F32, types.get("blk.0.attn_norm.weight"));
            assertEquals(DType.Q5_0, types.get("blk.0.attn_q.weight"));
            assertEquals(DType.Q5_0, types.get("blk.0.attn_v.weight"), "use_more_bits(0, 2) is false: Q4_K, falling back to Q5_0");
            assertEquals(DType.Q8_0, types.get("blk.1.attn_v.weight"), "use_more_bits(1, 2): Q6_K, falling back to Q8_0");
            assertEquals(DType.Q5_0, types.get("blk.0.ffn_down.weight"));
            assertEquals(DType.Q8_0, types.get("blk.1.ffn_down.weight"));
            assertTrue(!types.containsKey("output.weight"));
        }
    }

    @Test
    void q4_0TypesFollowLlamaQuantize() {
        Path dir = Fixtures.path("golden/qwen3-tied");
        try (SafeTensorsSource st = SafeTensorsSource.open(dir)) {
            Map<String, DType> types = new TreeMap<>();
            for (GgufConverter.Plan p : GgufConverter.plan(st, ConfigJson.read(dir.resolve("config.json")), GgufConverter.Target.Q4_0)) {
                types.put(p.gguf(), p.type());
            }
            // tied embeddings are the output tensor: Q6_K, whose 256-blocks do not fit 64 columns, so Q8_0
            assertEquals(DType.Q8_0, types.get("token_embd.weight"));
            assertEquals(DType.F32, types.get("blk.0.attn_norm.weight"));
            for (String t : List.of("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down")) {
                assertEquals(DType.Q4_0, types.get("blk.1." + t + ".weight"), t);
            }
        }
    }
}
