package io.qwen4j.media;

/** EXIF orientations 2..8 undone as {@code PIL.ImageOps.exif_transpose} does. */
final class Orientation {
    private Orientation() {}

    static RgbImage apply(RgbImage src, int orientation) {
        int w = src.width();
        int h = src.height();
        boolean swap = orientation >= 5;
        int ow = swap ? h : w;
        int oh = swap ? w : h;
        byte[] out = new byte[src.rgb().length];
        byte[] in = src.rgb();
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                // (sx, sy): the source pixel shown at (x, y) after the transpose PIL applies
                int sx;
                int sy;
                switch (orientation) {
                    case 2 -> { sx = w - 1 - x; sy = y; }             // FLIP_LEFT_RIGHT
                    case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }     // ROTATE_180
                    case 4 -> { sx = x; sy = h - 1 - y; }             // FLIP_TOP_BOTTOM
                    case 5 -> { sx = y; sy = x; }                     // TRANSPOSE
                    case 6 -> { sx = y; sy = h - 1 - x; }             // ROTATE_270
                    case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }     // TRANSVERSE
                    case 8 -> { sx = w - 1 - y; sy = x; }             // ROTATE_90
                    default -> throw new IllegalArgumentException("EXIF orientation " + orientation);
                }
                System.arraycopy(in, (sy * w + sx) * 3, out, (y * ow + x) * 3, 3);
            }
        }
        return new RgbImage(ow, oh, out);
    }
}
