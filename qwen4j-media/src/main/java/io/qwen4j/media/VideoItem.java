package io.qwen4j.media;

import java.util.Optional;

/**
 * A video ready for the encoders: its patches and, when it has a soundtrack, the soundtrack's features.
 *
 * @param patches the frames' patch rows and grid
 * @param audio   the soundtrack's log-mel features (16 kHz mono), when the file has one
 */
public record VideoItem(VideoPatches patches, Optional<AudioFeatures> audio) {
    /**
     * Placeholder tokens between the video's start and end tokens: the video pads alone, or with
     * {@code useAudioInVideo} the video and audio pads interleaved ({@link #interleaving()}).
     */
    public int tokens(boolean useAudioInVideo) {
        return patches.tokens() + (useAudioInVideo ? audio.map(AudioFeatures::tokens).orElse(0) : 0);
    }

    /** The audio-in-video order ({@code true} = video pad); only the video pads when there is no soundtrack. */
    public boolean[] interleaving() {
        return AudioInVideo.order(audio.map(AudioFeatures::tokens).orElse(0), patches);
    }
}
