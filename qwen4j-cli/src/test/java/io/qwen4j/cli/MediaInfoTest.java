package io.qwen4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.formats.Json;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code qwen4j media-info} on the media fixtures: token counts as transformers' processor gives them. */
class MediaInfoTest {
    private static Path media(String... parts) {
        return Path.of(System.getProperty("qwen4j.fixtures"), "media").resolve(Path.of("", parts));
    }

    @Test
    void printsTokenCountsOfEveryKind() {
        JsonNode images = Json.read(media("golden", "images.json"));
        JsonNode audio = Json.read(media("golden", "audio.json"));
        JsonNode video = Json.read(media("golden", "video.json"));
        CliRunner r = CliRunner.run("media-info", media("images", "horse.png").toString(), media("audio", "espeak-en-harvard-02.flac").toString(),
                media("video", "slideshow-speech.webm").toString());
        assertEquals(0, r.status(), r.toString());
        String[] lines = r.out().split("\n");
        assertTrue(lines[0].contains(images.get("file.horse.png").get("tokens").asInt() + " <|image_pad|> tokens"), r.out());
        assertTrue(lines[1].contains(audio.get("file.espeak-en-harvard-02.flac").get("audio_tokens").asInt() + " <|audio_pad|> tokens"), r.out());
        JsonNode v = video.get("file.slideshow-speech.webm");
        assertTrue(lines[2].contains(v.get("tokens").asInt() + " <|video_pad|> tokens"), r.out());
        assertTrue(lines[2].contains(v.get("audio_tokens").asInt() + " <|audio_pad|> tokens"), r.out());
    }

    @Test
    void aBrokenFileIsOneErrorLine() {
        CliRunner r = CliRunner.run("media-info", media("bad", "truncated.png").toString());
        assertEquals(1, r.status(), r.toString());
        assertTrue(r.err().startsWith("error: truncated.png is corrupt or truncated"), r.err());
        assertEquals(1, r.err().strip().split("\n").length, r.err());
    }
}
