package io.qwen4j.media;

import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;

import io.qwen4j.common.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.global.avutil;

/**
 * Lossy WebP decoded as libwebp (and so PIL) decodes it: FFmpeg's VP8 decoder gives the Y, U and V planes
 * (VP8 reconstruction is bit-exact by specification), then libwebp's "fancy" chroma upsampling and its
 * 14-bit fixed-point YUV to RGB conversion. Mirrors {@code UPSAMPLE_FUNC} in libwebp's
 * {@code src/dsp/upsampling.c}, {@code EmitFancyRGB} in {@code src/dec/io_dec.c} and {@code VP8YUVToR/G/B}
 * in {@code src/dsp/yuv.h}. (TwelveMonkeys' VP8 decoder upsamples differently: up to 19 levels apart.)
 */
final class WebpLossy {
    private WebpLossy() {}

    /** True for a WebP whose image is VP8 (lossy), with or without an alpha chunk; false for VP8L and the rest. */
    static boolean isLossyWebp(byte[] d) {
        if (d.length < 20 || !tag(d, 0, "RIFF") || !tag(d, 8, "WEBP")) {
            return false;
        }
        for (int p = 12; p + 8 <= d.length; ) {
            if (tag(d, p, "VP8 ")) {
                return true;
            }
            if (tag(d, p, "VP8L") || tag(d, p, "ANIM")) {
                return false;
            }
            long size = (d[p + 4] & 0xFFL) | (d[p + 5] & 0xFFL) << 8 | (d[p + 6] & 0xFFL) << 16 | (d[p + 7] & 0xFFL) << 24;
            p += 8 + (int) Math.min(size + (size & 1), Integer.MAX_VALUE - 16);
        }
        return false;
    }

