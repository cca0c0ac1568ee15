package io.qwen4j.cli;

import io.qwen4j.engine.OmniMedia;
import io.qwen4j.tokenizer.chat.ContentPart;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
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

    /**
     * The media as message parts, in the order they were given on the command line ({@code args}: the original
     * arguments); a folder of frames is a video part with its {@code fps}.
     */
    List<ContentPart> parts(List<String> args) {
        Iterator<Path> image = images.iterator();
        Iterator<Path> audio = audios.iterator();
        Iterator<VideoArg> video = videos.iterator();
        List<ContentPart> out = new ArrayList<>();
        for (String a : args) {
            String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            switch (name) {
                case "--image" -> {
                    if (image.hasNext()) {
                        out.add(ContentPart.image(image.next().toString()));
                    }
                }
                case "--audio" -> {
                    if (audio.hasNext()) {
                        out.add(ContentPart.audio(audio.next().toString()));
                    }
                }
                case "--video", "--video-frames" -> {
                    if (video.hasNext()) {
                        VideoArg v = video.next();
                        out.add(v.file != null ? ContentPart.video(v.file.toString())
                                : new ContentPart("video", Map.of("video", v.frames.folder.toString(), "fps", v.frames.fps)));
                    }
                }
                default -> { }
            }
        }
        image.forEachRemaining(p -> out.add(ContentPart.image(p.toString())));
        audio.forEachRemaining(p -> out.add(ContentPart.audio(p.toString())));
        video.forEachRemaining(v -> out.add(v.file != null ? ContentPart.video(v.file.toString())
                : new ContentPart("video", Map.of("video", v.frames.folder.toString(), "fps", v.frames.fps))));
        return out;
    }

    /** The videos in the order given, files and frame folders alike. */
    List<OmniMedia.Source> videoSources() {
        return videos.stream().<OmniMedia.Source>map(v -> v.file != null ? new OmniMedia.FileSource(v.file)
                : new OmniMedia.FramesSource(v.frames.folder, v.frames.fps)).toList();
    }
}
