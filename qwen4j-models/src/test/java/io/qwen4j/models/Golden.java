package io.qwen4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.core.Batch;
import io.qwen4j.core.CausalLm;
import io.qwen4j.core.KvCache;
import io.qwen4j.formats.Json;
import io.qwen4j.formats.SafeTensorsFile;
import io.qwen4j.tensor.FloatMatrix;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;

/**
 * A golden fixture written by tools/golden (transformers on a tiny random checkpoint): the checkpoint
 * itself, golden.safetensors (fp32 tensors) and golden.json (ids and metadata). A missing fixture is a
 * failure, never a skip.
 */
final class Golden implements AutoCloseable {
    final Path dir;
    final JsonNode meta;
    private final SafeTensorsFile tensors;

    private Golden(Path dir) {
        this.dir = dir;
        assertTrue(Files.isRegularFile(dir.resolve("golden.json")), "missing fixture " + dir + " (run tools/golden/generate-fixtures.sh)");
        this.meta = Json.read(dir.resolve("golden.json"));
        this.tensors = SafeTensorsFile.open(dir.resolve("golden.safetensors"));
    }

    static Path root() {
        String prop = System.getProperty("qwen4j.fixtures");
        assertTrue(prop != null, "system property qwen4j.fixtures is not set (the build sets it)");
        return Path.of(prop);
    }

    static Golden open(String name) {
        return new Golden(root().resolve("golden").resolve(name));
    }

    float[] tensor(String name) {
        assertTrue(tensors.tensors().containsKey(name), "golden tensor " + name + " missing from " + dir);
        return tensors.weight(name).toFloatArray();
    }

    boolean hasTensor(String name) {
        return tensors.tensors().containsKey(name);
    }

    long[] shape(String name) {
        return tensors.tensors().get(name).shape();
    }

    /** An integer tensor (I64 or I32 in the file: ids, grids, codes) as ints. */
    int[] ints(String name) {
        assertTrue(tensors.tensors().containsKey(name), "golden tensor " + name + " missing from " + dir);
        io.qwen4j.formats.TensorInfo info = tensors.tensors().get(name);
        int width = switch (info.fileDType()) {
            case "I64" -> 8;
            case "I32" -> 4;
            default -> throw new AssertionError("golden tensor " + name + " is " + info.fileDType() + ", not an integer tensor");
        };
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(info.file())) {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate((int) info.byteSize()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            while (buf.hasRemaining() && ch.read(buf, info.offset() + buf.position()) > 0) {
                // a file read may return fewer bytes than asked
            }
            buf.flip();
            int[] out = new int[(int) (info.byteSize() / width)];
            for (int i = 0; i < out.length; i++) {
                out[i] = width == 8 ? Math.toIntExact(buf.getLong()) : buf.getInt();
            }
            return out;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    int[] ids(String field) {
        JsonNode a = meta.get(field);
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }

    @Override
    public void close() {
        tensors.close();
    }

    /** max|a−b| / max|b| and max|a−b|, for messages. */
    record Error(String name, double maxAbs, double relToMax) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%-22s max abs %.3e  rel to max|ref| %.3e", name, maxAbs, relToMax);
        }
    }

