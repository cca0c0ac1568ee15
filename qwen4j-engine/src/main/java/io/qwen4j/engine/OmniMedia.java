package io.qwen4j.engine;

import io.qwen4j.common.InvalidInputException;
import io.qwen4j.core.MediaInputs;
import io.qwen4j.core.MropePositions;
import io.qwen4j.media.AudioDecoder;
import io.qwen4j.media.AudioFeatures;
import io.qwen4j.media.DecodedVideo;
import io.qwen4j.media.FrameSampler;
import io.qwen4j.media.ImageDecoder;
import io.qwen4j.media.ImagePatches;
import io.qwen4j.media.LogMel;
import io.qwen4j.media.MediaLimits;
import io.qwen4j.media.RgbImage;
import io.qwen4j.media.VideoDecoder;
import io.qwen4j.media.VideoPatches;
import io.qwen4j.media.VisionConfig;
import io.qwen4j.media.VisionProcessor;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * Media files to what Qwen3-Omni's processor hands the thinker ({@link MediaInputs}), with qwen4j-media's decoders
 * and HF-exact processors: images resized and patchified, videos sampled at 2 fps and patchified (their soundtrack
 * kept for {@code use_audio_in_video}), audio at 16 kHz mono, and the log-mel features of all of one prompt's clips
 * computed together as {@code Qwen3OmniMoeProcessor} does (each zero-padded to the longest before the STFT).
 */
public final class OmniMedia {
    /** Where a media item comes from. */
    public sealed interface Source {
        /** A short name for messages. */
        String name();
    }

    /** An image, audio or video file. */
    public record FileSource(Path path) implements Source {
        @Override
        public String name() {
            return String.valueOf(path.getFileName());
        }
    }

    /** A folder of video frames (sorted by name) shown at {@code fps} frames per second. */
    public record FramesSource(Path folder, double fps) implements Source {
        @Override
        public String name() {
            return String.valueOf(folder.getFileName());
        }
    }

    /**
     * A processed video: its patches, the same frames unresized when they already fit the patch grid (see
     * {@link #inputs}), and its soundtrack at 16 kHz mono.
     */
    public record Video(VideoPatches patches, Optional<VideoPatches> unresized, Optional<float[]> soundtrack) {}

    private final MediaLimits limits;
    private final ImageDecoder images;
    private final AudioDecoder audio;
    private final VideoDecoder video;
    private final VisionProcessor vision = new VisionProcessor();
    private final LogMel mel = new LogMel();

    public OmniMedia(MediaLimits limits) {
        this.limits = limits;
        this.images = new ImageDecoder(limits);
        this.audio = new AudioDecoder(limits);
        this.video = new VideoDecoder(limits, FrameSampler.DEFAULT);
    }

    public OmniMedia() {
        this(MediaLimits.DEFAULT);
    }

    public ImagePatches image(Source s) {
        return vision.image(images.decode(file(s, "an image")));
    }

    /** 16 kHz mono samples of an audio file (or of a video's soundtrack). */
    public float[] audio(Source s) {
        return audio.load(file(s, "an audio clip"));
    }

    public Video video(Source s) {
        DecodedVideo v = switch (s) {
            case FileSource f -> video.decode(f.path());
            case FramesSource f -> video.decodeFrames(f.folder(), f.fps());
        };
        VideoPatches patches = vision.video(v.frames(), v.samplingFps());
        Optional<VideoPatches> unresized = Optional.empty();
        RgbImage first = v.frames().getFirst();
        VisionConfig cfg = vision.videoConfig();
        if (s instanceof FramesSource && first.width() % cfg.factor() == 0 && first.height() % cfg.factor() == 0) {
            VisionProcessor asIs = new VisionProcessor(vision.imageConfig(), cfg.withPixels(0, Long.MAX_VALUE));
            unresized = Optional.of(asIs.video(v.frames(), v.samplingFps()));
        }
        return new Video(patches, unresized, v.audio().map(a -> a.mono(LogMel.SAMPLE_RATE)));
    }

    /** The log-mel features of one prompt's clips, in order, padded together as the Omni processor pads them. */
    public List<MediaInputs.Audio> features(List<float[]> waves) {
        if (waves.isEmpty()) {
            return List.of();
        }
        List<MediaInputs.Audio> out = new ArrayList<>();
        for (AudioFeatures f : mel.extractBatch(waves)) {
            out.add(new MediaInputs.Audio(f.features(), f.validFrames()));
        }
        return out;
    }

    static MediaInputs.Visual visual(ImagePatches p) {
        return new MediaInputs.Visual(p.pixelValues(), p.gridT(), p.gridH(), p.gridW(), 0);
    }

    static MediaInputs.Visual visual(VideoPatches p) {
        return new MediaInputs.Visual(p.pixelValues(), p.gridT(), p.gridH(), p.gridW(), p.secondPerGrid());
    }

