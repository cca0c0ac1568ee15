package io.qwen4j.media;

import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_AUDIO;

import io.qwen4j.common.InvalidInputException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.global.avutil;

/**
 * Decodes the audio of any file FFmpeg reads (WAV of every PCM width and float, FLAC, MP3, AAC/M4A, Ogg
 * Vorbis and Opus, WebM/MKV/MP4 soundtracks) at its own rate and channel count.
 * {@link #load(Path)} gives what the log-mel front end wants: mono at 16 kHz.
 */
public final class AudioDecoder {
    private final MediaLimits limits;

    public AudioDecoder(MediaLimits limits) {
        this.limits = limits;
    }

    public AudioDecoder() {
        this(MediaLimits.DEFAULT);
    }

    /** Mono 16 kHz samples of a file, as {@code librosa.load(path, sr=16000)} gives them (see {@link Resampler}). */
    public float[] load(Path file) {
        return decode(file).mono(LogMel.SAMPLE_RATE);
    }

    public DecodedAudio decode(Path file) {
        try (FfmpegInput in = FfmpegInput.open(file, limits)) {
            int s = in.bestStream(AVMEDIA_TYPE_AUDIO);
            if (s < 0) {
                throw new InvalidInputException(in.name + " has no audio stream");
            }
            return decodeStream(in, s, limits);
        }
    }

    /** The audio stream {@code s} of an open input. */
    static DecodedAudio decodeStream(FfmpegInput in, int s, MediaLimits limits) {
        double declared = in.durationSeconds();
        if (declared > limits.maxSeconds()) {
            throw new InvalidInputException(in.name + " lasts " + Math.round(declared) + " s, over the limit of " + limits.maxSeconds() + " s");
        }
        AVCodecContext ctx = in.openDecoder(s);
        try {
            Pcm pcm = new Pcm();
            in.decode(s, ctx, frame -> pcm.add(frame, in.name, limits));
            if (pcm.length == 0) {
                throw new InvalidInputException(in.name + " holds no audio samples (empty or truncated)");
            }
            return new DecodedAudio(pcm.channels(), pcm.rate, ctx.codec().name().getString());
        } finally {
            avcodec_free_context(ctx);
        }
    }

    /** Growing per-channel float buffers. */
    private static final class Pcm {
        float[][] data;
        int length;
        int rate;

        boolean add(AVFrame f, String name, MediaLimits limits) {
            int ch = f.ch_layout().nb_channels();
            int n = f.nb_samples();
            if (data == null) {
                if (ch <= 0 || f.sample_rate() <= 0) {
                    throw new InvalidInputException(name + " has an audio stream without channels or sample rate");
                }
                data = new float[ch][Math.max(n, 1024)];
                rate = f.sample_rate();
            } else if (ch != data.length || f.sample_rate() != rate) {
                throw new InvalidInputException(name + " changes its channel count or sample rate midway, which qwen4j does not support");
            }
            if (length + (long) n > limits.maxSeconds() * rate) {
                throw new InvalidInputException(name + " lasts longer than the limit of " + limits.maxSeconds() + " s");
            }
            if (length + n > data[0].length) {
                int cap = Math.max(length + n, data[0].length * 2);
                for (int c = 0; c < ch; c++) {
                    data[c] = Arrays.copyOf(data[c], cap);
                }
            }
            int fmt = f.format();
            boolean planar = avutil.av_sample_fmt_is_planar(fmt) != 0;
            int bytes = avutil.av_get_bytes_per_sample(fmt);
            for (int c = 0; c < ch; c++) {
                ByteBuffer b = f.data(planar ? c : 0).capacity((long) n * bytes * (planar ? 1 : ch)).asByteBuffer().order(ByteOrder.nativeOrder());
                int step = planar ? 1 : ch;
                int first = planar ? 0 : c;
                float[] dst = data[c];
                for (int i = 0; i < n; i++) {
                    int at = (first + i * step) * bytes;
                    dst[length + i] = sample(b, at, fmt, name);
                }
            }
            length += n;
            return true;
        }

        float[][] channels() {
            float[][] out = new float[data.length][];
            for (int c = 0; c < data.length; c++) {
                out[c] = Arrays.copyOf(data[c], length);
            }
            return out;
        }
    }

    private static float sample(ByteBuffer b, int at, int fmt, String name) {
        return switch (fmt) {
            case avutil.AV_SAMPLE_FMT_U8, avutil.AV_SAMPLE_FMT_U8P -> ((b.get(at) & 0xFF) - 128) / 128f;
            case avutil.AV_SAMPLE_FMT_S16, avutil.AV_SAMPLE_FMT_S16P -> b.getShort(at) / 32768f;
            case avutil.AV_SAMPLE_FMT_S32, avutil.AV_SAMPLE_FMT_S32P -> (float) (b.getInt(at) / 2147483648.0);
            case avutil.AV_SAMPLE_FMT_FLT, avutil.AV_SAMPLE_FMT_FLTP -> b.getFloat(at);
            case avutil.AV_SAMPLE_FMT_DBL, avutil.AV_SAMPLE_FMT_DBLP -> (float) b.getDouble(at);
            case avutil.AV_SAMPLE_FMT_S64, avutil.AV_SAMPLE_FMT_S64P -> (float) (b.getLong(at) / 9.223372036854775808e18);
            default -> throw new InvalidInputException(name + " decodes to a sample format qwen4j does not handle (" + fmt + ")");
        };
    }
}
