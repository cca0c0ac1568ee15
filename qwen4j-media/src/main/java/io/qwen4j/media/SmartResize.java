package io.qwen4j.media;

import io.qwen4j.common.InvalidInputException;

/**
 * The size Qwen2-VL's processors resize an image or video frame to: both sides multiples of
 * {@code factor} (patch size x merge size = 32 for Qwen3-Omni), the area within [minPixels, maxPixels], the
 * aspect ratio kept as well as that allows. Mirrors {@code smart_resize} in transformers'
 * {@code models/qwen2_vl/image_processing_pil_qwen2_vl.py} (Python's round is half to even: {@link Math#rint}).
 */
public final class SmartResize {
    /** The processors refuse images more than 200 times longer than wide (or the reverse). */
    public static final double MAX_ASPECT_RATIO = 200;

    private SmartResize() {}

    /** A height and width in pixels. */
    public record Size(int height, int width) {}

    public static Size of(int height, int width, int factor, long minPixels, long maxPixels) {
        if (height <= 0 || width <= 0) {
            throw new InvalidInputException("an image must have at least one pixel, not " + width + "x" + height);
        }
        double ratio = (double) Math.max(height, width) / Math.min(height, width);
        if (ratio > MAX_ASPECT_RATIO) {
            throw new InvalidInputException("a " + width + "x" + height + " image has an aspect ratio of " + ratio
                    + ", over the limit of " + (int) MAX_ASPECT_RATIO + "; crop or pad it first");
        }
        long hBar = (long) Math.rint((double) height / factor) * factor;
        long wBar = (long) Math.rint((double) width / factor) * factor;
        if (hBar * wBar > maxPixels) {
            double beta = Math.sqrt((double) height * width / maxPixels);
            hBar = Math.max(factor, (long) Math.floor(height / beta / factor) * factor);
            wBar = Math.max(factor, (long) Math.floor(width / beta / factor) * factor);
        } else if (hBar * wBar < minPixels) {
            double beta = Math.sqrt((double) minPixels / ((double) height * width));
            hBar = (long) Math.ceil(height * beta / factor) * factor;
            wBar = (long) Math.ceil(width * beta / factor) * factor;
        }
        return new Size(Math.toIntExact(hBar), Math.toIntExact(wBar));
    }
}
