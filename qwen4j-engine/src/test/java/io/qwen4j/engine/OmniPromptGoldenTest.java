package io.qwen4j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.common.InvalidInputException;
import io.qwen4j.core.MediaInputs;
import io.qwen4j.formats.Json;
import io.qwen4j.tokenizer.Tokenizer;
import io.qwen4j.tokenizer.chat.ChatMessage;
import io.qwen4j.tokenizer.chat.ContentPart;
import io.qwen4j.tokenizer.chat.RenderOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Prompt building for Qwen3-Omni against transformers (tools/golden/make_omni_prompt_goldens.py): conversations with
 * image, audio and video parts rendered with the built-in Omni template, expanded as
 * Qwen3OmniMoeProcessor.replace_multimodal_special_tokens does (use_audio_in_video included) and tokenised: the
 * rendered text and the ids must be equal. The media go through qwen4j-media, whose grids and lengths must be
 * what HF's processors made of the same files.
 */
class OmniPromptGoldenTest {
    @TempDir
    static Path tmp;

    static Tokenizer tokenizer;
    static JsonNode goldens;

    @BeforeAll
    static void load() {
        tokenizer = OmniFixtures.omniTokenizer(tmp);
        goldens = Json.read(OmniFixtures.fixtures().resolve("omni-prompt/goldens.json"));
    }

    static Stream<String> cases() {
        List<String> names = new ArrayList<>();
        Json.read(OmniFixtures.fixtures().resolve("omni-prompt/goldens.json")).get("cases").forEach(c -> names.add(c.get("name").asText()));
        return names.stream();
    }

