package io.qwen4j.formats;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.common.ModelFileException;
import io.qwen4j.tensor.DType;
import io.qwen4j.tensor.Weight;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One {@code .safetensors} file, memory-mapped: an 8-byte little-endian header length, a JSON header
 * {@code {"name": {"dtype", "shape", "data_offsets": [begin, end]}}} with offsets relative to the end of
 * the header, then the data. Every range is checked against the file size before anything is read, so
 * a truncated file is an error message, never a fault of the JVM.
 */
public final class SafeTensorsFile implements AutoCloseable {
    /** Larger headers are refused as corrupt (the largest real ones are a few MB). */
    private static final long MAX_HEADER_BYTES = 100L << 20;

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapped;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafeTensorsFile(Path path, Arena arena, MemorySegment mapped, Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.mapped = mapped;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    public static SafeTensorsFile open(Path path) {
        return MappedFile.open(path, (arena, mapped, size) -> {
            String name = path.getFileName().toString();
            if (size < 8) {
                throw new ModelFileException(name + " is truncated or not a safetensors file: " + size + " bytes (" + path + ")");
            }
            long headerLen = mapped.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            if (headerLen <= 0 || headerLen > MAX_HEADER_BYTES) {
                throw new ModelFileException(name + " is not a safetensors file: header length " + headerLen + " (" + path + ")");
            }
            if (8 + headerLen > size) {
                throw new ModelFileException(name + " is truncated: its header needs " + (8 + headerLen) + " bytes but the file has " + size + " (" + path + "); download it again");
            }
            byte[] header = mapped.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
            JsonNode root = Json.parse(new String(header, StandardCharsets.UTF_8), name + " header");
            long dataStart = 8 + headerLen;
            Map<String, TensorInfo> tensors = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    e.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                tensors.put(e.getKey(), parseEntry(path, e.getKey(), e.getValue(), dataStart, size));
            }
            return new SafeTensorsFile(path, arena, mapped, Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
        });
    }

    private static TensorInfo parseEntry(Path path, String tensor, JsonNode node, long dataStart, long fileSize) {
        String file = path.getFileName().toString();
        JsonNode dtypeNode = node.get("dtype");
        JsonNode shapeNode = node.get("shape");
        JsonNode offsets = node.get("data_offsets");
        if (dtypeNode == null || shapeNode == null || !shapeNode.isArray() || offsets == null || !offsets.isArray() || offsets.size() != 2) {
            throw new ModelFileException("tensor " + tensor + " in " + file + " has a malformed header entry: " + node);
        }
        long[] shape = new long[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shapeNode.get(i).asLong(-1);
            if (shape[i] < 0) {
                throw new ModelFileException("tensor " + tensor + " in " + file + " has a negative dimension: " + shapeNode);
            }
            elements = Math.multiplyExact(elements, shape[i]);
        }
        long begin = offsets.get(0).asLong(-1);
        long end = offsets.get(1).asLong(-1);
        String fileDType = dtypeNode.asText();
        DType dtype = switch (fileDType) {
            case "F32" -> DType.F32;
            case "F16" -> DType.F16;
            case "BF16" -> DType.BF16;
            default -> null;
        };
        if (begin < 0 || end < begin) {
            throw new ModelFileException("tensor " + tensor + " in " + file + " has invalid data_offsets " + offsets);
        }
        if (dtype != null && end - begin != dtype.bytesFor(elements)) {
            throw new ModelFileException("tensor " + tensor + " in " + file + ": " + fileDType + " shape " + shapeNode + " needs "
                    + dtype.bytesFor(elements) + " bytes but data_offsets span " + (end - begin));
        }
        if (dataStart + end > fileSize) {
            throw MappedFile.truncated(path, tensor, dataStart + end, fileSize);
        }
        return new TensorInfo(tensor, fileDType, dtype, shape, path, dataStart + begin, end - begin);
    }

    public Path path() {
        return path;
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public Weight weight(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new ModelFileException("tensor " + name + " is not in " + path);
        }
        if (info.dtype() == null) {
            throw new ModelFileException("tensor " + name + " in " + path.getFileName() + " is stored as " + info.fileDType()
                    + ", which qwen4j cannot use as a weight (F32, F16 and BF16 can be)");
        }
        return Weight.of(name, info.dtype(), info.shape(), mapped.asSlice(info.offset(), info.byteSize()));
    }

    /** The raw bytes of a tensor of any stored type (U8 fixtures, types qwen4j cannot use as weights). */
    public MemorySegment bytes(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new ModelFileException("tensor " + name + " is not in " + path);
        }
        return mapped.asSlice(info.offset(), info.byteSize());
    }

    @Override
    public void close() {
        arena.close();
    }
}
