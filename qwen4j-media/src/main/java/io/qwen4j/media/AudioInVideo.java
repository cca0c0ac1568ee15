package io.qwen4j.media;

/**
 * The order of video and audio placeholders inside an audio-in-video block
 * ({@code <|vision_start|><|audio_start|>} ... {@code <|audio_end|><|vision_end|>}), omni.md 6.5: video pad
 * (t, i, j) carries the key {@code t * secondPerGrid * positionIdPerSecond}, audio pad k the key k; the two
 * lists merge by emitting the video pad while its key is not greater, then the leftovers. Mirrors
 * {@code Qwen3OmniMoeProcessor.replace_multimodal_special_tokens} with {@code use_audio_in_video=True}.
 */
public final class AudioInVideo {
    /** Temporal positions per second of video ({@code position_id_per_seconds}, 13 for Qwen3-Omni). */
    public static final double POSITION_ID_PER_SECOND = 13.0;

    private AudioInVideo() {}

    /**
     * The interleaved order: {@code true} for a video pad, {@code false} for an audio pad, in prompt order.
     * Video pads come in (t, block row, block column) order; there are {@code gridT*gridH*gridW/merge^2}.
     */
    public static boolean[] order(int audioTokens, VideoPatches video) {
        return order(audioTokens, video.gridT(), video.gridH() / video.mergeSize() * (video.gridW() / video.mergeSize()),
                video.secondPerGrid(), POSITION_ID_PER_SECOND);
    }

    /** The same from counts: {@code tokensPerFrame} video pads per temporal patch. */
    public static boolean[] order(int audioTokens, int gridT, int tokensPerFrame, double secondPerGrid, double positionIdPerSecond) {
        int videoTokens = gridT * tokensPerFrame;
        boolean[] out = new boolean[videoTokens + audioTokens];
        int v = 0;
        int a = 0;
        int o = 0;
        while (v < videoTokens && a < audioTokens) {
            // numpy: (t * second_per_grid) * position_id_per_seconds, in float64
            double videoKey = (v / tokensPerFrame) * secondPerGrid * positionIdPerSecond;
            if (videoKey <= a) {
                out[o++] = true;
                v++;
            } else {
                out[o++] = false;
                a++;
            }
        }
        while (v++ < videoTokens) {
            out[o++] = true;
        }
        while (a++ < audioTokens) {
            out[o++] = false;
        }
        return out;
    }
}
