package io.qwen4j.core;

import io.qwen4j.tensor.FloatMatrix;
import io.qwen4j.tensor.Ops;
import io.qwen4j.tensor.Weight;

/**
 * {@link Linear#forward} over long signals: the rows of {@code x} in tiles small enough to stay in a core's cache
 * while every weight row passes over them (a matmul parallel over weight rows otherwise streams all of {@code x}
 * from memory once per weight row). Results are those of one {@code Linear.forward}, row by row.
 */
public final class TiledLinear {
    /** Floats of one input tile. */
    static final int TILE_FLOATS = 1 << 16;

    private TiledLinear() {}

    /** Rows of an input tile of {@code width} columns. */
    static int tileRows(int rows, int width) {
        return Math.max(8, Math.min(rows, TILE_FLOATS / Math.max(1, width)));
    }

    /** {@code out = x·Wᵀ + bias}, {@code out} is {@code [x.rows, w.rows]}; {@code bias} may be null. */
    public static void forward(Ops ops, Weight w, float[] bias, FloatMatrix x, FloatMatrix out) {
        int rows = x.rows();
        int tile = tileRows(rows, x.cols());
        if (tile >= rows) {
            run(ops, w, bias, x, out);
            return;
        }
        int in = x.cols();
        int o = out.cols();
        FloatMatrix part = new FloatMatrix(tile, o);
        for (int start = 0; start < rows; start += tile) {
            int n = Math.min(tile, rows - start);
            FloatMatrix xt = new FloatMatrix(java.util.Arrays.copyOfRange(x.data(), start * in, (start + n) * in), n, in);
            FloatMatrix p = n == tile ? part : new FloatMatrix(n, o);
            run(ops, w, bias, xt, p);
            System.arraycopy(p.data(), 0, out.data(), start * o, n * o);
        }
    }

    private static void run(Ops ops, Weight w, float[] bias, FloatMatrix x, FloatMatrix out) {
        if (bias == null) {
            ops.matmul(w, x, out);
        } else {
            Linear.forward(ops, w, bias, x, out);
        }
    }
}
