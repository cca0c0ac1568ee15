package io.qwen4j.core;

import io.qwen4j.tensor.FloatMatrix;

/**
 * Reusable activation buffers of a model: slot {@code i} grows to the largest size asked of it and is
 * handed out as a view, so steady-state decoding allocates nothing. Not thread-safe: one forward at a time.
 */
public final class Scratch {
    private float[][] slots = new float[0][];

    /** A {@code rows x cols} view of slot {@code slot}; contents are undefined. */
    public FloatMatrix get(int slot, int rows, int cols) {
        if (slot >= slots.length) {
            slots = java.util.Arrays.copyOf(slots, slot + 1);
        }
        int n = Math.multiplyExact(rows, cols);
        if (slots[slot] == null || slots[slot].length < n) {
            slots[slot] = new float[n];
        }
        return new FloatMatrix(slots[slot], rows, cols);
    }
}
