package io.qwen4j.media;

/**
 * What a decoder accepts before it refuses an input as oversized, so that one request cannot exhaust the
 * machine. Build with {@link #builder()}; {@link #DEFAULT} suits a server.
 *
 * @param maxBytes        largest file or buffer read
 * @param maxPixels       largest decoded image or video frame, in pixels
 * @param maxSeconds      longest audio or video decoded
 * @param maxVideoFrames  most frames a video may have (counted before sampling)
 */
public record MediaLimits(long maxBytes, long maxPixels, double maxSeconds, int maxVideoFrames) {
    /** 512 MiB, 64 megapixels (8192 x 8192), one hour, 200 000 frames. */
    public static final MediaLimits DEFAULT = new MediaLimits(512L << 20, 8192L * 8192, 3600, 200_000);

    public MediaLimits {
        if (maxBytes <= 0 || maxPixels <= 0 || !(maxSeconds > 0) || maxVideoFrames <= 0) {
            throw new IllegalArgumentException("media limits must be positive: " + maxBytes + ", " + maxPixels + ", " + maxSeconds + ", " + maxVideoFrames);
        }
    }

    public static Builder builder() {
        return new Builder(DEFAULT);
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builder for {@link MediaLimits}, starting from the defaults. */
    public static final class Builder {
        private long maxBytes;
        private long maxPixels;
        private double maxSeconds;
        private int maxVideoFrames;

        private Builder(MediaLimits from) {
            maxBytes = from.maxBytes;
            maxPixels = from.maxPixels;
            maxSeconds = from.maxSeconds;
            maxVideoFrames = from.maxVideoFrames;
        }

        public Builder maxBytes(long v) {
            maxBytes = v;
            return this;
        }

        public Builder maxPixels(long v) {
            maxPixels = v;
            return this;
        }

        public Builder maxSeconds(double v) {
            maxSeconds = v;
            return this;
        }

        public Builder maxVideoFrames(int v) {
            maxVideoFrames = v;
            return this;
        }

        public MediaLimits build() {
            return new MediaLimits(maxBytes, maxPixels, maxSeconds, maxVideoFrames);
        }
    }
}
