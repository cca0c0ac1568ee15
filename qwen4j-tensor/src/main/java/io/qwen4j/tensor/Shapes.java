package io.qwen4j.tensor;

/** Argument checks shared by the {@link Ops} implementations. */
final class Shapes {
    private Shapes() {}

    static void checkMatmul(Weight w, FloatMatrix x, FloatMatrix out) {
        if (x.cols() != w.cols() || out.rows() != x.rows() || out.cols() != w.rows()) {
            throw new IllegalArgumentException("matmul " + w + " with " + x + " into " + out);
        }
    }

    static void checkRowwise(FloatMatrix x, FloatMatrix out, int width) {
        if (x.cols() != width) {
            throw new IllegalArgumentException(x + " normalised with a weight of " + width);
        }
        checkSame(x, out);
    }

    static void checkSame(FloatMatrix a, FloatMatrix b) {
        if (a.rows() != b.rows() || a.cols() != b.cols()) {
            throw new IllegalArgumentException("shapes differ: " + a + " vs " + b);
        }
    }

    static void checkRope(FloatMatrix x, int headDim, FloatMatrix cos, FloatMatrix sin) {
        if (headDim % 2 != 0 || x.cols() % headDim != 0 || cos.rows() < x.rows() || cos.cols() != headDim / 2) {
            throw new IllegalArgumentException("rope over " + x + " with head_dim " + headDim + " and a table " + cos);
        }
        checkSame(cos, sin);
    }
}