    /**
     * The inputs of a prompt whose ids are already expanded (as {@code qwen4j logits --ids} takes them): the
     * media of each kind are consumed in the order of their blocks in {@code ids}. With {@code audioInVideo} each
     * audio-in-video block takes its video's soundtrack, or, for a video without one (a folder of frames), the next
     * audio source. A folder of frames whose size is already a multiple of the patch grid is used unresized when the
     * ids hold as many video pads as those frames make and not as many as the resized ones (frames the caller
     * resized, as tools/golden/make_tiny_omni.py feeds them).
     */
    public MediaInputs inputs(int[] ids, MropePositions.TokenIds tokens, List<Source> imageSources, List<Source> audioSources,
                              List<Source> videoSources, boolean audioInVideo) {
        Deque<Source> imageQueue = new ArrayDeque<>(imageSources);
        Deque<Source> audioQueue = new ArrayDeque<>(audioSources);
        Deque<Source> videoQueue = new ArrayDeque<>(videoSources);
        List<MediaInputs.Visual> imageInputs = new ArrayList<>();
        List<MediaInputs.Visual> videoInputs = new ArrayList<>();
        List<float[]> waves = new ArrayList<>();
        for (Block b : blocks(ids, tokens)) {
            switch (b.kind()) {
                case AUDIO -> waves.add(audio(next(audioQueue, "audio", "--audio")));
                case IMAGE -> imageInputs.add(visual(image(next(imageQueue, "image", "--image"))));
                case VIDEO, AUDIO_IN_VIDEO -> {
                    Source s = next(videoQueue, "video", "--video or --video-frames");
                    Video v = video(s);
                    VideoPatches p = v.patches();
                    if (p.tokens() != b.videoPads() && v.unresized().isPresent() && v.unresized().get().tokens() == b.videoPads()) {
                        p = v.unresized().get();
                    }
                    if (p.tokens() != b.videoPads()) {
                        throw new InvalidInputException("video " + s.name() + " makes " + p.tokens() + " <|video_pad|> tokens (grid "
                                + p.gridT() + "x" + p.gridH() + "x" + p.gridW() + ") but its block in the ids has " + b.videoPads());
                    }
                    videoInputs.add(visual(p));
                    if (b.kind() == Kind.AUDIO_IN_VIDEO) {
                        waves.add(v.soundtrack().isPresent() ? v.soundtrack().get() : audio(next(audioQueue, "audio",
                                "--audio (video " + s.name() + " has no soundtrack)")));
                    }
                }
            }
        }
        leftover(imageQueue, "--image", "image");
        leftover(audioQueue, "--audio", "audio");
        leftover(videoQueue, "--video/--video-frames", "video");
        return new MediaInputs(features(waves), imageInputs, videoInputs, audioInVideo);
    }

    enum Kind { AUDIO, IMAGE, VIDEO, AUDIO_IN_VIDEO }

    /** A media block of an expanded prompt: its kind and how many video placeholders it holds. */
    record Block(Kind kind, int videoPads) {}

    /**
     * The media blocks of expanded ids, in order: {@code <|audio_start|>} + audio pads, {@code <|vision_start|>} +
     * image or video pads, and {@code <|vision_start|><|audio_start|>} + interleaved video and audio pads.
     */
    static List<Block> blocks(int[] ids, MropePositions.TokenIds t) {
        List<Block> out = new ArrayList<>();
        for (int i = 0; i + 1 < ids.length; i++) {
            boolean afterVisionStart = i > 0 && ids[i - 1] == t.visionStart();
            if (ids[i] == t.audioStart() && !afterVisionStart) {
                out.add(new Block(Kind.AUDIO, 0));
            } else if (ids[i] == t.visionStart()) {
                int j = i + 1;
                boolean aiv = ids[j] == t.audioStart();
                if (aiv) {
                    j++;
                }
                int video = 0;
                int image = 0;
                for (; j < ids.length && (ids[j] == t.video() || ids[j] == t.image() || ids[j] == t.audio()); j++) {
                    video += ids[j] == t.video() ? 1 : 0;
                    image += ids[j] == t.image() ? 1 : 0;
                }
                if (image > 0) {
                    out.add(new Block(Kind.IMAGE, 0));
                } else if (video > 0) {
                    out.add(new Block(aiv ? Kind.AUDIO_IN_VIDEO : Kind.VIDEO, video));
                }
            }
        }
        return out;
    }

    private static Source next(Deque<Source> queue, String kind, String option) {
        if (queue.isEmpty()) {
            throw new InvalidInputException("the ids have more " + kind + " blocks than media given: add " + option);
        }
        return queue.poll();
    }

    private static void leftover(Deque<Source> queue, String option, String kind) {
        if (!queue.isEmpty()) {
            throw new InvalidInputException(queue.size() + " " + option + " given beyond the " + kind + " blocks of the ids (first: "
                    + queue.peek().name() + ")");
        }
    }

    private static Path file(Source s, String what) {
        return switch (s) {
            case FileSource f -> f.path();
            case FramesSource f -> throw new InvalidInputException(f.folder() + " is a folder of frames, not " + what);
        };
    }

    public MediaLimits limits() {
        return limits;
    }
}
