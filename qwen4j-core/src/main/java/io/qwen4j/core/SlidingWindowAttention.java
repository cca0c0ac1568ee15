package io.qwen4j.core;

import io.qwen4j.tensor.FloatMatrix;
import io.qwen4j.tensor.Ops;

/**
 * Causal multi-head attention within a sliding window, over a whole sequence at once (no cache): query {@code t}
 * sees keys {@code max(0, t−window+1) … t} (mirrors {@code eager_attention_forward} under transformers'
 * sliding-window causal mask, {@code kv_idx > q_idx − sliding_window}). Scores {@code q·kᵀ/√d}, softmax in float32.
 * Query and key/value heads are equal in number (no grouping).
 */
public final class SlidingWindowAttention {
    private SlidingWindowAttention() {}

    /** {@code q}, {@code k}, {@code v}, {@code out} are {@code [T, heads·headDim]}. */
    public static void attend(Ops ops, FloatMatrix q, FloatMatrix k, FloatMatrix v, int heads, int headDim, int window, FloatMatrix out) {
        AttentionKernel.requireSameShapes(q, k, v, out, heads, headDim);
        if (window < 1) {
            throw new IllegalArgumentException("sliding window " + window);
        }
        AttentionKernel.attendRows(ops, q, k, v, heads, headDim, r -> Math.max(0, r - window + 1), r -> Math.min(r + 1, window), out);
    }
}
