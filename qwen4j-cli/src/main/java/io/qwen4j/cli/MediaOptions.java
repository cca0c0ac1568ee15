package io.qwen4j.cli;

import io.qwen4j.engine.OmniMedia;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** Media for a Qwen3-Omni model: {@code --image}, {@code --audio}, {@code --video} / {@code --video-frames --fps}, each repeatable. */
final class MediaOptions {
    @Option(names = "--image", paramLabel = "FILE", description = "An image (PNG, JPEG, WebP, GIF, BMP); repeatable, in the order of the prompt's images.")
    List<Path> images = new ArrayList<>();

    @Option(names = "--audio", paramLabel = "FILE", description = "An audio clip (WAV, FLAC, MP3, Ogg, Opus, AAC); repeatable, in the order of the prompt's audio.")
    List<Path> audios = new ArrayList<>();

    @ArgGroup(exclusive = true, multiplicity = "0..*")
    List<VideoArg> videos = new ArrayList<>();

    @Option(names = "--use-audio-in-video", description = "Interleave each video's soundtrack with its frames (HF's use_audio_in_video); a"
            + " video without one (a folder of frames) takes the next --audio.")
    boolean audioInVideo;

    /** One video: a file, or a folder of frames with their rate. */
    static final class VideoArg {
        @Option(names = "--video", paramLabel = "FILE", description = "A video (MP4, WebM, MKV, ...), sampled at 2 frames per second; repeatable.")
        Path file;

        @ArgGroup(exclusive = false, multiplicity = "1")
        Frames frames;
    }

    /** {@code --video-frames DIR [--fps N]}. */
    static final class Frames {
        @Option(names = "--video-frames", required = true, paramLabel = "DIR",
                description = "A folder of video frames (images, in file-name order) instead of a video file; repeatable.")
        Path folder;

        @Option(names = "--fps", paramLabel = "N", defaultValue = "2",
                description = "Frames per second of the preceding --video-frames (default: ${DEFAULT-VALUE}).")
        double fps;
    }

    boolean any() {
        return !images.isEmpty() || !audios.isEmpty() || !videos.isEmpty();
    }

    List<OmniMedia.Source> imageSources() {
        return images.stream().<OmniMedia.Source>map(OmniMedia.FileSource::new).toList();
    }

    List<OmniMedia.Source> audioSources() {
        return audios.stream().<OmniMedia.Source>map(OmniMedia.FileSource::new).toList();
    }

    /** The videos in the order given, files and frame folders alike. */
    List<OmniMedia.Source> videoSources() {
        return videos.stream().<OmniMedia.Source>map(v -> v.file != null ? new OmniMedia.FileSource(v.file)
                : new OmniMedia.FramesSource(v.frames.folder, v.frames.fps)).toList();
    }
}
