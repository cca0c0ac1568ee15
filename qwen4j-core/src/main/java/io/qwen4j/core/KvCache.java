package io.qwen4j.core;

import io.qwen4j.common.InvalidInputException;

/**
 * The keys (after q/k-norm and RoPE) and values of one sequence, for every layer, head by head: layer
 * {@code l}'s array holds, for each key/value head {@code h}, {@code capacity} rows of {@code headDim} floats,
 * position {@code p}'s at {@link #offset(int, int) offset(h, p)}. One head's keys are contiguous, so attention
 * reads them in one stream (position-major rows of all heads put one head's keys {@code kvDim} floats apart,
 * 4 KB on Qwen3-0.6B, where 16 of them alias in the L1 cache). Storage grows by doubling up to
 * {@link #maxTokens()}.
 */
public final class KvCache {
    private final int layers;
    private final int kvDim;
    private final int kvHeads;
    private final int headDim;
    private final int maxTokens;
    private float[][] keys;   // (layers, kvHeads * capacity * headDim)
    private float[][] values; // (layers, kvHeads * capacity * headDim)
    private int capacity;
    private int length;
    private float ropeDelta;   // decode positions are length + ropeDelta (TM-RoPE, omni.md §2)

    /** A cache of {@code kvHeads} heads of {@code headDim} floats per position and layer. */
    public KvCache(int layers, int kvHeads, int headDim, int maxTokens) {
        if (kvHeads < 1 || headDim < 1) {
            throw new IllegalArgumentException(kvHeads + " heads of " + headDim);
        }
        this.layers = layers;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.kvDim = kvHeads * headDim;
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

    /** A cache of one head of {@code kvDim} floats per position (models that never attend through it). */
    public KvCache(int layers, int kvDim, int maxTokens) {
        this(layers, 1, kvDim, maxTokens);
    }

    public int kvHeads() {
        return kvHeads;
    }

    public int headDim() {
        return headDim;
    }

    /** Where head {@code head}'s row of position {@code pos} starts in {@link #keys} and {@link #values}. */
    public int offset(int head, int pos) {
        return (head * capacity + pos) * headDim;
    }

    /** Stores position {@code pos}'s keys and values, {@code kvDim} floats each, all heads side by side. */
    public void write(int layer, int pos, float[] k, int kOff, float[] v, int vOff) {
        float[] ks = keys[layer];
        float[] vs = values[layer];
        for (int h = 0; h < kvHeads; h++) {
            int dst = offset(h, pos);
            System.arraycopy(k, kOff + h * headDim, ks, dst, headDim);
            System.arraycopy(v, vOff + h * headDim, vs, dst, headDim);
        }
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
                keys[l] = regrow(keys[l], newCapacity);
                values[l] = regrow(values[l], newCapacity);
            }
            capacity = newCapacity;
        }
    }

    /** Each head's first {@link #length()} rows moved to its place in an array of {@code newCapacity} rows a head. */
    private float[] regrow(float[] old, int newCapacity) {
        float[] grown = new float[kvHeads * newCapacity * headDim];
        for (int h = 0; h < kvHeads; h++) {
            System.arraycopy(old, h * capacity * headDim, grown, h * newCapacity * headDim, length * headDim);
        }
        return grown;
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
