package io.qwen4j.media;

import io.qwen4j.common.InvalidInputException;

/**
 * An 8-bit RGB image, rows top to bottom, pixels interleaved {@code r, g, b}: what PIL's
 * {@code Image.convert("RGB")} holds, and what every image and video frame becomes after decoding.
 *
 * @param width  pixels per row
 * @param height rows
 * @param rgb    {@code height * width * 3} bytes (unsigned)
 */
public record RgbImage(int width, int height, byte[] rgb) {
    public RgbImage {
        if (width <= 0 || height <= 0) {
            throw new InvalidInputException("an image must have at least one pixel, not " + width + "x" + height);
        }
        if ((long) width * height * 3 != rgb.length) {
            throw new IllegalArgumentException(rgb.length + " bytes for a " + width + "x" + height + " RGB image");
        }
    }

    /** Channel {@code c} (0 red, 1 green, 2 blue) of pixel ({@code x}, {@code y}), 0..255. */
    public int get(int x, int y, int c) {
        return rgb[(y * width + x) * 3 + c] & 0xFF;
    }

    @Override
    public String toString() {
        return "RgbImage[" + width + "x" + height + "]";
    }
}
