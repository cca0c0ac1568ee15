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
        int t = q.rows();
        int width = heads * headDim;
        if (q.cols() != width || k.cols() != width || v.cols() != width || out.cols() != width
                || k.rows() != t || v.rows() != t || out.rows() != t) {
            throw new IllegalArgumentException("attention over " + q + ", " + k + ", " + v + " into " + out + " with " + heads + "x" + headDim);
        }
        if (window < 1) {
            throw new IllegalArgumentException("sliding window " + window);
        }
        float scale = (float) (1.0 / Math.sqrt(headDim));
        float[] qs = q.data();
        float[] ks = k.data();
        float[] vs = v.data();
        float[] os = out.data();
        ops.pool().parallelFor(t * heads, 1, (start, end) -> {
            for (int item = start; item < end; item++) {
                int r = item / heads;
                int h = item % heads;
                int from = Math.max(0, r - window + 1);
                AttentionKernel.attend(ops, qs, q.offset(r) + h * headDim, ks, vs, from, r - from + 1, width, h * headDim, headDim, scale,
                        os, out.offset(r) + h * headDim);
            }
        });
    }
}
