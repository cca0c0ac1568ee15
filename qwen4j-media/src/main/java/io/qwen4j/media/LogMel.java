package io.qwen4j.media;

import io.qwen4j.common.InvalidInputException;
import io.qwen4j.tensor.FloatMatrix;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The Whisper log-mel front end with Qwen3-Omni's settings (omni.md 3.1): 16 kHz mono in, 128 Slaney mel
 * bins (Slaney area normalisation, 0..8 kHz), 25 ms periodic-Hann frames every 10 ms of a reflect-padded
 * centred STFT, the last frame dropped, {@code log10(max(mel, 1e-10))} clamped to the clip's maximum minus 8,
 * then {@code (x + 4) / 4}; no padding to 30 s. Mirrors {@code WhisperFeatureExtractor.__call__} and
 * {@code _torch_extract_fbank_features} (transformers 5.18) as {@code Qwen3OmniMoeProcessor} calls them
 * ({@code padding=True, truncation=False}). Computed in double; HF computes in float32.
 */
public final class LogMel {
    public static final int SAMPLE_RATE = 16_000;
    public static final int N_FFT = 400;
    public static final int HOP = 160;
    public static final int BINS = 128;
    private static final int FREQS = N_FFT / 2 + 1;

    private final double[] window = new double[N_FFT];
    private final double[][] filters; // (FREQS, BINS), transformers' mel_filter_bank layout
    private final Fft fft = new Fft(N_FFT);

    public LogMel() {
        for (int i = 0; i < N_FFT; i++) {
            window[i] = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / N_FFT); // torch.hann_window(400), periodic
        }
        filters = melFilterBank(FREQS, BINS, 0, 8000, SAMPLE_RATE);
    }

    /** Features of one clip of 16 kHz samples (at least 201 samples: the centred STFT reflects 200). */
    public AudioFeatures extract(float[] wave) {
        return extractBatch(List.of(wave)).getFirst();
    }

    /**
     * Features of several clips as the Omni processor computes them for the audios of one prompt: each clip
     * zero-padded to the longest <em>before</em> the STFT (so the last frames of a shorter clip see zeros,
     * not a reflection), all with {@code longest / 160} frames, and a frame mask {@code [::160]} of the sample
     * mask (its last entry dropped when the length is not a multiple of 160).
     */
    public List<AudioFeatures> extractBatch(List<float[]> waves) {
        if (waves.isEmpty()) {
            throw new IllegalArgumentException("no audio clips");
        }
        int longest = 0;
        for (float[] w : waves) {
            longest = Math.max(longest, w.length);
        }
        if (longest <= N_FFT / 2) {
            throw new InvalidInputException("audio of " + longest + " samples is too short: the log-mel front end needs at least "
                    + (N_FFT / 2 + 1) + " samples (12.6 ms at 16 kHz)");
        }
        int frames = longest / HOP;
        List<AudioFeatures> out = new ArrayList<>();
        for (float[] w : waves) {
            float[] padded = w.length == longest ? w : Arrays.copyOf(w, longest);
            int valid = Math.min(frames, (w.length + HOP - 1) / HOP);
            out.add(new AudioFeatures(features(padded, frames), valid));
        }
        return out;
    }

    // mirrors _torch_extract_fbank_features for one waveform
    private FloatMatrix features(float[] x, int frames) {
        int len = x.length;
        double[] logSpec = new double[BINS * frames];
        double[] re = new double[N_FFT];
        double[] im = new double[N_FFT];
        double[] outRe = new double[N_FFT];
        double[] outIm = new double[N_FFT];
        double[] power = new double[FREQS];
        double max = Double.NEGATIVE_INFINITY;
        for (int f = 0; f < frames; f++) {
            int start = f * HOP - N_FFT / 2;
            for (int i = 0; i < N_FFT; i++) {
                re[i] = x[reflect(start + i, len)] * window[i];
                im[i] = 0;
            }
            fft.forward(re, im, outRe, outIm);
            for (int k = 0; k < FREQS; k++) {
                power[k] = outRe[k] * outRe[k] + outIm[k] * outIm[k];
            }
            for (int b = 0; b < BINS; b++) {
                double mel = 0;
                for (int k = 0; k < FREQS; k++) {
                    mel += filters[k][b] * power[k];
                }
                double v = Math.log10(Math.max(mel, 1e-10));
                logSpec[b * frames + f] = v;
                max = Math.max(max, v);
            }
        }
        FloatMatrix out = new FloatMatrix(BINS, frames);
        float[] d = out.data();
        double floor = max - 8.0;
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) ((Math.max(logSpec[i], floor) + 4.0) / 4.0);
        }
        return out;
    }

    /** torch's reflect padding: index -1 reads 1, index len reads len - 2. */
    private static int reflect(int i, int len) {
        if (i < 0) {
            return -i;
        }
        if (i >= len) {
            return 2 * (len - 1) - i;
        }
        return i;
    }

    /**
     * Triangular filters on the Slaney mel scale with Slaney area normalisation, {@code (freqs, bins)}.
     * Mirrors transformers' {@code audio_utils.mel_filter_bank(norm="slaney", mel_scale="slaney")}.
     */
    static double[][] melFilterBank(int freqs, int bins, double fMin, double fMax, int sampleRate) {
        double melMin = hzToMel(fMin);
        double melMax = hzToMel(fMax);
        double[] filterFreqs = new double[bins + 2];
        for (int i = 0; i < bins + 2; i++) {
            filterFreqs[i] = melToHz(melMin + (melMax - melMin) * i / (bins + 1)); // np.linspace
        }
        double[][] fb = new double[freqs][bins];
        for (int k = 0; k < freqs; k++) {
            double f = (double) (sampleRate / 2) * k / (freqs - 1); // np.linspace(0, sr // 2, freqs)
            for (int m = 0; m < bins; m++) {
                double down = -(filterFreqs[m] - f) / (filterFreqs[m + 1] - filterFreqs[m]);
                double up = (filterFreqs[m + 2] - f) / (filterFreqs[m + 2] - filterFreqs[m + 1]);
                double enorm = 2.0 / (filterFreqs[m + 2] - filterFreqs[m]);
                fb[k][m] = Math.max(0, Math.min(down, up)) * enorm;
            }
        }
        return fb;
    }

    private static final double MIN_LOG_HZ = 1000.0;
    private static final double MIN_LOG_MEL = 15.0;
    private static final double LOGSTEP = 27.0 / Math.log(6.4);

    static double hzToMel(double f) {
        return f >= MIN_LOG_HZ ? MIN_LOG_MEL + Math.log(f / MIN_LOG_HZ) * LOGSTEP : 3.0 * f / 200.0;
    }

    static double melToHz(double mel) {
        return mel >= MIN_LOG_MEL ? MIN_LOG_HZ * Math.exp(Math.log(6.4) / 27.0 * (mel - MIN_LOG_MEL)) : 200.0 * mel / 3.0;
    }
}
