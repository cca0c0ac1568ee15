package io.qwen4j.media;

import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder_by_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_to_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_frame;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_packet;
import static org.bytedeco.ffmpeg.global.avformat.av_find_best_stream;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_find_stream_info;
import static org.bytedeco.ffmpeg.global.avformat.avformat_open_input;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_QUIET;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_unref;
import static org.bytedeco.ffmpeg.global.avutil.av_log_set_level;
import static org.bytedeco.ffmpeg.global.avutil.av_strerror;

import io.qwen4j.common.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacpp.PointerPointer;

/**
 * One media file opened with FFmpeg (libavformat + libavcodec through JavaCPP): the best stream of a
 * kind, its decoder, and a decode loop that hands each decoded frame to a callback. Every FFmpeg error
 * becomes a one-line {@link InvalidInputException} naming the file.
 */
final class FfmpegInput implements AutoCloseable {
    static {
        av_log_set_level(AV_LOG_QUIET); // errors are reported through return codes, not stderr
    }

    /** Software AV1 decoders, best first (FFmpeg's own "av1" decoder needs a hardware accelerator). */
    private static final String[] AV1_DECODERS = {"libdav1d", "libaom-av1"};

    final String name;
    final AVFormatContext fmt;

    /** What the decode loop does with each frame: false stops it. */
    interface FrameSink {
        boolean accept(AVFrame frame);
    }

    private FfmpegInput(String name, AVFormatContext fmt) {
        this.name = name;
        this.fmt = fmt;
    }

    static FfmpegInput open(Path file, MediaLimits limits) {
        return open(file, file.getFileName().toString(), limits);
    }

    /** Opens {@code file}, naming it {@code name} in error messages. */
    static FfmpegInput open(Path file, String name, MediaLimits limits) {
        MediaFiles.checkSize(file, limits);
        AVFormatContext fmt = new AVFormatContext(null);
        int r = avformat_open_input(fmt, file.toAbsolutePath().toString(), null, null);
        if (r < 0) {
            throw new InvalidInputException(name + " is not a media file FFmpeg can read: " + error(r));
        }
        FfmpegInput in = new FfmpegInput(name, fmt);
        r = avformat_find_stream_info(fmt, (PointerPointer<?>) null);
        if (r < 0) {
            in.close();
            throw new InvalidInputException(name + " is corrupt or truncated: " + error(r));
        }
        return in;
    }

    /** The index of the best stream of a type ({@code AVMEDIA_TYPE_AUDIO}, {@code _VIDEO}), or -1. */
    int bestStream(int mediaType) {
        int s = av_find_best_stream(fmt, mediaType, -1, -1, (AVCodec) null, 0);
        return s < 0 ? -1 : s;
    }

    AVStream stream(int index) {
        return fmt.streams(index);
    }

    /** Seconds the container says it lasts, or NaN when it does not say. */
    double durationSeconds() {
        long d = fmt.duration();
        return d == avutil.AV_NOPTS_VALUE || d <= 0 ? Double.NaN : d / (double) avutil.AV_TIME_BASE;
    }

    /** Refuses a picture stream whose declared size is over the limit, before anything is decoded. */
    void checkPixels(int index, MediaLimits limits) {
        var par = stream(index).codecpar();
        if ((long) par.width() * par.height() > limits.maxPixels()) {
            throw new InvalidInputException(name + " is " + par.width() + "x" + par.height() + " pixels, over the limit of " + limits.maxPixels() + " pixels");
        }
    }

    AVCodecContext openDecoder(int index) {
        AVStream st = stream(index);
        int id = st.codecpar().codec_id();
        AVCodec codec = null;
        if (id == avcodec.AV_CODEC_ID_AV1) {
            for (String n : AV1_DECODERS) {
                codec = avcodec_find_decoder_by_name(new org.bytedeco.javacpp.BytePointer(n));
                if (codec != null && !codec.isNull()) {
                    break;
                }
            }
        }
        if (codec == null || codec.isNull()) {
            codec = avcodec_find_decoder(id);
        }
        if (codec == null || codec.isNull()) {
            throw new InvalidInputException(name + " uses a codec FFmpeg cannot decode (" + avcodec.avcodec_get_name(id).getString() + ")");
        }
        AVCodecContext ctx = avcodec_alloc_context3(codec);
        int r = avcodec_parameters_to_context(ctx, st.codecpar());
        if (r >= 0) {
            ctx.thread_count(1); // decoded output does not depend on it; keeps the machine's other cores free
            r = avcodec_open2(ctx, codec, (AVDictionary) null);
        }
        if (r < 0) {
            avcodec_free_context(ctx);
            throw new InvalidInputException(name + ": cannot open its " + codec.name().getString() + " decoder: " + error(r));
        }
        return ctx;
    }

    /** Decodes every packet of one stream, then drains the decoder; a corrupt packet is an error. */
    void decode(int index, AVCodecContext ctx, FrameSink sink) {
        AVPacket pkt = av_packet_alloc();
        AVFrame frame = av_frame_alloc();
        try {
            boolean go = true;
            while (go) {
                int r = av_read_frame(fmt, pkt);
                if (r == AVERROR_EOF) {
                    break;
                }
                if (r < 0) {
                    throw new InvalidInputException(name + " is corrupt or truncated: " + error(r));
                }
                if (pkt.stream_index() == index) {
                    r = avcodec_send_packet(ctx, pkt);
                    if (r < 0 && r != avutil.AVERROR_EAGAIN()) {
                        throw new InvalidInputException(name + " is corrupt: " + error(r));
                    }
                    go = drain(ctx, frame, sink);
                }
                av_packet_unref(pkt);
            }
            if (go) {
                avcodec_send_packet(ctx, null); // flush
                drain(ctx, frame, sink);
            }
        } finally {
            av_packet_free(pkt);
            av_frame_free(frame);
        }
    }

    private boolean drain(AVCodecContext ctx, AVFrame frame, FrameSink sink) {
        while (true) {
            int r = avcodec_receive_frame(ctx, frame);
            if (r == avutil.AVERROR_EAGAIN() || r == AVERROR_EOF) {
                return true;
            }
            if (r < 0) {
                throw new InvalidInputException(name + " is corrupt: " + error(r));
            }
            boolean more = sink.accept(frame);
            av_frame_unref(frame);
            if (!more) {
                return false;
            }
        }
    }

    /** Packets of one stream, without decoding (a cheap frame count). */
    int countPackets(int index, int limit) {
        AVPacket pkt = av_packet_alloc();
        int n = 0;
        try {
            while (true) {
                int r = av_read_frame(fmt, pkt);
                if (r == AVERROR_EOF) {
                    return n;
                }
                if (r < 0) {
                    throw new InvalidInputException(name + " is corrupt or truncated: " + error(r));
                }
                if (pkt.stream_index() == index && ++n > limit) {
                    throw new InvalidInputException(name + " has more than " + limit + " video frames, over the limit");
                }
                av_packet_unref(pkt);
            }
        } finally {
            av_packet_free(pkt);
        }
    }

    static String error(int code) {
        byte[] buf = new byte[256];
        av_strerror(code, buf, buf.length);
        int n = 0;
        while (n < buf.length && buf[n] != 0) {
            n++;
        }
        return new String(buf, 0, n, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        avformat_close_input(fmt);
    }
}
