package io.qwen4j.formats;

import io.qwen4j.common.ModelFileException;
import io.qwen4j.tensor.DType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes GGUF version 3 as llama.cpp's {@code gguf.GGUFWriter} does: header, metadata in insertion order,
 * tensor infos (dims fastest-first), then each tensor's data padded to the alignment ({@code general.alignment},
 * 32 by default). The output is
 * sized up front and memory-mapped, and each tensor's producer fills its own slice of it (a quantizer
 * writes its blocks straight into the file); it is written to {@code FILE.part} and renamed when complete.
 */
public final class GgufWriter {
    /** Fills a tensor's bytes, exactly {@code dst.byteSize()} of them. */
    @FunctionalInterface
    public interface Filler {
        void fill(MemorySegment dst);
    }

    private record Planned(String name, DType type, long[] shape, long byteSize, Filler filler) {}

    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final List<Planned> tensors = new ArrayList<>();

    public GgufWriter put(String key, GgufValue value) {
        metadata.put(key, value);
        return this;
    }

    /** Adds a tensor of HF shape {@code shape} (outermost first; written reversed, as ggml's ne). */
    public GgufWriter addTensor(String name, DType type, long[] shape, Filler filler) {
        long elements = 1;
        for (long d : shape) {
            elements = Math.multiplyExact(elements, d);
        }
        tensors.add(new Planned(name, type, shape.clone(), type.bytesFor(elements), filler));
        return this;
    }

    public Map<String, GgufValue> metadata() {
        return metadata;
    }

    /** {@code general.alignment} if set, else 32. */
    private long alignment() {
        GgufValue a = metadata.get("general.alignment");
        return a == null ? GgufFile.DEFAULT_ALIGNMENT : a.asLong();
    }

    private long align(long v) {
        long a = alignment();
        return (v + a - 1) / a * a;
    }

    /** Writes the file; {@code progress} counts bytes of tensor data. */
    public void write(Path out, Progress progress) {
        Header h = new Header();
        h.u32(GgufFile.MAGIC).u32(3).u64(tensors.size()).u64(metadata.size());
        metadata.forEach((k, v) -> {
            h.string(k);
            h.u32(v.type().id());
            h.value(v.type(), v.value());
        });
        long offset = 0;
        long[] offsets = new long[tensors.size()];
        for (int i = 0; i < tensors.size(); i++) {
            Planned t = tensors.get(i);
            h.string(t.name()).u32(t.shape().length);
            for (int d = t.shape().length - 1; d >= 0; d--) {
                h.u64(t.shape()[d]);
            }
            h.u32(t.type().ggmlType()).u64(offset);
            offsets[i] = offset;
            offset = align(offset + t.byteSize());
        }
        byte[] header = h.bytes();
        long dataStart = align(header.length);
        long total = dataStart + offset;
        Path part = out.resolveSibling(out.getFileName() + ".part");
        try (Arena arena = Arena.ofShared();
             FileChannel ch = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                     StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {0}), total - 1); // sizes the file
            MemorySegment file = ch.map(FileChannel.MapMode.READ_WRITE, 0, total, arena);
            MemorySegment.copy(MemorySegment.ofArray(header), 0, file, 0, header.length);
            long done = 0;
            long dataBytes = tensors.stream().mapToLong(Planned::byteSize).sum();
            progress.update("writing " + out.getFileName(), 0, dataBytes);
            for (int i = 0; i < tensors.size(); i++) {
                Planned t = tensors.get(i);
                t.filler().fill(file.asSlice(dataStart + offsets[i], t.byteSize()));
                done += t.byteSize();
                progress.update("writing " + out.getFileName(), done, dataBytes);
            }
            file.force();
        } catch (IOException e) {
            throw new ModelFileException("cannot write " + out + ": " + e.getMessage(), e);
        }
        try {
            Files.move(part, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new ModelFileException("cannot rename " + part + " to " + out + ": " + e.getMessage(), e);
        }
    }

    /** Little-endian header bytes. */
    private static final class Header {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

        Header u32(long v) {
            b.clear();
            b.putInt((int) v);
            out.write(b.array(), 0, 4);
            return this;
        }

        Header u64(long v) {
            b.clear();
            b.putLong(v);
            out.write(b.array(), 0, 8);
            return this;
        }

        Header string(String s) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            u64(bytes.length);
            out.write(bytes, 0, bytes.length);
            return this;
        }

        void value(GgufType type, Object v) {
            b.clear();
            switch (type) {
                case UINT8, INT8 -> out.write(((Number) v).intValue());
                case BOOL -> out.write((Boolean) v ? 1 : 0);
                case UINT16, INT16 -> {
                    b.putShort((short) ((Number) v).intValue());
                    out.write(b.array(), 0, 2);
                }
                case UINT32, INT32 -> u32(((Number) v).longValue());
                case UINT64, INT64 -> u64(((Number) v).longValue());
                case FLOAT32 -> {
                    b.putFloat(((Number) v).floatValue());
                    out.write(b.array(), 0, 4);
                }
                case FLOAT64 -> {
                    b.putDouble(((Number) v).doubleValue());
                    out.write(b.array(), 0, 8);
                }
                case STRING -> string((String) v);
                case ARRAY -> {
                    GgufValue.Array a = (GgufValue.Array) v;
                    u32(a.elementType().id());
                    u64(a.items().size());
                    for (Object item : a.items()) {
                        value(a.elementType(), item);
                    }
                }
            }
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
