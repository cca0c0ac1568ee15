package io.qwen4j.cli;

import io.qwen4j.common.InvalidInputException;
import io.qwen4j.media.AudioDecoder;
import io.qwen4j.media.AudioFeatures;
import io.qwen4j.media.DecodedAudio;
import io.qwen4j.media.DecodedVideo;
import io.qwen4j.media.ImageDecoder;
import io.qwen4j.media.ImagePatches;
import io.qwen4j.media.LogMel;
import io.qwen4j.media.RgbImage;
import io.qwen4j.media.VideoDecoder;
import io.qwen4j.media.VideoPatches;
import io.qwen4j.media.VisionProcessor;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code qwen4j media-info}: what qwen4j decodes from media files and what Qwen3-Omni's processor makes of them. */
@Command(name = "media-info",
        mixinStandardHelpOptions = true,
        description = {
            "Decodes images, audio and video as Qwen3-Omni's processor would and prints what came out.",
            "%nFor each file: format, size or duration, the resized size and patch grid, and how many placeholder"
                + " tokens it becomes in a prompt. A folder is read as video frames (see --fps).",
            "%nExamples:%n  qwen4j media-info photo.jpg speech.flac clip.mp4%n  qwen4j media-info --fps 4 frames/%n"
        })
final class MediaInfoCommand implements Callable<Integer> {
    private static final Set<String> IMAGES = Set.of("png", "jpg", "jpeg", "gif", "bmp", "webp");
    private static final Set<String> AUDIO = Set.of("wav", "flac", "mp3", "ogg", "oga", "opus", "m4a", "aac");

    enum Kind { IMAGE, AUDIO, VIDEO }

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Media files, or folders of video frames.")
    List<Path> files;

    @Option(names = "--as", paramLabel = "KIND", description = "Treat every file as this kind: ${COMPLETION-CANDIDATES} (default: by extension;"
            + " anything not an image or audio extension is read as video).")
    Kind kind;

    @Option(names = "--fps", defaultValue = "2", paramLabel = "FPS", description = "Frame rate of a folder of frames (default: ${DEFAULT-VALUE}).")
    double fps;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        VisionProcessor vision = new VisionProcessor();
        LogMel mel = new LogMel();
        for (Path f : files) {
            String name = f.getFileName() == null ? f.toString() : f.getFileName().toString();
            if (Files.isDirectory(f)) {
                DecodedVideo v = new VideoDecoder().decodeFrames(f, fps);
                out.println(name + ": " + video(v, vision, mel));
                continue;
            }
            switch (kind != null ? kind : kindOf(name)) {
                case IMAGE -> {
                    RgbImage img = new ImageDecoder().decode(f);
                    ImagePatches p = vision.image(img);
                    out.printf(Locale.ROOT, "%s: image %dx%d -> resized %dx%d, grid %dx%dx%d, %d <|image_pad|> tokens%n", name,
                            img.width(), img.height(), p.gridW() * vision.imageConfig().patchSize(), p.gridH() * vision.imageConfig().patchSize(), p.gridT(), p.gridH(), p.gridW(), p.tokens());
                }
                case AUDIO -> {
                    DecodedAudio a = new AudioDecoder().decode(f);
                    out.println(name + ": " + audio(a, mel));
                }
                case VIDEO -> out.println(name + ": " + video(new VideoDecoder().decode(f), vision, mel));
                default -> throw new InvalidInputException("unknown media kind for " + name);
            }
        }
        return 0;
    }

    private static Kind kindOf(String name) {
        int dot = name.lastIndexOf('.');
        String ext = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
        return IMAGES.contains(ext) ? Kind.IMAGE : AUDIO.contains(ext) ? Kind.AUDIO : Kind.VIDEO;
    }

    private static String audio(DecodedAudio a, LogMel mel) {
        AudioFeatures feats = mel.extract(a.mono(LogMel.SAMPLE_RATE));
        return String.format(Locale.ROOT, "audio %s %d Hz, %d channel%s, %.2f s -> %d log-mel frames, %d <|audio_pad|> tokens",
                a.codec(), a.sampleRate(), a.channels().length, a.channels().length == 1 ? "" : "s", a.seconds(), feats.validFrames(), feats.tokens());
    }

    private static String video(DecodedVideo v, VisionProcessor vision, LogMel mel) {
        RgbImage first = v.frames().getFirst();
        VideoPatches p = vision.video(v.frames(), v.samplingFps());
        String s = String.format(Locale.ROOT, "video %s %dx%d %.3g fps, %d frames, %d sampled at %.3g fps -> grid %dx%dx%d, %d <|video_pad|> tokens, %.3g s per temporal patch",
                v.codec(), first.width(), first.height(), v.videoFps(), v.totalFrames(), v.frames().size(), v.samplingFps(),
                p.gridT(), p.gridH(), p.gridW(), p.tokens(), p.secondPerGrid());
        if (v.audio().isPresent()) {
            DecodedAudio a = v.audio().get();
            AudioFeatures feats = mel.extract(a.mono(LogMel.SAMPLE_RATE));
            s += String.format(Locale.ROOT, "; soundtrack %s %d Hz, %.2f s -> %d <|audio_pad|> tokens (%d interleaved with the video's)",
                    a.codec(), a.sampleRate(), a.seconds(), feats.tokens(), feats.tokens() + p.tokens());
        }
        return s;
    }
}
