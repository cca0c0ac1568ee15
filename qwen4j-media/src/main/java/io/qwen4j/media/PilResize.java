package io.qwen4j.media;

import java.util.Arrays;

/**
 * Pillow's {@code Image.resize(size, Image.BICUBIC)} on 8-bit RGB, bit for bit: a separable convolution
 * whose support widens with the downscale factor (so downscaling is antialiased), coefficients normalised
 * in double and rounded to 22-bit fixed point, a horizontal pass over only the rows the vertical pass uses,
 * each pass rounded and clipped to 8 bits. Mirrors {@code ImagingResample} in Pillow's
 * {@code src/libImaging/Resample.c} ({@code precompute_coeffs}, {@code normalize_coeffs_8bpc},
 * {@code ImagingResampleHorizontal_8bpc}, {@code ImagingResampleVertical_8bpc}).
 */
public final class PilResize {
    /** 32 bits less 8 for the result and 2 for the sign and overflow of negative lobes (Resample.c). */
    private static final int PRECISION_BITS = 32 - 8 - 2;
    /** Pillow's bicubic kernel: Keys' cubic convolution with a = -0.5, support 2. */
    private static final double A = -0.5;
    private static final double SUPPORT = 2.0;

    private PilResize() {}

    /** One axis: for each output index the first input index, the tap count and the fixed-point taps. */
    private record Coeffs(int[] min, int[] count, int[] k, int ksize) {}

    static double bicubic(double x) {
        if (x < 0.0) {
            x = -x;
        }
        if (x < 1.0) {
            return ((A + 2.0) * x - (A + 3.0)) * x * x + 1;
        }
        if (x < 2.0) {
            return (((x - 5) * x + 8) * x - 4) * A;
        }
        return 0.0;
    }

    // mirrors precompute_coeffs + normalize_coeffs_8bpc, with the box (0, 0, inSize) Image.resize passes
    private static Coeffs coeffs(int inSize, int outSize) {
        float in0 = 0f;
        float in1 = inSize;
        double scale = (double) (in1 - in0) / outSize;
        double filterscale = Math.max(scale, 1.0);
        double support = SUPPORT * filterscale;
        int ksize = (int) Math.ceil(support) * 2 + 1;
        int[] min = new int[outSize];
        int[] count = new int[outSize];
        int[] k = new int[Math.multiplyExact(outSize, ksize)];
        double[] w = new double[ksize];
        for (int xx = 0; xx < outSize; xx++) {
            double center = in0 + (xx + 0.5) * scale;
            double ww = 0.0;
            double ss = 1.0 / filterscale;
            int xmin = (int) (center - support + 0.5);
            if (xmin < 0) {
                xmin = 0;
            }
            int xmax = (int) (center + support + 0.5);
            if (xmax > inSize) {
                xmax = inSize;
            }
            xmax -= xmin;
            for (int x = 0; x < xmax; x++) {
                double v = bicubic((x + xmin - center + 0.5) * ss);
                w[x] = v;
                ww += v;
            }
            for (int x = 0; x < xmax; x++) {
                double v = ww != 0.0 ? w[x] / ww : w[x];
                k[xx * ksize + x] = v < 0 ? (int) (-0.5 + v * (1 << PRECISION_BITS)) : (int) (0.5 + v * (1 << PRECISION_BITS));
            }
            min[xx] = xmin;
            count[xx] = xmax;
        }
        return new Coeffs(min, count, k, ksize);
    }

    private static byte clip8(int v) {
        int s = v >> PRECISION_BITS;
        return (byte) (s < 0 ? 0 : Math.min(s, 255));
    }

    /** Resizes to {@code width x height} with Pillow's bicubic filter. */
    public static RgbImage bicubic(RgbImage src, int width, int height) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("resize to " + width + "x" + height);
        }
        if (width == src.width() && height == src.height()) {
            return new RgbImage(width, height, src.rgb().clone());
        }
        if (src.height() > (long) src.width() * 100 && height < src.height()) {
            // Image.resize (Pillow 12) shrinks a very tall image vertically first, then horizontally
            return twoPass(twoPass(src, src.width(), height), width, height);
        }
        return twoPass(src, width, height);
    }

    // mirrors ImagingResampleInner: horizontal pass (only the rows the vertical pass reads), then vertical
    private static RgbImage twoPass(RgbImage src, int width, int height) {
        if (width == src.width() && height == src.height()) {
            return src;
        }
        Coeffs vert = coeffs(src.height(), height);
        int yFirst = vert.min[0];
        int yLast = vert.min[height - 1] + vert.count[height - 1];
        byte[] cur = src.rgb();
        int curW = src.width();
        if (width != src.width()) {
            Coeffs hor = coeffs(src.width(), width);
            int rows = yLast - yFirst;
            byte[] tmp = new byte[Math.multiplyExact(rows, width) * 3];
            int ks = hor.ksize;
            for (int y = 0; y < rows; y++) {
                int inRow = (y + yFirst) * curW * 3;
                for (int xx = 0; xx < width; xx++) {
                    int xmin = hor.min[xx];
                    int n = hor.count[xx];
                    int s0 = 1 << (PRECISION_BITS - 1);
                    int s1 = s0;
                    int s2 = s0;
                    for (int x = 0; x < n; x++) {
                        int kv = hor.k[xx * ks + x];
                        int p = inRow + (x + xmin) * 3;
                        s0 += (cur[p] & 0xFF) * kv;
                        s1 += (cur[p + 1] & 0xFF) * kv;
                        s2 += (cur[p + 2] & 0xFF) * kv;
                    }
                    int o = (y * width + xx) * 3;
                    tmp[o] = clip8(s0);
                    tmp[o + 1] = clip8(s1);
                    tmp[o + 2] = clip8(s2);
                }
            }
            for (int i = 0; i < height; i++) {
                vert.min[i] -= yFirst;
            }
            cur = tmp;
            curW = width;
            if (height == src.height()) {
                return new RgbImage(width, height, tmp.length == width * height * 3 ? tmp : Arrays.copyOf(tmp, width * height * 3));
            }
        }
        byte[] out = new byte[Math.multiplyExact(width, height) * 3];
        int ks = vert.ksize;
        int stride = curW * 3;
        for (int yy = 0; yy < height; yy++) {
            int ymin = vert.min[yy];
            int n = vert.count[yy];
            for (int xx = 0; xx < width * 3; xx++) {
                int s = 1 << (PRECISION_BITS - 1);
                for (int y = 0; y < n; y++) {
                    s += (cur[(y + ymin) * stride + xx] & 0xFF) * vert.k[yy * ks + y];
                }
                out[yy * stride + xx] = clip8(s);
            }
        }
        return new RgbImage(width, height, out);
    }
}
