package io.qwen4j.media;

import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_AUDIO;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;

import io.qwen4j.common.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.ffmpeg.global.swscale;
import org.bytedeco.ffmpeg.swscale.SwsContext;

/**
 * Decodes a video file (MP4, WebM, MKV, MOV, ... with H.264, HEVC, VP8, VP9, AV1, ...) with FFmpeg, keeps
 * the frames a {@link FrameSampler} picks, converted to RGB exactly as PyAV's
 * {@code frame.to_ndarray(format="rgb24")} converts them (swscale, bilinear flags, the frame's own colour
 * space and range), and decodes its soundtrack. Also reads a folder of frame images at a given rate.
 */
public final class VideoDecoder {
    private final MediaLimits limits;
    private final FrameSampler sampler;

    public VideoDecoder(MediaLimits limits, FrameSampler sampler) {
        this.limits = limits;
        this.sampler = sampler;
    }

    public VideoDecoder() {
        this(MediaLimits.DEFAULT, FrameSampler.DEFAULT);
    }

    public DecodedVideo decode(Path file) {
        int total;
        double fps;
        try (FfmpegInput in = FfmpegInput.open(file, limits)) {
            int s = in.bestStream(AVMEDIA_TYPE_VIDEO);
            if (s < 0) {
                throw new InvalidInputException(in.name + " has no video stream");
            }
            double declared = in.durationSeconds();
            if (declared > limits.maxSeconds()) {
                throw new InvalidInputException(in.name + " lasts " + Math.round(declared) + " s, over the limit of " + limits.maxSeconds() + " s");
            }
            in.checkPixels(s, limits);
            fps = frameRate(in.stream(s), in.name);
            total = in.countPackets(s, limits.maxVideoFrames()); // one packet per shown frame in these containers
        }
        return decode(file, total, fps);
    }

    private DecodedVideo decode(Path file, int total, double fps) {
        int[] wanted = sampler.indices(total, fps);
        List<RgbImage> frames = new ArrayList<>();
        int[] decoded = {0};
        String codec;
        Optional<DecodedAudio> audio;
        try (FfmpegInput in = FfmpegInput.open(file, limits)) {
            int s = in.bestStream(AVMEDIA_TYPE_VIDEO);
            AVCodecContext ctx = in.openDecoder(s);
            codec = ctx.codec().name().getString();
            SwsContext sws = swscale.sws_alloc_context();
            try {
                in.decode(s, ctx, frame -> {
                    int i = decoded[0]++;
                    if (frames.size() < wanted.length && wanted[frames.size()] == i) {
                        RgbImage img = toRgb(frame, sws, in.name);
                        frames.add(img);
                        // a frame index may repeat when the video is shorter than minFrames
                        while (frames.size() < wanted.length && wanted[frames.size()] == i) {
                            frames.add(img);
                        }
                    }
                    return decoded[0] <= limits.maxVideoFrames();
                });
            } finally {
                swscale.sws_free_context(sws);
                avcodec_free_context(ctx);
            }
            int a = in.bestStream(AVMEDIA_TYPE_AUDIO);
            audio = Optional.empty();
            if (a >= 0) {
                try (FfmpegInput again = FfmpegInput.open(file, limits)) {
                    audio = Optional.of(AudioDecoder.decodeStream(again, a, limits));
                }
            }
        }
        if (decoded[0] == 0) {
            throw new InvalidInputException(file.getFileName() + " holds no video frames (empty or truncated)");
        }
        if (decoded[0] != total) {
            // The packet count was not the frame count (rare codecs or damaged files): sample the real count.
            return decode(file, decoded[0], fps);
        }
        return new DecodedVideo(frames, wanted, total, fps, sampler.fps(), codec, audio);
    }

