package io.qwen4j.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.common.ModelFileException;
import io.qwen4j.tensor.DType;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GGUF reader and writer against files written by the reference writer (gguf.GGUFWriter, via
 * tools/golden/make_gguf.py): every metadata value type, nested arrays, a non-default alignment, tensors
 * of several types; and corrupt variants of them, which must give one-line errors.
 */
class GgufFileTest {
    @TempDir
    Path tmp;

    static Path everyTypes() {
        return Fixtures.path("gguf/every-types.gguf");
    }

    /** A JSON value from the fixture as the Java value the reader should give for {@code type}. */
    static Object expectedValue(String type, JsonNode v, JsonNode elementType) {
        return switch (type) {
            case "UINT8", "INT8", "UINT16", "INT16", "INT32" -> v.asInt();
            case "UINT32", "UINT64", "INT64" -> v.asLong();
            case "FLOAT32" -> (float) v.asDouble();
            case "FLOAT64" -> v.asDouble();
            case "BOOL" -> v.asBoolean();
            case "STRING" -> v.asText();
            default -> {
                List<Object> items = new ArrayList<>();
                for (JsonNode item : v) {
                    items.add(item.isArray() ? expectedArray(item) : expectedValue(elementType.asText(), item, null));
                }
                yield items;
            }
        };
    }

    /** Inner arrays of the fixture hold ints (INT32) or strings. */
    static List<Object> expectedArray(JsonNode a) {
        List<Object> items = new ArrayList<>();
        for (JsonNode item : a) {
            items.add(item.isTextual() ? item.asText() : (Object) item.asInt());
        }
        return items;
    }

    static Object plain(Object v) {
        if (v instanceof GgufValue.Array a) {
            return a.items().stream().map(GgufFileTest::plain).toList();
        }
        return v;
    }

    @Test
    void readsEveryValueTypeWrittenByTheReferenceWriter() {
        JsonNode expected = Json.read(Fixtures.path("gguf/every-types.json"));
        try (GgufFile f = GgufFile.open(everyTypes())) {
            assertEquals(expected.get("version").asInt(), f.version());
            assertEquals(expected.get("alignment").asInt(), f.alignment());
            assertEquals("qwen3", f.string("general.architecture").orElseThrow());
            for (Map.Entry<String, JsonNode> e : expected.get("metadata").properties()) {
                GgufValue v = f.get(e.getKey()).orElseThrow(() -> new AssertionError(e.getKey() + " missing"));
                String type = e.getValue().get(0).asText();
                assertEquals(type, v.type().name(), e.getKey());
                JsonNode value = e.getValue().get(e.getValue().size() - 1);
                if (type.equals("ARRAY")) {
                    GgufValue.Array a = (GgufValue.Array) v.value();
                    assertEquals(e.getValue().get(1).asText(), a.elementType().name(), e.getKey() + " element type");
                    if (a.elementType() == GgufType.ARRAY) {
                        List<Object> want = new ArrayList<>();
                        value.forEach(inner -> want.add(expectedArray(inner)));
                        assertEquals(want, plain(v.value()), e.getKey());
                        continue;
                    }
                }
                assertEquals(expectedValue(type, value, type.equals("ARRAY") ? e.getValue().get(1) : null), plain(v.value()), e.getKey());
            }
            for (Map.Entry<String, JsonNode> e : expected.get("tensors").properties()) {
                GgufFile.Tensor t = f.tensors().get(e.getKey());
                JsonNode want = e.getValue();
                assertEquals(DType.valueOf(want.get("type").asText()), t.dtype(), e.getKey());
                long[] dims = new long[want.get("dims").size()];
                for (int i = 0; i < dims.length; i++) {
                    dims[i] = want.get("dims").get(i).asLong();
                }
                assertArrayEquals(dims, t.dims(), e.getKey());
                assertEquals(want.get("offset").asLong(), t.offset(), e.getKey() + " data offset");
                assertEquals(0, t.offset() % 64, "aligned to general.alignment");
                float[] values = f.weight(e.getKey()).toFloatArray();
                for (int i = 0; i < values.length; i++) {
                    assertEquals((float) want.get("values").get(i).asDouble(), values[i], e.getKey() + "[" + i + "]");
                }
            }
        }
    }

    @Test
    void tokenizerMetadataIsTyped() {
        try (GgufFile f = GgufFile.open(everyTypes())) {
            GgufTokenizer t = f.tokenizer().orElseThrow();
            assertEquals("gpt2", t.model());
            assertEquals("qwen2", t.pre().orElseThrow());
            assertEquals(List.of("a", "b", "ab", "<|im_end|>", "<think>"), t.tokens());
            assertArrayEquals(new int[] {1, 1, 1, 3, 4}, t.tokenTypes());
            assertEquals(List.of("a b"), t.merges());
            assertEquals(3, t.eosTokenId().orElseThrow());
            assertEquals(3, t.padTokenId().orElseThrow());
            assertTrue(t.bosTokenId().isEmpty());
            assertEquals(false, t.addBosToken().orElseThrow());
            assertEquals("{{ messages }}", t.chatTemplate().orElseThrow());
        }
    }