    static Error compare(String name, float[] actual, float[] expected) {
        assertEquals(expected.length, actual.length, name + ": element count");
        double maxAbs = 0;
        double maxRef = 0;
        for (int i = 0; i < expected.length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(actual[i] - expected[i]));
            maxRef = Math.max(maxRef, Math.abs(expected[i]));
        }
        return new Error(name, maxAbs, maxAbs / Math.max(maxRef, 1e-30));
    }

    /** Asserts every comparison is within {@code relTol}; the message lists them all, worst marked. */
    static void assertAllClose(List<Error> errors, double relTol, String what) {
        List<String> lines = new ArrayList<>();
        boolean ok = true;
        for (Error e : errors) {
            boolean bad = !(e.relToMax() <= relTol);
            ok &= !bad;
            lines.add((bad ? "FAIL " : "     ") + e);
        }
        String table = what + " against transformers (tolerance " + relTol + "):\n" + String.join("\n", lines);
        System.out.println(table); // kept in target/surefire-reports/*-output.txt
        assertTrue(ok, table);
    }

    static float[] rows(FloatMatrix m) {
        return Arrays.copyOf(m.data(), m.rows() * m.cols());
    }

    static CausalLm load(Path dir) {
        return Architectures.load(dir, LoadOptions.defaults().withThreads(2));
    }

    /** Prefills the prompt with every tap recorded; compares each tap the fixture lists (in forward order) and the logits. */
    void assertPrefillMatches(CausalLm model, double relTol) {
        int[] prompt = ids("prompt_ids");
        Map<String, float[]> taps = new LinkedHashMap<>();
        KvCache cache = model.newCache(64);
        FloatMatrix logits = model.forward(Batch.of(cache, prompt, true), (name, value) -> taps.put(name, rows(value)));

        List<Error> errors = new ArrayList<>();
        List<String> expectedTaps = new ArrayList<>();
        meta.get("taps").forEach(t -> expectedTaps.add(t.asText()));
        expectedTaps.sort(Comparator.comparing(Golden::tapOrder));
        for (String tap : expectedTaps) {
            assertTrue(taps.containsKey(tap), "the forward pass never reported tap " + tap + "; it reported " + taps.keySet());
            errors.add(compare(tap, taps.get(tap), tensor(tap)));
        }
        errors.add(compare("logits", rows(logits), tensor("logits")));
        assertAllClose(errors, relTol, dir.getFileName() + " prefill");
        assertEquals(prompt.length, cache.length());
    }

    /** Prefills the prompt, then feeds the decode ids one at a time through the cache, comparing each step's logits. */
    void assertDecodeMatches(CausalLm model, double relTol) {
        KvCache cache = model.newCache(64);
        model.forward(Batch.of(cache, ids("prompt_ids"), false));
        int[] steps = ids("decode_ids");
        float[] expected = tensor("decode_logits");
        int vocab = model.info().vocabSize();
        List<Error> errors = new ArrayList<>();
        for (int s = 0; s < steps.length; s++) {
            FloatMatrix logits = model.forward(Batch.of(cache, new int[] {steps[s]}, false));
            errors.add(compare("decode step " + s, rows(logits), Arrays.copyOfRange(expected, s * vocab, (s + 1) * vocab)));
        }
        assertAllClose(errors, relTol, dir.getFileName() + " decode");
    }

    /** Prefills the prompt in chunks of the given sizes (all logits), which must give the prompt's logits. */
    void assertChunkedPrefillMatches(CausalLm model, double relTol, int... chunkSizes) {
        int[] prompt = ids("prompt_ids");
        assertEquals(prompt.length, Arrays.stream(chunkSizes).sum(), "chunk sizes should cover the prompt");
        KvCache cache = model.newCache(64);
        float[] all = new float[0];
        int at = 0;
        for (int size : chunkSizes) {
            float[] part = rows(model.forward(Batch.of(cache, Arrays.copyOfRange(prompt, at, at + size), true)));
            all = Arrays.copyOf(all, all.length + part.length);
            System.arraycopy(part, 0, all, all.length - part.length, part.length);
            at += size;
        }
        assertAllClose(List.of(compare("logits", all, tensor("logits"))), relTol,
                dir.getFileName() + " prefill in chunks " + Arrays.toString(chunkSizes));
    }

    /** Sorts blk.N.* taps by layer and then in forward order, so the first failure is the first divergence. */
    static String tapOrder(String tap) {
        List<String> order = List.of("attn_norm", "q_norm", "k_norm", "attn_out", "ffn_norm", "ffn_moe_logits", "ffn_out", "l_out");
        if (tap.equals("inp_embd")) {
            return "0";
        }
        if (tap.startsWith("blk.")) {
            String[] parts = tap.split("\\.", 3);
            return String.format("1%04d%02d", Integer.parseInt(parts[1]), order.indexOf(parts[2]));
        }
        return "2" + tap;
    }
}