    /**
     * A folder of frame images (sorted by file name) shown at {@code fps} frames per second, sampled like a
     * decoded video.
     */
    public DecodedVideo decodeFrames(Path folder, double fps) {
        if (!Files.isDirectory(folder)) {
            throw new InvalidInputException(folder + " is not a folder of frame images");
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(folder)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new InvalidInputException("cannot list the frames in " + folder + ": " + MediaFiles.oneLine(e));
        }
        if (files.isEmpty()) {
            throw new InvalidInputException(folder + " holds no frame images");
        }
        if (files.size() > limits.maxVideoFrames()) {
            throw new InvalidInputException(folder + " holds " + files.size() + " frames, over the limit of " + limits.maxVideoFrames());
        }
        int[] wanted = sampler.indices(files.size(), fps);
        ImageDecoder images = new ImageDecoder(limits);
        List<RgbImage> frames = new ArrayList<>();
        for (int i : wanted) {
            frames.add(images.decode(files.get(i)));
        }
        return new DecodedVideo(frames, wanted, files.size(), fps, sampler.fps(), "images", Optional.empty());
    }

    private static double frameRate(AVStream st, String name) {
        AVRational r = st.avg_frame_rate();
        double fps = r.den() == 0 ? 0 : avutil.av_q2d(r);
        if (!(fps > 0)) {
            r = st.r_frame_rate();
            fps = r.den() == 0 ? 0 : avutil.av_q2d(r);
        }
        if (!(fps > 0)) {
            throw new InvalidInputException(name + " does not say its frame rate");
        }
        return fps;
    }

    // mirrors PyAV's VideoReformatter._reformat(format="rgb24") with its defaults
    private RgbImage toRgb(AVFrame src, SwsContext sws, String name) {
        int w = src.width();
        int h = src.height();
        if ((long) w * h > limits.maxPixels()) {
            throw new InvalidInputException(name + " has " + w + "x" + h + " frames, over the limit of " + limits.maxPixels() + " pixels");
        }
        AVFrame dst = avutil.av_frame_alloc();
        int srcTrc = src.color_trc();
        int srcPrimaries = src.color_primaries();
        int srcSpace = src.colorspace();
        int srcRange = src.color_range();
        try {
            dst.format(avutil.AV_PIX_FMT_RGB24);
            dst.width(w);
            dst.height(h);
            dst.colorspace(pyavColorspace(srcSpace));
            dst.color_range(srcRange);
            dst.color_trc(avutil.AVCOL_TRC_UNSPECIFIED);
            dst.color_primaries(avutil.AVCOL_PRI_UNSPECIFIED);
            src.color_trc(avutil.AVCOL_TRC_UNSPECIFIED);
            src.color_primaries(avutil.AVCOL_PRI_UNSPECIFIED);
            src.colorspace(pyavColorspace(srcSpace));
            int r = avutil.av_frame_get_buffer(dst, 0);
            if (r >= 0) {
                sws.flags(swscale.SWS_BILINEAR);
                sws.threads(1);
                r = swscale.sws_scale_frame(sws, dst, src);
            }
            if (r < 0) {
                throw new InvalidInputException(name + ": cannot convert a frame to RGB: " + FfmpegInput.error(r));
            }
            byte[] rgb = new byte[w * h * 3];
            int stride = dst.linesize(0);
            var data = dst.data(0);
            for (int y = 0; y < h; y++) {
                data.position((long) y * stride).get(rgb, y * w * 3, w * 3);
            }
            return new RgbImage(w, h, rgb);
        } finally {
            src.color_trc(srcTrc);
            src.color_primaries(srcPrimaries);
            src.colorspace(srcSpace);
            avutil.av_frame_free(dst);
        }
    }

    /**
     * PyAV reads a frame's AVColorSpace as an SWS_CS_* value and maps it back (reformatter.py,
     * {@code _set_frame_colorspace}): 5 (BT470BG) becomes SMPTE170M, the others it knows stay, the rest
     * are left as they are.
     */
    private static int pyavColorspace(int cs) {
        return cs == avutil.AVCOL_SPC_BT470BG ? avutil.AVCOL_SPC_SMPTE170M : cs;
    }
}
