package io.qwen4j.formats;

import io.qwen4j.common.ModelFileException;
import io.qwen4j.tensor.DType;
import io.qwen4j.tensor.Weight;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A GGUF file (llama.cpp's format, versions 2 and 3), memory-mapped once: a header ("GGUF", version,
 * tensor count, metadata count), typed metadata, tensor infos (name, dims fastest-first, ggml type,
 * offset), then the tensor data from the first multiple of {@code general.alignment} (32 by default).
 * Every count, length and range is checked against the file size before it is used, so a corrupt or
 * truncated file is a one-line {@link ModelFileException}, never a fault of the JVM. Tensor data are
 * slices of the mapping, never copies.
 */
public final class GgufFile implements AutoCloseable {
    public static final int MAGIC = 0x46554747; // "GGUF" little-endian
    public static final int DEFAULT_ALIGNMENT = 32;
    /** ggml's GGML_MAX_DIMS. */
    static final int MAX_DIMS = 4;
    private static final int MAX_NESTING = 8;

    /**
     * One tensor as stored: {@code dims} fastest-first (ggml's ne), {@code ggmlType} ggml's id,
     * {@code offset} absolute in the file.
     */
    public record Tensor(String name, long[] dims, int ggmlType, DType dtype, long offset, long byteSize) {
        public long elements() {
            long n = 1;
            for (long d : dims) {
                n *= d;
            }
            return n;
        }

        /** The shape outermost first, as PyTorch and safetensors write it: dims reversed. */
        public long[] shape() {
            long[] s = new long[dims.length];
            for (int i = 0; i < dims.length; i++) {
                s[i] = dims[dims.length - 1 - i];
            }
            return s;
        }
    }

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapped;
    private final int version;
    private final Map<String, GgufValue> metadata;
    private final Map<String, Tensor> tensors;
    private final long dataStart;
    private final int alignment;

    private GgufFile(Path path, Arena arena, MemorySegment mapped, int version, Map<String, GgufValue> metadata,
                     Map<String, Tensor> tensors, long dataStart, int alignment) {
        this.path = path;
        this.arena = arena;
        this.mapped = mapped;
        this.version = version;
        this.metadata = metadata;
        this.tensors = tensors;
        this.dataStart = dataStart;
        this.alignment = alignment;
    }

