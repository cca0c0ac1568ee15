package io.qwen4j.media;

import io.qwen4j.common.InvalidInputException;

/**
 * Which frames of a video the processor keeps: {@code fps} frames per second of video (2 by default), at
 * least {@code minFrames}, at most {@code maxFrames} and never more than the video has, rounded down to a
 * multiple of the temporal patch size, spread evenly. Mirrors {@code Qwen2VLVideoProcessor.sample_frames}
 * (transformers 5.18) with {@code fps} given.
 *
 * @param fps               frames kept per second of video
 * @param minFrames         fewest frames kept (4)
 * @param maxFrames         most frames kept (768)
 * @param temporalPatchSize the count is a multiple of this (2)
 */
public record FrameSampler(double fps, int minFrames, int maxFrames, int temporalPatchSize) {
    /** Two frames per second, 4 to 768 frames, in pairs: the Qwen3-Omni default. */
    public static final FrameSampler DEFAULT = new FrameSampler(2.0, 4, 768, 2);

    public FrameSampler {
        if (!(fps > 0) || minFrames < 1 || maxFrames < minFrames || temporalPatchSize < 1) {
            throw new IllegalArgumentException("invalid frame sampling: " + fps + " fps, " + minFrames + ".." + maxFrames + " frames");
        }
    }

    /** Indices of the kept frames among {@code total} frames shown at {@code videoFps}. */
    public int[] indices(int total, double videoFps) {
        if (total <= 0) {
            throw new InvalidInputException("the video has no frames");
        }
        if (!(videoFps > 0)) {
            throw new InvalidInputException("the video's frame rate is unknown or zero");
        }
        int max = (int) Math.floor((double) Math.min(maxFrames, total) / temporalPatchSize) * temporalPatchSize;
        double n = total / videoFps * fps;
        n = Math.min(Math.min(Math.max(n, minFrames), max), total);
        int count = (int) Math.floor(n / temporalPatchSize) * temporalPatchSize;
        if (count <= 0) {
            // fewer frames than one temporal patch: keep them all (the processor repeats the last)
            int[] all = new int[total];
            for (int i = 0; i < total; i++) {
                all[i] = i;
            }
            return all;
        }
        // torch.arange(0, total, total / count).int(): float32 values start + i * step, truncated
        double step = (double) total / count;
        int[] idx = new int[count];
        for (int i = 0; i < count; i++) {
            idx[i] = (int) (float) (i * step);
        }
        return idx;
    }
}
