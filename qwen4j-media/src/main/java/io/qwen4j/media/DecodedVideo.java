package io.qwen4j.media;

import java.util.List;
import java.util.Optional;

/**
 * The frames of a video the processor keeps, and its soundtrack.
 *
 * @param frames       the sampled frames, RGB, in order
 * @param indices      their indices among all frames
 * @param totalFrames  frames in the video
 * @param videoFps     the video's average frame rate
 * @param samplingFps  frames kept per second (what {@link VisionProcessor#video} takes as {@code fps})
 * @param codec        FFmpeg's codec name ({@code h264}, {@code vp9}, {@code libdav1d}, ...), or "images"
 * @param audio        the soundtrack, when there is one
 */
public record DecodedVideo(List<RgbImage> frames, int[] indices, int totalFrames, double videoFps, double samplingFps,
                           String codec, Optional<DecodedAudio> audio) {
    public DecodedVideo {
        frames = List.copyOf(frames);
        indices = indices.clone();
    }

    @Override
    public int[] indices() {
        return indices.clone();
    }
}
