package io.qwen4j.formats;

import java.util.Optional;

/** The value types of GGUF metadata ({@code gguf_type} in ggml's gguf.h), with their numbers in the file. */
public enum GgufType {
    UINT8(0, 1), INT8(1, 1), UINT16(2, 2), INT16(3, 2), UINT32(4, 4), INT32(5, 4), FLOAT32(6, 4), BOOL(7, 1),
    STRING(8, 8), ARRAY(9, 12), UINT64(10, 8), INT64(11, 8), FLOAT64(12, 8);

    private final int id;
    private final int minBytes;

    GgufType(int id, int minBytes) {
        this.id = id;
        this.minBytes = minBytes;
    }

    public int id() {
        return id;
    }

    /** Fewest bytes a value of this type takes (a string's or array's header), for sanity checks of counts. */
    int minBytes() {
        return minBytes;
    }

    public static Optional<GgufType> of(int id) {
        return id >= 0 && id < values().length ? Optional.of(values()[id]) : Optional.empty();
    }
}
