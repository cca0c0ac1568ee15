package io.qwen4j.formats;

import java.util.List;
import java.util.Objects;

/**
 * One GGUF metadata value with its type. {@code value} is an {@link Integer} (8/16/32-bit signed types,
 * UINT8, UINT16), a {@link Long} (UINT32, 64-bit types), {@link Float}, {@link Double}, {@link Boolean},
 * {@link String}, or an {@link Array} whose items are such values (arrays may nest).
 */
public record GgufValue(GgufType type, Object value) {
    public GgufValue {
        Objects.requireNonNull(type);
        Objects.requireNonNull(value);
        if ((type == GgufType.ARRAY) != (value instanceof Array)) {
            throw new IllegalArgumentException(type + " value " + value);
        }
    }

    /** An array of {@code elementType} items (plain values, or {@code Array}s when elementType is ARRAY). */
    public record Array(GgufType elementType, List<Object> items) {
        public Array {
            items = List.copyOf(items);
        }
    }

    public static GgufValue string(String s) {
        return new GgufValue(GgufType.STRING, s);
    }

    public static GgufValue uint32(long v) {
        return new GgufValue(GgufType.UINT32, v);
    }

    public static GgufValue int32(int v) {
        return new GgufValue(GgufType.INT32, v);
    }

    public static GgufValue float32(float v) {
        return new GgufValue(GgufType.FLOAT32, v);
    }

    public static GgufValue bool(boolean v) {
        return new GgufValue(GgufType.BOOL, v);
    }

    public static GgufValue array(GgufType elementType, List<?> items) {
        return new GgufValue(GgufType.ARRAY, new Array(elementType, List.copyOf(items)));
    }

    /** An integer of any width, as a long. */
    public long asLong() {
        if (value instanceof Number n && !(value instanceof Float) && !(value instanceof Double)) {
            return n.longValue();
        }
        throw new IllegalStateException(type + " is not an integer");
    }

    /** A number of any type, as a double. */
    public double asDouble() {
        if (value instanceof Number n) {
            return n.doubleValue();
        }
        throw new IllegalStateException(type + " is not a number");
    }

    @Override
    public String toString() {
        if (value instanceof Array a) {
            return "[" + a.items().size() + " x " + a.elementType() + "]";
        }
        return type + " " + value;
    }
}
