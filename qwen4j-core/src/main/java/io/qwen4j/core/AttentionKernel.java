package io.qwen4j.core;

import io.qwen4j.tensor.FloatMatrix;
import io.qwen4j.tensor.Ops;
import java.util.function.IntUnaryOperator;

/**
 * One query head over a run of keys and values (mirrors the per-row work of {@code eager_attention_forward}):
 * {@code out = softmax(q·kᵀ·scale)·V} with the softmax in float32. Keys and values are rows of {@code stride}
 * floats; the head's slice starts {@code headOffset} floats into each row.
 */
final class AttentionKernel {
    private static final ThreadLocal<float[]> SCORES = ThreadLocal.withInitial(() -> new float[0]);

    private AttentionKernel() {}

    /** Attends {@code q[qOff..qOff+headDim)} to key/value rows {@code first..first+len-1} into {@code out[oOff..]}. */
    static void attend(Ops ops, float[] q, int qOff, float[] keys, float[] values, int first, int len, int stride, int headOffset,
                       int headDim, float scale, float[] out, int oOff) {
        float[] scores = scratch(len);
        ops.dots(q, qOff, keys, first * stride + headOffset, stride, len, headDim, scale, scores);
        ops.softmax(scores, 0, len);
        ops.weightedSum(scores, len, values, first * stride + headOffset, stride, headDim, out, oOff);
    }

    /** Throws unless {@code q}, {@code k}, {@code v} and {@code out} are all {@code [T, heads·headDim]}. */
    static void requireSameShapes(FloatMatrix q, FloatMatrix k, FloatMatrix v, FloatMatrix out, int heads, int headDim) {
        int t = q.rows();
        int width = heads * headDim;
        if (q.cols() != width || k.cols() != width || v.cols() != width || out.cols() != width
                || k.rows() != t || v.rows() != t || out.rows() != t) {
            throw new IllegalArgumentException("attention over " + q + ", " + k + ", " + v + " into " + out + " with " + heads + "x" + headDim);
        }
    }

    /**
     * Attention of whole {@code [T, heads·headDim]} matrices (no cache, as many key/value heads as query heads),
     * scores {@code q·kᵀ/√headDim}: query row {@code r} of each head sees key/value rows
     * {@code firstKey(r) … firstKey(r)+keyCount(r)−1}. Rows and heads run in parallel on {@code ops}' pool.
     */
    static void attendRows(Ops ops, FloatMatrix q, FloatMatrix k, FloatMatrix v, int heads, int headDim, IntUnaryOperator firstKey,
                           IntUnaryOperator keyCount, FloatMatrix out) {
        int width = heads * headDim;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        float[] qs = q.data();
        float[] ks = k.data();
        float[] vs = v.data();
        float[] os = out.data();
        ops.pool().parallelFor(q.rows() * heads, 1, (start, end) -> {
            for (int item = start; item < end; item++) {
                int r = item / heads;
                int h = item % heads;
                attend(ops, qs, q.offset(r) + h * headDim, ks, vs, firstKey.applyAsInt(r), keyCount.applyAsInt(r), width, h * headDim,
                        headDim, scale, os, out.offset(r) + h * headDim);
            }
        });
    }

    private static float[] scratch(int n) {
        float[] s = SCORES.get();
        if (s.length < n) {
            s = new float[Math.max(n, 2 * s.length)];
            SCORES.set(s);
        }
        return s;
    }
}
