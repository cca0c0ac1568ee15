package io.qwen4j.core;

import io.qwen4j.tensor.FloatMatrix;
import io.qwen4j.tensor.Ops;
import java.util.Arrays;

/**
 * Bidirectional multi-head attention restricted to consecutive segments of the sequence: a query sees
 * every key of its own segment and none of the others (block-diagonal). This is how encoders attend over
 * packed inputs: audio windows, image and video frames (mirrors {@code eager_attention_forward} applied to
 * each {@code cu_seqlens} split, {@code is_causal=False}). Scores {@code q·kᵀ/√d}, softmax in float32.
 */
public final class SegmentAttention {
    private SegmentAttention() {}

    /**
     * {@code q}, {@code k}, {@code v}, {@code out} are {@code [T, heads·headDim]}; {@code bounds} are the
     * segment boundaries {@code 0 = b0 < b1 < … < bn = T} (transformers' {@code cu_seqlens}).
     */
    public static void attend(Ops ops, FloatMatrix q, FloatMatrix k, FloatMatrix v, int heads, int headDim, int[] bounds,
                              FloatMatrix out) {
        AttentionKernel.requireSameShapes(q, k, v, out, heads, headDim);
        int t = q.rows();
        if (bounds.length < 2 || bounds[0] != 0 || bounds[bounds.length - 1] != t) {
            throw new IllegalArgumentException("segment bounds " + Arrays.toString(bounds) + " do not cover " + t + " rows");
        }
        int[] segmentOf = new int[t];
        for (int s = 0; s + 1 < bounds.length; s++) {
            if (bounds[s + 1] <= bounds[s]) {
                throw new IllegalArgumentException("segment bounds " + Arrays.toString(bounds) + " are not increasing");
            }
            Arrays.fill(segmentOf, bounds[s], bounds[s + 1], s);
        }
        AttentionKernel.attendRows(ops, q, k, v, heads, headDim, r -> bounds[segmentOf[r]],
                r -> bounds[segmentOf[r] + 1] - bounds[segmentOf[r]], out);
    }
}
