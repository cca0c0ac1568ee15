package io.qwen4j.formats;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.common.Qwen4jException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a {@code .safetensors} file: the header lists every tensor, then the data follow in order.
 * Tensors are declared first (name, dtype, shape) and their bytes streamed by a callback, so files far
 * larger than the heap can be written.
 */
public final class SafeTensorsWriter {
    /** Fills a tensor's bytes, in order, in slices of the buffer. */
    @FunctionalInterface
    public interface Filler {
        void fill(ByteBuffer slice, long byteOffset);
    }

    private record Entry(String name, String dtype, long[] shape, long bytes, Filler filler) {}

    private final List<Entry> entries = new ArrayList<>();

    /** Declares a tensor of {@code bytes} bytes stored as {@code dtype} ("BF16", "F32", ...). */
    public SafeTensorsWriter add(String name, String dtype, long[] shape, long bytes, Filler filler) {
        entries.add(new Entry(name, dtype, shape.clone(), bytes, filler));
        return this;
    }

    public void write(Path file) {
        ObjectNode header = Json.MAPPER.createObjectNode();
        long offset = 0;
        for (Entry e : entries) {
            ObjectNode t = header.putObject(e.name());
            t.put("dtype", e.dtype());
            var shape = t.putArray("shape");
            for (long d : e.shape()) {
                shape.add(d);
            }
            t.putArray("data_offsets").add(offset).add(offset + e.bytes());
            offset += e.bytes();
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8; // the format pads the header with spaces to 8 bytes
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(head);
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 22).order(ByteOrder.LITTLE_ENDIAN);
            for (Entry e : entries) {
                for (long done = 0; done < e.bytes(); ) {
                    int n = (int) Math.min(buf.capacity(), e.bytes() - done);
                    buf.clear().limit(n);
                    e.filler().fill(buf.slice(0, n).order(ByteOrder.LITTLE_ENDIAN), done);
                    buf.position(0).limit(n);
                    while (buf.hasRemaining()) {
                        ch.write(buf);
                    }
                    done += n;
                }
            }
        } catch (IOException e) {
            throw new Qwen4jException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