    @Test
    void tensorDataAreSlicesOfOneMapping() {
        try (GgufFile f = GgufFile.open(everyTypes())) {
            MemorySegment a = f.data(f.tensors().get("t.f32"));
            MemorySegment b = f.data(f.tensors().get("t.q8_0"));
            assertTrue(a.isMapped() && b.isMapped(), "mapped, not copied");
            assertEquals(f.tensors().get("t.q8_0").offset() - f.tensors().get("t.f32").offset(), b.address() - a.address());
        }
    }

    @Test
    void ourWriterReproducesTheReferenceFileByteForByte() throws IOException {
        Path ours = tmp.resolve("ours.gguf");
        try (GgufFile f = GgufFile.open(everyTypes())) {
            GgufWriter w = new GgufWriter();
            f.metadata().forEach(w::put);
            for (GgufFile.Tensor t : f.tensors().values()) {
                w.addTensor(t.name(), t.dtype(), t.shape(), dst -> MemorySegment.copy(f.data(t), 0, dst, 0, t.byteSize()));
            }
            w.write(ours, Progress.NONE);
        }
        assertArrayEquals(Files.readAllBytes(everyTypes()), Files.readAllBytes(ours));
    }

    byte[] fixtureBytes() throws IOException {
        return Files.readAllBytes(everyTypes());
    }

    ModelFileException openBroken(byte[] bytes) throws IOException {
        Path p = tmp.resolve("broken.gguf");
        Files.write(p, bytes);
        ModelFileException e = assertThrows(ModelFileException.class, () -> GgufFile.open(p).close());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertTrue(e.getMessage().contains("broken.gguf"), e.getMessage());
        return e;
    }

    @Test
    void readsVersion2() throws IOException {
        byte[] b = fixtureBytes();
        ByteBuffer.wrap(b, 4, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(2); // v2 has v3's layout (v3 added big-endian files)
        Path p = tmp.resolve("v2.gguf");
        Files.write(p, b);
        try (GgufFile v2 = GgufFile.open(p); GgufFile v3 = GgufFile.open(everyTypes())) {
            assertEquals(2, v2.version());
            assertEquals(v3.metadata(), v2.metadata());
            assertEquals(v3.tensors().keySet(), v2.tensors().keySet());
        }
    }

    @Test
    void versionOneAndBigEndianAreRefused() throws IOException {
        byte[] b = fixtureBytes();
        ByteBuffer.wrap(b, 4, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(1);
        assertTrue(openBroken(b).getMessage().contains("version 1"));
        ByteBuffer.wrap(b, 4, 4).order(ByteOrder.BIG_ENDIAN).putInt(3);
        assertTrue(openBroken(b).getMessage().contains("big-endian"));
    }

    @Test
    void badMagic() throws IOException {
        byte[] b = fixtureBytes();
        b[0] = 'X';
        assertTrue(openBroken(b).getMessage().contains("not a GGUF file"));
    }

    @Test
    void truncatedTensorData() throws IOException {
        byte[] b = fixtureBytes();
        assertTrue(openBroken(java.util.Arrays.copyOf(b, b.length - 100)).getMessage().contains("truncated"));
    }

    @Test
    void truncatedEverywhereInTheHeader() throws IOException {
        byte[] b = fixtureBytes();
        try (GgufFile f = GgufFile.open(everyTypes())) {
            for (int len = 0; len < f.dataStart(); len += 7) {
                openBroken(java.util.Arrays.copyOf(b, len));
            }
        }
    }

    @Test
    void unknownTensorTypeId() throws IOException {
        byte[] b = fixtureBytes();
        // the last tensor info ends with its type (u32) and offset (u64); find t.q8_0's type field
        int at = indexOf(b, "t.q8_0".getBytes()) + 6 + 4 + 2 * 8;
        assertEquals(8, ByteBuffer.wrap(b, at, 4).order(ByteOrder.LITTLE_ENDIAN).getInt(), "Q8_0's id where expected");
        ByteBuffer.wrap(b, at, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(99);
        String m = openBroken(b).getMessage();
        assertTrue(m.contains("t.q8_0") && m.contains("99"), m);
        ByteBuffer.wrap(b, at, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(11);
        m = openBroken(b).getMessage();
        assertTrue(m.contains("Q3_K"), m);
    }

    @Test
    void absurdStringLength() throws IOException {
        byte[] b = fixtureBytes();
        int at = indexOf(b, "general.architecture".getBytes()) - 8;
        ByteBuffer.wrap(b, at, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE / 2);
        openBroken(b);
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }
}
