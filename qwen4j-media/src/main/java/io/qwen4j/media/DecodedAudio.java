package io.qwen4j.media;

/**
 * Audio as decoded, before any mixing or resampling.
 *
 * @param channels   {@code [channel][sample]}, floats in [-1, 1] (integer PCM scaled as libsndfile does:
 *                   16-bit / 32768, 32-bit and 24-bit / 2^31 after FFmpeg's left alignment, 8-bit (x - 128) / 128)
 * @param sampleRate samples per second
 * @param codec      FFmpeg's codec name ({@code pcm_s16le}, {@code flac}, {@code vorbis}, ...)
 */
public record DecodedAudio(float[][] channels, int sampleRate, String codec) {
    public int samples() {
        return channels.length == 0 ? 0 : channels[0].length;
    }

    public double seconds() {
        return samples() / (double) sampleRate;
    }

    /** The channel mean, as {@code librosa.to_mono} (float32 sums in channel order, then divided). */
    public float[] mono() {
        if (channels.length == 1) {
            return channels[0].clone();
        }
        float[] out = new float[samples()];
        for (int i = 0; i < out.length; i++) {
            float s = 0;
            for (float[] c : channels) {
                s += c[i];
            }
            out[i] = s / channels.length;
        }
        return out;
    }

    /** Mono at {@code rate}: {@code librosa.load(path, sr=rate)}'s mixing, then {@link Resampler}. */
    public float[] mono(int rate) {
        float[] m = mono();
        return rate == sampleRate ? m : new Resampler(sampleRate, rate).resample(m);
    }
}
