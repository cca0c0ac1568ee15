package io.qwen4j.media;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.qwen4j.common.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Corrupt, truncated, unsupported and oversized inputs: one clear line each, never a crash or a hang. */
class BadInputTest {
    private static void rejects(String expected, Executable decode) {
        InvalidInputException e = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> assertThrows(InvalidInputException.class, decode));
        String m = e.getMessage();
        System.out.println("rejected: " + m);
        assertFalse(m.contains("\n"), "one line: " + m);
        assertTrue(m.contains(expected), "message names " + expected + ": " + m);
    }

    private static Path bad(String name) {
        return MediaGoldens.file("bad", name);
    }

    @Test
    void imagesThatAreBroken() {
        ImageDecoder dec = new ImageDecoder();
        rejects("truncated.png", () -> dec.decode(bad("truncated.png")));
        rejects("corrupt.jpg", () -> dec.decode(bad("corrupt.jpg")));
        rejects("truncated.jpg is corrupt or truncated", () -> dec.decode(bad("truncated.jpg"))); // ImageIO alone only warns
        rejects("truncated.webp is truncated", () -> dec.decode(bad("truncated.webp")));
        rejects("not-media.mp3", () -> dec.decode(bad("not-media.mp3")));
    }

    @Test
    void audioThatIsBroken() {
        AudioDecoder dec = new AudioDecoder();
        rejects("truncated.wav", () -> dec.decode(bad("truncated.wav")));
        rejects("truncated.flac", () -> dec.decode(bad("truncated.flac")));
        rejects("not-media.mp3", () -> dec.decode(bad("not-media.mp3")));
        rejects("no audio stream", () -> dec.decode(MediaGoldens.file("images", "horse.png")));
    }

    @Test
    void videoThatIsBroken() {
        VideoDecoder dec = new VideoDecoder();
        rejects("truncated.mp4", () -> dec.decode(bad("truncated.mp4")));
        rejects("no video stream", () -> dec.decode(MediaGoldens.file("audio", "speech-22k.mp3")));
    }

    @Test
    void missingAndEmptyFiles(@TempDir Path tmp) throws Exception {
        rejects("does not exist", () -> new ImageDecoder().decode(tmp.resolve("none.png")));
        Path empty = Files.createFile(tmp.resolve("empty.wav"));
        rejects("is empty", () -> new AudioDecoder().decode(empty));
        rejects("not a folder of frame images", () -> new VideoDecoder().decodeFrames(tmp.resolve("nothing-here"), 2));
        Path none = Files.createDirectory(tmp.resolve("no-frames"));
        rejects("holds no frame images", () -> new VideoDecoder().decodeFrames(none, 2));
    }

    @Test
    void limitsAreEnforced() {
        MediaLimits small = MediaLimits.builder().maxPixels(10_000).maxBytes(50_000).maxSeconds(1.0).maxVideoFrames(50).build();
        rejects("over the limit of 10000 pixels", () -> new ImageDecoder(small).decode(MediaGoldens.file("images", "debian-logo-256.png")));
        rejects("over the limit of 50000 bytes", () -> new ImageDecoder(small).decode(MediaGoldens.file("images", "rocket.jpg")));
        MediaLimits oneSecond = MediaLimits.builder().maxSeconds(1.0).build();
        rejects("over the limit of 1.0 s", () -> new AudioDecoder(oneSecond).decode(MediaGoldens.file("audio", "espeak-en-harvard-02.flac")));
        rejects("over the limit of 1.0 s", () -> new VideoDecoder(oneSecond, FrameSampler.DEFAULT).decode(MediaGoldens.file("video", "slideshow-speech.mp4")));
        rejects("151x101 pixels, over the limit of 10000", () -> new ImageDecoder(small).decode(MediaGoldens.file("images", "chelsea-151x101-lossy.webp")));
        MediaLimits fewPixels = MediaLimits.builder().maxPixels(10_000).build();
        rejects("426x240 pixels, over the limit of 10000", () -> new VideoDecoder(fewPixels, FrameSampler.DEFAULT).decode(MediaGoldens.file("video", "slideshow-speech.webm")));
        MediaLimits frames = MediaLimits.builder().maxVideoFrames(50).build();
        rejects("over the limit", () -> new VideoDecoder(frames, FrameSampler.DEFAULT).decode(MediaGoldens.file("video", "slideshow-av1.webm")));
        rejects("aspect ratio", () -> new VisionProcessor().image(new RgbImage(1000, 4, new byte[1000 * 4 * 3])));
        rejects("too short", () -> new LogMel().extract(new float[200]));
    }
}
