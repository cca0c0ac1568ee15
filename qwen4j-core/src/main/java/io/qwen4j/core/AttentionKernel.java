package io.qwen4j.core;

import io.qwen4j.tensor.Ops;
import java.util.Arrays;

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
        for (int p = 0; p < len; p++) {
            scores[p] = ops.dot(q, qOff, keys, (first + p) * stride + headOffset, headDim) * scale;
        }
        ops.softmax(scores, 0, len);
        Arrays.fill(out, oOff, oOff + headDim, 0f);
        for (int p = 0; p < len; p++) {
            ops.axpy(scores[p], values, (first + p) * stride + headOffset, out, oOff, headDim);
        }
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
