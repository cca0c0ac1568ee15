package io.qwen4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.formats.Json;
import io.qwen4j.formats.SafeTensorsFile;
import io.qwen4j.tensor.FloatMatrix;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
        assertTrue(ok, what + " differs from transformers beyond " + relTol + ":\n" + String.join("\n", lines));
    }

    static float[] rows(FloatMatrix m) {
        return java.util.Arrays.copyOf(m.data(), m.rows() * m.cols());
    }
}
