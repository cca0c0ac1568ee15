package io.qwen4j.tensor;

/**
 * An activation quantized to 8 bits for the integer kernels, as llama.cpp does before a quantized matmul:
 * blocks of 32 values (Q8_0 style, for Q8_0 and Q4_0 weights) or 256 (Q8_K style, for the K-quants), each
 * with a float scale {@code d = max|x| / 127} and {@code q = round(x / d)}, plus the sum of q over every 16
 * values (the K-quants subtract their mins with it). Every |q| ≤ 127, so the product with a weight byte
 * (|w| ≤ 128) is at most 16256 and two such products still fit in 16 bits ({@link QuantKernels} relies on it).
 */
final class Q8Activations implements MatmulInput {
    final FloatMatrix x;
    final int blockSize;
    final byte[] q;      // [tokens * cols]
    final short[] qs;    // q widened to 16 bits once, for the kernels that multiply in 16-bit lanes
    final float[] d;     // [tokens * cols / blockSize]
    final int[] sums16;  // [tokens * cols / 16]

    private Q8Activations(FloatMatrix x, int blockSize) {
        if (x.cols() % blockSize != 0) {
            throw new IllegalArgumentException(x + " cannot be split into blocks of " + blockSize);
        }
        this.x = x;
        this.blockSize = blockSize;
        int n = x.rows() * x.cols();
        this.q = new byte[n];
        this.qs = new short[n];
        this.d = new float[n / blockSize];
        this.sums16 = new int[n / 16];
        float[] xs = x.data();
        for (int b = 0; b < d.length; b++) {
            int base = b * blockSize;
            float amax = 0f;
            for (int i = 0; i < blockSize; i++) {
                amax = Math.max(amax, Math.abs(xs[base + i]));
            }
            float scale = amax / 127f;
            float inv = scale != 0f ? 1f / scale : 0f;
            d[b] = scale;
            for (int i = 0; i < blockSize; i++) {
                int v = Math.round(xs[base + i] * inv);
                q[base + i] = (byte) v;
                qs[base + i] = (short) v;
                sums16[(base + i) >> 4] += v;
            }
        }
    }

    /** {@code in} if it already holds blocks of {@code blockSize}, else {@code in}'s floats quantized now. */
    static Q8Activations of(MatmulInput in, int blockSize) {
        if (in instanceof Q8Activations a && a.blockSize == blockSize) {
            return a;
        }
        return new Q8Activations(in.floats(), blockSize);
    }

    @Override
    public FloatMatrix floats() {
        return x;
    }
}