    private static boolean tag(byte[] d, int at, String t) {
        for (int i = 0; i < 4; i++) {
            if (d[at + i] != t.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    static RgbImage decode(byte[] data, String name, MediaLimits limits) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile("qwen4j-", ".webp");
            Files.write(tmp, data);
            return decodeFile(tmp, name, limits);
        } catch (IOException e) {
            throw new InvalidInputException("cannot decode " + name + ": " + MediaFiles.oneLine(e));
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a temporary file left behind is harmless
                }
            }
        }
    }

    private static RgbImage decodeFile(Path file, String name, MediaLimits limits) {
        RgbImage[] out = new RgbImage[1];
        try (FfmpegInput in = FfmpegInput.open(file, name, limits)) {
            int s = in.bestStream(AVMEDIA_TYPE_VIDEO);
            if (s < 0) {
                throw new InvalidInputException(name + " is corrupt: no image in it");
            }
            in.checkPixels(s, limits);
            AVCodecContext ctx = in.openDecoder(s);
            try {
                in.decode(s, ctx, frame -> {
                    out[0] = toRgb(frame, name, limits);
                    return false;
                });
            } finally {
                avcodec_free_context(ctx);
            }
        }
        if (out[0] == null) {
            throw new InvalidInputException(name + " is corrupt or truncated: no picture decoded");
        }
        return out[0];
    }

    private static RgbImage toRgb(AVFrame f, String name, MediaLimits limits) {
        int fmt = f.format();
        if (fmt != avutil.AV_PIX_FMT_YUV420P && fmt != avutil.AV_PIX_FMT_YUVA420P) {
            throw new InvalidInputException(name + ": unexpected WebP picture format " + fmt);
        }
        int w = f.width();
        int h = f.height();
        if ((long) w * h > limits.maxPixels()) {
            throw new InvalidInputException(name + " is " + w + "x" + h + " pixels, over the limit of " + limits.maxPixels() + " pixels");
        }
        int uvW = (w + 1) / 2;
        int uvH = (h + 1) / 2;
        byte[] y = plane(f, 0, w, h);
        byte[] u = plane(f, 1, uvW, uvH);
        byte[] v = plane(f, 2, uvW, uvH);
        byte[] rgb = new byte[w * h * 3];
        // EmitFancyRGB over the whole picture: row 0 alone, then row pairs (2k-1, 2k) between chroma rows
        // k-1 and k, then the last row alone when the height is even.
        upsamplePair(y, 0, -1, u, v, 0, 0, uvW, rgb, w);
        int row = 1;
        for (int k = 1; row + 1 < h; k++, row += 2) {
            upsamplePair(y, row, row + 1, u, v, k - 1, k, uvW, rgb, w);
        }
        if (row < h) {
            int last = uvH - 1;
            upsamplePair(y, row, -1, u, v, last, last, uvW, rgb, w);
        }
        return new RgbImage(w, h, rgb);
    }

    private static byte[] plane(AVFrame f, int p, int w, int h) {
        byte[] out = new byte[w * h];
        int stride = f.linesize(p);
        var data = f.data(p);
        for (int r = 0; r < h; r++) {
            data.position((long) r * stride).get(out, r * w, w);
        }
        return out;
    }

    // UPSAMPLE_FUNC: u and v packed in one int as in libwebp (LOAD_UV), top row near chroma row tu,
    // bottom row (if any) near chroma row cu
    private static void upsamplePair(byte[] y, int topRow, int bottomRow, byte[] u, byte[] v, int tu, int cu, int uvW, byte[] rgb, int len) {
        int lastPair = (len - 1) >> 1;
        int tl = loadUv(u, v, tu * uvW);
        int l = loadUv(u, v, cu * uvW);
        put(y, topRow, 0, (3 * tl + l + 0x00020002) >>> 2, rgb, len);
        if (bottomRow >= 0) {
            put(y, bottomRow, 0, (3 * l + tl + 0x00020002) >>> 2, rgb, len);
        }
        for (int x = 1; x <= lastPair; x++) {
            int t = loadUv(u, v, tu * uvW + x);
            int c = loadUv(u, v, cu * uvW + x);
            int avg = tl + t + l + c + 0x00080008;
            int diag12 = (avg + 2 * (t + l)) >>> 3;
            int diag03 = (avg + 2 * (tl + c)) >>> 3;
            put(y, topRow, 2 * x - 1, (diag12 + tl) >>> 1, rgb, len);
            put(y, topRow, 2 * x, (diag03 + t) >>> 1, rgb, len);
            if (bottomRow >= 0) {
                put(y, bottomRow, 2 * x - 1, (diag03 + l) >>> 1, rgb, len);
                put(y, bottomRow, 2 * x, (diag12 + c) >>> 1, rgb, len);
            }
            tl = t;
            l = c;
        }
        if ((len & 1) == 0) {
            put(y, topRow, len - 1, (3 * tl + l + 0x00020002) >>> 2, rgb, len);
            if (bottomRow >= 0) {
                put(y, bottomRow, len - 1, (3 * l + tl + 0x00020002) >>> 2, rgb, len);
            }
        }
    }

    private static int loadUv(byte[] u, byte[] v, int i) {
        return (u[i] & 0xFF) | (v[i] & 0xFF) << 16;
    }

    /** VP8YuvToRgb for pixel x of a row, with uv packed as in LOAD_UV. */
    private static void put(byte[] y, int row, int x, int uv, byte[] rgb, int w) {
        int yy = y[row * w + x] & 0xFF;
        int uu = uv & 0xFF;
        int vv = (uv >>> 16) & 0xFF;
        int o = (row * w + x) * 3;
        rgb[o] = clip8(multHi(yy, 19077) + multHi(vv, 26149) - 14234);
        rgb[o + 1] = clip8(multHi(yy, 19077) - multHi(uu, 6419) - multHi(vv, 13320) + 8708);
        rgb[o + 2] = clip8(multHi(yy, 19077) + multHi(uu, 33050) - 17685);
    }

    private static int multHi(int v, int coeff) {
        return (v * coeff) >> 8;
    }

    /** VP8Clip8 with YUV_FIX2 = 6. */
    private static byte clip8(int v) {
        int mask = (256 << 6) - 1;
        return (byte) ((v & ~mask) == 0 ? v >> 6 : v < 0 ? 0 : 255);
    }
}
