package io.qwen4j.core;

import io.qwen4j.tensor.FloatMatrix;
import io.qwen4j.tensor.Ops;

/**
 * The SnakeBeta activation with log-scale parameters, per channel: {@code y = x + sin²(x·e^α) / (e^β + 1e-9)}
 * (mirrors {@code SnakeBeta.forward} of Qwen2.5-Omni's BigVGAN, which Qwen3-Omni's Code2Wav reuses). Signals are
 * channels-last {@code [T, C]}. {@code e^α} and {@code 1/(e^β + 1e-9)} are computed once, in float32 as torch does.
 */
public final class SnakeBeta {
    private final float[] alpha;   // e^α
    private final float[] invBeta; // 1 / (e^β + 1e-9)

    /** {@code logAlpha}, {@code logBeta} as stored ({@code alpha}, {@code beta}, {@code [C]}). */
    public SnakeBeta(float[] logAlpha, float[] logBeta) {
        if (logAlpha.length != logBeta.length) {
            throw new IllegalArgumentException("SnakeBeta alpha has " + logAlpha.length + " channels, beta " + logBeta.length);
        }
        alpha = new float[logAlpha.length];
        invBeta = new float[logBeta.length];
        for (int c = 0; c < alpha.length; c++) {
            alpha[c] = (float) Math.exp(logAlpha[c]);
            invBeta[c] = 1f / ((float) Math.exp(logBeta[c]) + 1e-9f);
        }
    }

    public int channels() {
        return alpha.length;
    }

    /** {@code out = snake(x)}; {@code out} may be {@code x}. */
    public void forward(Ops ops, FloatMatrix x, FloatMatrix out) {
        if (x.cols() != alpha.length || out.cols() != alpha.length || out.rows() != x.rows()) {
            throw new IllegalArgumentException("SnakeBeta of " + alpha.length + " channels on " + x + " into " + out);
        }
        int c = alpha.length;
        float[] xs = x.data();
        float[] os = out.data();
        ops.pool().parallelFor(x.rows(), Math.max(1, 4096 / c), (start, end) -> {
            for (int t = start; t < end; t++) {
                int base = t * c;
                for (int i = 0; i < c; i++) {
                    float v = xs[base + i];
                    float s = (float) Math.sin(v * alpha[i]);
                    os[base + i] = v + invBeta[i] * (s * s);
                }
            }
        });
    }
}