    static JsonNode golden(String name) {
        for (JsonNode c : goldens.get("cases")) {
            if (c.get("name").asText().equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no case " + name);
    }

    /** The case's messages with media paths made absolute (the goldens name them relative to fixtures/). */
    static List<ChatMessage> messages(JsonNode c) {
        List<ChatMessage> out = new ArrayList<>();
        for (JsonNode m : c.get("messages")) {
            ObjectNode copy = m.deepCopy();
            if (copy.get("content").isArray()) {
                copy.get("content").forEach(p -> {
                    for (String key : List.of("image", "audio", "video")) {
                        if (p.has(key)) {
                            ((ObjectNode) p).put(key, OmniFixtures.fixtures().resolve(p.get(key).asText()).toString());
                        }
                    }
                });
            }
            out.add(ChatMessage.fromJson(copy));
        }
        return out;
    }

    static RenderOptions options(JsonNode c) {
        RenderOptions.Builder b = RenderOptions.builder().addGenerationPrompt(true);
        if (c.get("kwargs").has("enable_thinking")) {
            b.enableThinking(c.get("kwargs").get("enable_thinking").asBoolean());
        }
        return b.build();
    }

    static OmniPrompt prompt() {
        return new OmniPrompt(tokenizer, OmniPrompt.fallbackTemplate(), new OmniMedia());
    }

    @ParameterizedTest
    @MethodSource("cases")
    void renderedTextAndExpandedIdsMatchTransformers(String name) {
        JsonNode c = golden(name);
        OmniPrompt.Prompt p = prompt().build(messages(c), options(c), c.get("use_audio_in_video").asBoolean());
        assertEquals(c.get("text").asText(), p.text(), name + ": rendered text");
        int[] expected = Json.MAPPER.convertValue(c.get("ids"), int[].class);
        assertEquals(expected.length, p.ids().length, name + ": id count");
        assertArrayEquals(expected, p.ids(), name + ": ids");
        MediaInputs m = p.media();
        assertEquals(c.get("use_audio_in_video").asBoolean(), m.audioInVideo());
        assertArrayEquals(ints(c.get("feature_lens")), m.audios().stream().mapToInt(MediaInputs.Audio::validFrames).toArray(),
                name + ": valid frames of each clip (feature_attention_mask sums of one feature-extractor call)");
    }

    /** Each kind's sizes as HF's processors recorded them for the same files (fixtures/media/golden). */
    @Test
    void processedMediaHaveTheProcessorsSizes() {
        JsonNode c = golden("multi-turn-mixed");
        OmniPrompt.Prompt p = prompt().build(messages(c), options(c), true);
        JsonNode images = Json.read(OmniFixtures.fixtures().resolve("media/golden/images.json"));
        JsonNode video = Json.read(OmniFixtures.fixtures().resolve("media/golden/video.json"));
        MediaInputs m = p.media();
        assertArrayEquals(ints(images.get("file.chelsea-150x100-q85.jpg").get("grid_thw")), m.images().getFirst().grid());
        JsonNode v = video.get("file.slideshow-speech.mp4");
        assertArrayEquals(ints(v.get("grid_thw")), m.videos().getFirst().grid());
        assertEquals(v.get("second_per_grid").asDouble(), m.videos().getFirst().secondsPerGrid(), 0);
        // audio in placeholder order: speech-8k, harvard-01, then the video's soundtrack (the longest: its own frame count)
        assertEquals(3, m.audios().size());
        assertEquals(v.get("feature_len").asInt(), m.audios().get(2).validFrames());
        // padded together to the longest clip, as the processor's feature extractor pads a prompt's audio
        int frames = m.audios().get(0).features().cols();
        assertTrue(m.audios().stream().allMatch(a -> a.features().cols() == frames));
    }

    /** OpenAI's spellings and data: URLs give the same prompt as file paths. */
    @Test
    void dataUrlsAndOpenAiPartsAreTheSameMedia() throws IOException {
        JsonNode c = golden("image");
        Path image = OmniFixtures.fixtures().resolve("media/images/chelsea-150x100-q85.jpg");
        String url = "data:image/jpeg;base64," + Base64.getEncoder().encodeToString(Files.readAllBytes(image));
        List<ChatMessage> messages = List.of(ChatMessage.system("Be brief."), ChatMessage.user(List.of(
                new ContentPart("image_url", Map.of("image_url", Map.of("url", url))), ContentPart.text("What is this?"))));
        OmniPrompt.Prompt p = prompt().build(messages, options(c), false);
        assertArrayEquals(Json.MAPPER.convertValue(c.get("ids"), int[].class), p.ids());

        JsonNode a = golden("audio");
        Path wav = OmniFixtures.fixtures().resolve("media/audio/espeak-en-harvard-01.16k.wav");
        List<ChatMessage> audio = List.of(ChatMessage.user(List.of(new ContentPart("input_audio", Map.of("input_audio",
                Map.of("data", Base64.getEncoder().encodeToString(Files.readAllBytes(wav)), "format", "wav"))),
                ContentPart.text("Transcribe it."))));
        assertArrayEquals(Json.MAPPER.convertValue(a.get("ids"), int[].class), prompt().build(audio, options(a), false).ids());
    }

    @Test
    void badMediaGiveOneLineErrors() {
        Path bad = OmniFixtures.fixtures().resolve("media/bad/truncated.png");
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> prompt().build(
                List.of(ChatMessage.user(List.of(ContentPart.image(bad.toString()), ContentPart.text("?")))), RenderOptions.defaults(), false));
        assertTrue(e.getMessage().contains("truncated.png") && !e.getMessage().contains("\n"), e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> prompt().build(List.of(ChatMessage.user(List.of(
                ContentPart.image("https://example.com/cat.png")))), RenderOptions.defaults(), false));
        assertTrue(e.getMessage().contains("remote"), e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> prompt().build(List.of(ChatMessage.user(List.of(
                ContentPart.audio("data:audio/wav;base64,@@@")))), RenderOptions.defaults(), false));
        assertTrue(e.getMessage().contains("base64"), e.getMessage());
    }

    /**
     * Which template a Qwen3-Omni model is chatted with: the processor's chat_template.json over the tokenizer's text
     * template; the built-in one when neither places media or there is none; a text model keeps its own.
     */
    @Test
    void aMultimodalModelIsTemplatedByItsProcessor() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("template-choice"));
        Path fixtures = OmniFixtures.fixtures().resolve("chat");
        Files.copy(fixtures.resolve("qwen3/tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
        io.qwen4j.tokenizer.chat.ChatTemplate text = io.qwen4j.tokenizer.chat.ChatTemplate.load(dir);
        assertEquals(text, ChatEngine.chooseTemplate(dir, text, false, "none"), "a text model keeps its template");
        String fallback = OmniPrompt.fallbackTemplate().text();
        assertEquals(fallback, ChatEngine.chooseTemplate(dir, text, true, "none").text(), "a text template cannot place media");
        assertEquals(fallback, ChatEngine.chooseTemplate(dir, null, true, "none").text(), "no template at all");
        Files.copy(fixtures.resolve("omni-style/chat_template.json"), dir.resolve("chat_template.json"));
        String processor = io.qwen4j.tokenizer.chat.ChatTemplate.load(dir.resolve("chat_template.json")).text();
        assertEquals(processor, ChatEngine.chooseTemplate(dir, text, true, "none").text(), "the processor's template");
        assertThrows(io.qwen4j.common.ModelFileException.class, () -> ChatEngine.chooseTemplate(dir, null, false, "no template"));
    }

    static int[] ints(JsonNode a) {
        return Json.MAPPER.convertValue(a, int[].class);
    }
}