    /** True when the file starts with the GGUF magic. */
    public static boolean isGguf(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            return ch.read(b, 0) == 4 && b.getInt(0) == MAGIC;
        } catch (IOException e) {
            return false;
        }
    }

    public static GgufFile open(Path path) {
        return MappedFile.open(path, (arena, mapped, size) -> parse(path, arena, mapped, size));
    }

    private static GgufFile parse(Path path, Arena arena, MemorySegment mapped, long size) {
        String name = path.getFileName().toString();
        Reader r = new Reader(mapped, size, name, path);
        if (size < 4 || r.u32() != MAGIC) {
            throw new ModelFileException(name + " is not a GGUF file: it does not start with the bytes 'GGUF' (" + path + ")");
        }
        int version = (int) r.u32();
        if (version != 2 && version != 3) {
            String hint = version == 1 ? "version 1 predates the current format; convert the model again"
                    : Integer.reverseBytes(version) == 2 || Integer.reverseBytes(version) == 3 ? "it is big-endian, which qwen4j does not read"
                    : "qwen4j reads versions 2 and 3";
            throw new ModelFileException(name + " is GGUF version " + version + ": " + hint + " (" + path + ")");
        }
        long tensorCount = r.count("tensor count", 8 + 4 + 8);
        long kvCount = r.count("metadata count", 8 + 4);
        Map<String, GgufValue> metadata = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = r.string("metadata key");
            GgufType type = r.type("metadata " + key);
            metadata.put(key, r.value(type, key, 0));
        }
        int alignment = DEFAULT_ALIGNMENT;
        GgufValue a = metadata.get("general.alignment");
        if (a != null) {
            long v = a.type() == GgufType.ARRAY || a.type() == GgufType.STRING || a.type() == GgufType.BOOL ? -1
                    : a.value() instanceof Float || a.value() instanceof Double ? -1 : a.asLong();
            if (v <= 0 || v > (1 << 20) || Long.bitCount(v) != 1) {
                throw new ModelFileException(name + ": general.alignment is " + a + ", not a power of two (" + path + ")");
            }
            alignment = (int) v;
        }
        List<long[]> rawInfos = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        for (long i = 0; i < tensorCount; i++) {
            String tensor = r.string("tensor name");
            int nDims = (int) r.u32();
            if (nDims < 1 || nDims > MAX_DIMS) {
                throw new ModelFileException(name + ": tensor " + tensor + " has " + nDims + " dimensions (at most " + MAX_DIMS + "); the file is corrupt (" + path + ")");
            }
            long[] dims = new long[nDims];
            for (int d = 0; d < nDims; d++) {
                dims[d] = r.i64();
                if (dims[d] < 0) {
                    throw new ModelFileException(name + ": tensor " + tensor + " has a negative dimension " + Arrays.toString(dims) + " (" + path + ")");
                }
            }
            int type = (int) r.u32();
            long offset = r.i64();
            names.add(tensor);
            types.add(type);
            long[] info = new long[nDims + 1];
            System.arraycopy(dims, 0, info, 0, nDims);
            info[nDims] = offset;
            rawInfos.add(info);
        }
        long dataStart = (r.pos + alignment - 1) / alignment * alignment;
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            long[] info = rawInfos.get(i);
            long[] dims = Arrays.copyOf(info, info.length - 1);
            long offset = info[info.length - 1];
            String tensor = names.get(i);
            int typeId = types.get(i);
            DType dtype = DType.fromGgmlType(typeId).orElseThrow(() -> new ModelFileException(name + ": tensor " + tensor
                    + " is stored as " + GgmlTypes.name(typeId) + ", which qwen4j cannot read (it reads " + GgmlTypes.supported()
                    + "); use a GGUF quantized to one of those (" + path + ")"));
            long elements;
            long bytes;
            try {
                elements = Arrays.stream(dims).reduce(1, Math::multiplyExact);
                if (dims[0] % dtype.blockSize() != 0) {
                    throw new ModelFileException(name + ": tensor " + tensor + " has rows of " + dims[0] + " values, not a multiple of the "
                            + dtype + " block of " + dtype.blockSize() + "; the file is corrupt (" + path + ")");
                }
                bytes = dtype.bytesFor(elements);
            } catch (ArithmeticException e) {
                throw new ModelFileException(name + ": tensor " + tensor + " has impossible dimensions " + Arrays.toString(dims) + " (" + path + ")");
            }
            if (offset < 0 || offset > size || dataStart + offset > size || bytes > size - dataStart - offset) {
                throw MappedFile.truncated(path, tensor, dataStart + offset + bytes, size);
            }
            if (tensors.put(tensor, new Tensor(tensor, dims, typeId, dtype, dataStart + offset, bytes)) != null) {
                throw new ModelFileException(name + ": tensor " + tensor + " appears twice (" + path + ")");
            }
        }
        return new GgufFile(path, arena, mapped, version, Collections.unmodifiableMap(metadata), Collections.unmodifiableMap(tensors), dataStart, alignment);
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public int alignment() {
        return alignment;
    }

    /** Where tensor data start (offsets in tensor infos are relative to this). */
    public long dataStart() {
        return dataStart;
    }

    /** Every metadata key and value, in file order. */
    public Map<String, GgufValue> metadata() {
        return metadata;
    }

    /** Tensors by their GGUF names, in file order. */
    public Map<String, Tensor> tensors() {
        return tensors;
    }

    public Optional<GgufValue> get(String key) {
        return Optional.ofNullable(metadata.get(key));
    }

    private ModelFileException wrongType(String key, GgufValue v, String wanted) {
        return new ModelFileException(path.getFileName() + ": metadata " + key + " should be " + wanted + ", got " + v);
    }

    public Optional<String> string(String key) {
        return get(key).map(v -> {
            if (!(v.value() instanceof String s)) {
                throw wrongType(key, v, "a string");
            }
            return s;
        });
    }

    public Optional<Long> integer(String key) {
        return get(key).map(v -> {
            if (v.type() == GgufType.ARRAY || v.type() == GgufType.STRING || v.type() == GgufType.BOOL
                    || v.type() == GgufType.FLOAT32 || v.type() == GgufType.FLOAT64) {
                throw wrongType(key, v, "an integer");
            }
            return v.asLong();
        });
    }

    public Optional<Double> number(String key) {
        return get(key).map(v -> {
            if (!(v.value() instanceof Number)) {
                throw wrongType(key, v, "a number");
            }
            return v.asDouble();
        });
    }

    public Optional<Boolean> bool(String key) {
        return get(key).map(v -> {
            if (!(v.value() instanceof Boolean b)) {
                throw wrongType(key, v, "true or false");
            }
            return b;
        });
    }

    /** An array's items (plain Java values), if the key holds an array. */
    public Optional<List<Object>> array(String key) {
        return get(key).map(v -> {
            if (!(v.value() instanceof GgufValue.Array a)) {
                throw wrongType(key, v, "an array");
            }
            return a.items();
        });
    }

    /** The tensor's bytes: a slice of the mapping. */
    public MemorySegment data(Tensor t) {
        return mapped.asSlice(t.offset(), t.byteSize());
    }

    /** The tensor as a weight under its GGUF name, shape outermost first. */
    public Weight weight(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new ModelFileException("tensor " + name + " is not in " + path);
        }
        return Weight.of(name, t.dtype(), t.shape(), data(t));
    }

    /** The tokenizer stored in the metadata ({@code tokenizer.ggml.*}), if any. */
    public Optional<GgufTokenizer> tokenizer() {
        return GgufTokenizer.from(this);
    }

    @Override
    public void close() {
        arena.close();
    }

    /** Reads little-endian values from the mapping, checking each against the file size first. */
    private static final class Reader {
        private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

        final MemorySegment m;
        final long size;
        final String name;
        final Path path;
        long pos;

        Reader(MemorySegment m, long size, String name, Path path) {
            this.m = m;
            this.size = size;
            this.name = name;
            this.path = path;
        }

        void need(long n, String what) {
            if (n < 0 || n > size - pos) {
                throw new ModelFileException(name + " is truncated or corrupt: reading " + what + " at byte " + pos + " needs " + n
                        + " bytes but the file has " + size + " (" + path + ")");
            }
        }

        long u32() {
            need(4, "a 32-bit value");
            long v = Integer.toUnsignedLong(m.get(I32, pos));
            pos += 4;
            return v;
        }

        long i64() {
            need(8, "a 64-bit value");
            long v = m.get(I64, pos);
            pos += 8;
            return v;
        }

        /** A 64-bit count, each item taking at least {@code minItemBytes}: refused when the file cannot hold that many. */
        long count(String what, long minItemBytes) {
            long n = i64();
            if (n < 0 || n > (size - pos) / Math.max(1, minItemBytes)) {
                throw new ModelFileException(name + " is corrupt or truncated: its " + what + " is " + Long.toUnsignedString(n)
                        + ", more than its " + size + " bytes can hold (" + path + ")");
            }
            return n;
        }

        String string(String what) {
            long len = i64();
            if (len < 0 || len > size - pos) {
                throw new ModelFileException(name + " is truncated or corrupt: a " + what + " of " + Long.toUnsignedString(len)
                        + " bytes at byte " + pos + " runs past the end of the file (" + size + " bytes, " + path + ")");
            }
            if (len > Integer.MAX_VALUE - 16) {
                throw new ModelFileException(name + ": a " + what + " of " + len + " bytes is too long (" + path + ")");
            }
            byte[] bytes = m.asSlice(pos, len).toArray(ValueLayout.JAVA_BYTE);
            pos += len;
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                // llama.cpp stores byte-level token strings; keep malformed ones as Latin-1 rather than fail
                return new String(bytes, StandardCharsets.ISO_8859_1);
            }
        }

        GgufType type(String what) {
            long id = u32();
            return GgufType.of((int) id).filter(t -> id < 13).orElseThrow(() -> new ModelFileException(
                    name + ": " + what + " has unknown value type " + id + "; the file is corrupt or from a newer GGUF version (" + path + ")"));
        }

        GgufValue value(GgufType type, String key, int depth) {
            Object v = switch (type) {
                case UINT8 -> { need(1, key); yield Byte.toUnsignedInt(m.get(ValueLayout.JAVA_BYTE, pos++)); }
                case INT8 -> { need(1, key); yield (int) m.get(ValueLayout.JAVA_BYTE, pos++); }
                case UINT16 -> { need(2, key); int x = Short.toUnsignedInt(m.get(I16, pos)); pos += 2; yield x; }
                case INT16 -> { need(2, key); int x = m.get(I16, pos); pos += 2; yield x; }
                case UINT32 -> u32();
                case INT32 -> (int) u32();
                case FLOAT32 -> { need(4, key); float x = m.get(F32, pos); pos += 4; yield x; }
                case BOOL -> {
                    need(1, key);
                    int b = m.get(ValueLayout.JAVA_BYTE, pos++);
                    if (b != 0 && b != 1) {
                        throw new ModelFileException(name + ": metadata " + key + " is a bool of value " + b + "; the file is corrupt (" + path + ")");
                    }
                    yield b == 1;
                }
                case STRING -> string("string value of " + key);
                case UINT64, INT64 -> i64();
                case FLOAT64 -> { need(8, key); double x = m.get(F64, pos); pos += 8; yield x; }
                case ARRAY -> {
                    if (depth >= MAX_NESTING) {
                        throw new ModelFileException(name + ": metadata " + key + " nests arrays more than " + MAX_NESTING + " deep (" + path + ")");
                    }
                    GgufType element = type("array element type of " + key);
                    long n = count("array " + key + " length", element.minBytes());
                    List<Object> items = new ArrayList<>((int) Math.min(n, 1 << 20));
                    for (long i = 0; i < n; i++) {
                        items.add(value(element, key, depth + 1).value());
                    }
                    yield new GgufValue.Array(element, items);
                }
            };
            return new GgufValue(type, v);
        }
    }
}
