package io.qwen4j.core;

import io.qwen4j.common.InvalidInputException;
import java.util.Arrays;

/**
 * The keys (after q/k-norm and RoPE) and values of one sequence, for every layer: row {@code p} of
 * layer {@code l} holds position {@code p}, {@code kvDim = kvHeads·headDim} floats. Storage grows by
 * doubling up to {@link #maxTokens()}.
 */
public final class KvCache {
    private final int layers;
    private final int kvDim;
    private final int maxTokens;
    private float[][] keys;   // (layers, capacity * kvDim)
    private float[][] values; // (layers, capacity * kvDim)
    private int capacity;
    private int length;
    private float ropeDelta;   // decode positions are length + ropeDelta (TM-RoPE, omni.md §2)

    public KvCache(int layers, int kvDim, int maxTokens) {
        this.layers = layers;
        this.kvDim = kvDim;
        this.maxTokens = maxTokens;
        this.capacity = Math.min(maxTokens, 256);
        this.keys = new float[layers][capacity * kvDim];
        this.values = new float[layers][capacity * kvDim];
    }

    public int layers() {
        return layers;
    }

    public int kvDim() {
        return kvDim;
    }

    /** Positions already cached. */
    public int length() {
        return length;
    }

    /** The context size: no sequence grows beyond it. */
    public int maxTokens() {
        return maxTokens;
    }

    public float[] keys(int layer) {
        return keys[layer];
    }

    public float[] values(int layer) {
        return values[layer];
    }

    /** Makes room for {@code more} positions after {@link #length()}. */
    public void reserve(int more) {
        long needed = (long) length + more;
        if (needed > maxTokens) {
            throw new InvalidInputException("the sequence would reach " + needed + " tokens, beyond the context of " + maxTokens
                    + "; shorten the prompt or lower max tokens, or raise the context size");
        }
        if (needed > capacity) {
            int newCapacity = (int) Math.min(maxTokens, Math.max(needed, 2L * capacity));
            for (int l = 0; l < layers; l++) {
                keys[l] = Arrays.copyOf(keys[l], newCapacity * kvDim);
                values[l] = Arrays.copyOf(values[l], newCapacity * kvDim);
            }
            capacity = newCapacity;
        }
    }

    /** Marks {@code n} more positions as cached, once every layer has written them. */
    public void advance(int n) {
        if (length + n > capacity) {
            throw new IllegalStateException("advance past the reserved capacity");
        }
        length += n;
    }

    /**
     * Forgets every position from {@code newLength} on (e.g. to reuse a prefix), and the rope delta: what is
     * kept of a prompt before its first media item has plain positions, and a prompt with media sets its own.
     */
    public void truncate(int newLength) {
        if (newLength < 0 || newLength > length) {
            throw new IllegalArgumentException("truncate to " + newLength + " of " + length);
        }
        length = newLength;
        ropeDelta = 0f;
    }

    /**
     * What the sequence's positions run ahead of its cache index once the prompt is in: token {@code n} after
     * the prompt sits at position {@code n + ropeDelta} (on every TM-RoPE axis; omni.md §2, HF's
     * {@code rope_deltas}). 0 for text-only sequences, where position and index are the same.
     */
    public float ropeDelta() {
        return ropeDelta;
    }

    /** Set by the forward pass that writes a prompt with media ({@link BatchRows#advance()}). */
    public void ropeDelta(float delta) {
        ropeDelta = delta;
    }

    /** Bytes held. */
    public long byteSize() {
        return 2L * layers * capacity * kvDim * Float.BYTES;
    }
}
