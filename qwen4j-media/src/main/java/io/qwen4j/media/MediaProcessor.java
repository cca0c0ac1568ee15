package io.qwen4j.media;

import java.nio.file.Path;

/**
 * Files to what Qwen3-Omni's encoders consume, in one call per media item: decoding ({@link ImageDecoder},
 * {@link AudioDecoder}, {@link VideoDecoder}) then preprocessing ({@link VisionProcessor}, {@link LogMel}),
 * each item on its own (HF's processor pads the audios of one prompt to the longest; for that, use
 * {@link LogMel#extractBatch}).
 */
public final class MediaProcessor {
    private final ImageDecoder images;
    private final AudioDecoder audio;
    private final VideoDecoder video;
    private final VisionProcessor vision;
    private final LogMel mel = new LogMel();

    public MediaProcessor(MediaLimits limits, VisionProcessor vision, FrameSampler sampler) {
        this.images = new ImageDecoder(limits);
        this.audio = new AudioDecoder(limits);
        this.video = new VideoDecoder(limits, sampler);
        this.vision = vision;
    }

    /** Qwen3-Omni's settings and the default limits. */
    public MediaProcessor() {
        this(MediaLimits.DEFAULT, new VisionProcessor(), FrameSampler.DEFAULT);
    }

    public ImagePatches image(Path file) {
        return vision.image(images.decode(file));
    }

    public AudioFeatures audio(Path file) {
        return mel.extract(audio.load(file));
    }

    public VideoItem video(Path file) {
        return item(video.decode(file));
    }

    /** A folder of frame images shown at {@code fps} frames per second. */
    public VideoItem videoFrames(Path folder, double fps) {
        return item(video.decodeFrames(folder, fps));
    }

    private VideoItem item(DecodedVideo v) {
        return new VideoItem(vision.video(v.frames(), v.samplingFps()),
                v.audio().map(a -> mel.extract(a.mono(LogMel.SAMPLE_RATE))));
    }
}
