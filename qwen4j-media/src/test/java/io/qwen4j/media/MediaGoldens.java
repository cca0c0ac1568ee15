package io.qwen4j.media;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.formats.Json;
import io.qwen4j.formats.SafeTensorsFile;
import io.qwen4j.formats.TensorInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The media goldens written by tools/golden/make_media_goldens.py: {@code fixtures/media/golden/KIND.json}
 * (metadata, SHA-256 of full tensors) and {@code KIND.safetensors} (F32, U8 and I64 tensors). A missing
 * fixture is a failure, never a skip.
 */
final class MediaGoldens implements AutoCloseable {
    final JsonNode meta;
    private final SafeTensorsFile file;

    private MediaGoldens(String kind) {
        Path dir = media().resolve("golden");
        assertTrue(Files.isRegularFile(dir.resolve(kind + ".json")), "missing fixture " + dir.resolve(kind + ".json")
                + " (run tools/golden/generate-fixtures.sh)");
        meta = Json.read(dir.resolve(kind + ".json"));
        file = SafeTensorsFile.open(dir.resolve(kind + ".safetensors"));
    }

    static MediaGoldens open(String kind) {
        return new MediaGoldens(kind);
    }

    static Path media() {
        String prop = System.getProperty("qwen4j.fixtures");
        assertTrue(prop != null, "system property qwen4j.fixtures is not set (the build sets it)");
        Path p = Path.of(prop, "media");
        assertTrue(Files.isDirectory(p), "missing fixture folder " + p);
        return p;
    }

    static Path file(String kind, String name) {
        Path p = media().resolve(kind).resolve(name);
        assertTrue(Files.isRegularFile(p), "missing fixture " + p);
        return p;
    }

    JsonNode get(String key) {
        JsonNode n = meta.get(key);
        assertTrue(n != null, "golden metadata " + key + " missing");
        return n;
    }

    TensorInfo info(String name) {
        TensorInfo t = file.tensors().get(name);
        assertTrue(t != null, "golden tensor " + name + " missing");
        return t;
    }

    boolean has(String name) {
        return file.tensors().containsKey(name);
    }

    long[] shape(String name) {
        return info(name).shape();
    }

    private ByteBuffer bytes(String name) {
        TensorInfo t = info(name);
        try (FileChannel ch = FileChannel.open(t.file())) {
            ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(t.byteSize())).order(ByteOrder.LITTLE_ENDIAN);
            while (b.hasRemaining()) {
                if (ch.read(b, t.offset() + b.position()) < 0) {
                    throw new IOException("short read");
                }
            }
            return b.flip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    float[] f32(String name) {
        assertTrue(info(name).fileDType().equals("F32"), name + " is not F32");
        ByteBuffer b = bytes(name);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }

    byte[] u8(String name) {
        assertTrue(info(name).fileDType().equals("U8"), name + " is not U8");
        ByteBuffer b = bytes(name);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    long[] i64(String name) {
        assertTrue(info(name).fileDType().equals("I64"), name + " is not I64");
        ByteBuffer b = bytes(name);
        long[] out = new long[b.remaining() / 8];
        b.asLongBuffer().get(out);
        return out;
    }

    @Override
    public void close() {
        file.close();
    }

    /** SHA-256 of the little-endian bytes of floats (numpy's tobytes of float32). */
    static String sha256(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return sha256(b.array());
    }

    static String sha256(byte[] v) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(v));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** The synthetic test image of make_media_goldens.py ({@code synthetic_pattern}). */
    static RgbImage pattern(int h, int w) {
        byte[] rgb = new byte[h * w * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    rgb[(y * w + x) * 3 + c] = (byte) (((long) x * 31 + (long) y * 17 + c * 85L + ((long) x * y) % 97) % 256);
                }
            }
        }
        return new RgbImage(w, h, rgb);
    }

    static double maxAbs(float[] a, float[] b) {
        assertTrue(a.length == b.length, "lengths " + a.length + " and " + b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs((double) a[i] - b[i]));
        }
        return m;
    }

    static void report(String what, String format, Object... args) {
        System.out.println(String.format(Locale.ROOT, "%-48s ", what) + String.format(Locale.ROOT, format, args));
    }
}
