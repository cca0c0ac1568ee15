package io.qwen4j.media;

/**
 * The image and video processor settings (the {@code Qwen2VLImageProcessor} part of
 * {@code preprocessor_config.json}).
 *
 * @param patchSize         ViT patch side in pixels (16)
 * @param temporalPatchSize frames per temporal patch (2; an image is repeated to fill it)
 * @param mergeSize         patches merged per side into one LLM token (2)
 * @param minPixels         smallest resized area
 * @param maxPixels         largest resized area
 * @param mean              per-channel mean subtracted after rescaling
 * @param std               per-channel deviation divided by
 * @param rescaleFactor     multiplier taking 0..255 to 0..1 (1/255)
 */
public record VisionConfig(int patchSize, int temporalPatchSize, int mergeSize, long minPixels, long maxPixels,
                           float[] mean, float[] std, double rescaleFactor) {
    /** Qwen3-Omni-30B-A3B's preprocessor_config.json for images (omni.md 1.4). */
    public static final VisionConfig OMNI_IMAGE = new VisionConfig(16, 2, 2, 3136, 12_845_056,
            new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.5f, 0.5f, 0.5f}, 1 / 255.0);
    /** The same for video frames, with the per-frame size Qwen3OmniMoeProcessor passes (128 to 768 tokens' worth). */
    public static final VisionConfig OMNI_VIDEO = OMNI_IMAGE.withPixels(128 * 32 * 32, 768 * 32 * 32);

    public VisionConfig {
        if (patchSize <= 0 || temporalPatchSize <= 0 || mergeSize <= 0 || minPixels < 0 || maxPixels < minPixels
                || mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException("invalid vision processor settings");
        }
        mean = mean.clone();
        std = std.clone();
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] std() {
        return std.clone();
    }

    /** The same settings with another resized-area range. */
    public VisionConfig withPixels(long min, long max) {
        return new VisionConfig(patchSize, temporalPatchSize, mergeSize, min, max, mean, std, rescaleFactor);
    }

    /** Both sides of a resized image are multiples of this (32). */
    public int factor() {
        return patchSize * mergeSize;
    }

    /** Values in one patch row: channels x temporal patch x patch x patch (1536). */
    public int patchDim() {
        return 3 * temporalPatchSize * patchSize * patchSize;
    }
}
