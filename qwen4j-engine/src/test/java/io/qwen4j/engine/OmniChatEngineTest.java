package io.qwen4j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.common.InvalidInputException;
import io.qwen4j.core.Batch;
import io.qwen4j.core.CausalLm;
import io.qwen4j.core.KvCache;
import io.qwen4j.models.Architectures;
import io.qwen4j.models.LoadOptions;
import io.qwen4j.tensor.FloatMatrix;
import io.qwen4j.tokenizer.chat.ChatMessage;
import io.qwen4j.tokenizer.chat.ContentPart;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Qwen3-Omni chat through the engine, on the tiny checkpoint with its byte tokenizer: conversations with image,
 * audio and video parts are built (template, processors, expansion), prefilled in chunks smaller than their media
 * spans next to other sequences, and decoded with the rope delta; each must give the greedy tokens of one plain
 * forward pass over the same ids and media. The prefix cache reuses a prompt's KV only where text and media match.
 */
class OmniChatEngineTest {
    static final Path MEDIA = OmniFixtures.fixtures().resolve("media");
    static final Path IMAGE = OmniFixtures.fixtures().resolve("media-golden/chelsea-90x60.png");
    static final Path AUDIO = OmniFixtures.fixtures().resolve("media-golden/harvard-01-02.16k.wav");
    static final Path VIDEO = MEDIA.resolve("video/slideshow-speech.mp4");
    static final int ANSWER = 6;

    @TempDir
    static Path tmp;

    static CausalLm model;
    static ChatEngine chat;

    @BeforeAll
    static void open() {
        model = Architectures.load(OmniFixtures.tinyOmni(), LoadOptions.defaults().withThreads(2));
        // batches of at most 29 tokens: every media span is prefilled in several chunks
        chat = new ChatEngine("tiny-omni", model, OmniFixtures.tinyTokenizer(), OmniPrompt.fallbackTemplate(),
                GenerationDefaults.TRANSFORMERS, EngineOptions.defaults().withMaxBatchTokens(29).withPrefixCacheTokens(1 << 16));
    }

    @AfterAll
    static void close() {
        chat.close();
    }

    static ChatRequest request(boolean audioInVideo, ContentPart... parts) {
        List<ContentPart> content = new ArrayList<>(Arrays.asList(parts));
        content.add(ContentPart.text("What is this?"));
        return ChatRequest.builder(List.of(ChatMessage.system("Be brief."), ChatMessage.user(content)), SamplingParams.greedy())
                .maxTokens(ANSWER).ignoreEos(true).useAudioInVideo(audioInVideo).build();
    }

    static ChatRequest mixed() {
        return request(false, ContentPart.audio(AUDIO.toString()), ContentPart.image(IMAGE.toString()), ContentPart.video(VIDEO.toString()));
    }

    static ChatRequest audioInVideo() {
        return request(true, ContentPart.video(VIDEO.toString()), ContentPart.image(IMAGE.toString()));
    }

    /** Greedy tokens from one forward pass over the whole prompt, then one token at a time. */
    static int[] direct(ChatRequest r) {
        ChatPrompt p = chat.prompt(r);
        KvCache cache = model.newCache(p.ids().length + ANSWER);
        int[] out = new int[ANSWER];
        FloatMatrix logits = model.forward(Batch.of(cache, p.ids(), false, p.media()));
        for (int i = 0; i < ANSWER; i++) {
            out[i] = argmax(logits);
            if (i + 1 < ANSWER) {
                logits = model.forward(Batch.of(cache, new int[] {out[i]}, false));
            }
        }
        return out;
    }

    static int argmax(FloatMatrix logits) {
        int best = 0;
        for (int i = 1; i < logits.cols(); i++) {
            if (logits.get(0, i) > logits.get(0, best)) {
                best = i;
            }
        }
        return best;
    }

    static CompletableFuture<ChatResult> submit(ChatRequest r) {
        CompletableFuture<ChatResult> done = new CompletableFuture<>();
        chat.submit(r, new ChatListener() {
            @Override
            public void onFinish(ChatResult result) {
                done.complete(result);
            }

            @Override
            public void onError(io.qwen4j.common.Qwen4jException e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    @Test
    void chunkedConcurrentMediaPromptsGiveTheirOwnGreedyAnswers() throws Exception {
        ChatRequest text = ChatRequest.builder(List.of(ChatMessage.user("Hello, who are you?")), SamplingParams.greedy())
                .maxTokens(ANSWER).ignoreEos(true).build();
        List<ChatRequest> requests = List.of(mixed(), audioInVideo(), text);
        List<CompletableFuture<ChatResult>> results = requests.stream().map(OmniChatEngineTest::submit).toList();
        for (int i = 0; i < requests.size(); i++) {
            ChatResult r = results.get(i).get();
            assertTrue(r.promptTokens() > 29 || i == 2, "the prompt was prefilled in chunks");
            assertArrayEquals(direct(requests.get(i)), r.generation().tokenIds(), "request " + i);
        }
    }

    @Test
    void thePrefixCacheMatchesTextAndMediaNotJustIds() throws Exception {
        ChatRequest first = request(false, ContentPart.image(IMAGE.toString()));
        int[] expected = direct(first);
        assertArrayEquals(expected, submit(first).get().generation().tokenIds());
        ChatResult again = submit(first).get();
        assertArrayEquals(expected, again.generation().tokenIds());
        int prompt = chat.prompt(first).ids().length;
        assertEquals(prompt - 1, again.generation().cachedTokens(), "the same picture: the whole prompt but its last token cached");

        // the same size, other pixels: the same ids, but the cache may only cover the text before the picture
        BufferedImage img = ImageIO.read(IMAGE.toFile());
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth() / 2; x++) {
                int left = img.getRGB(x, y);
                img.setRGB(x, y, img.getRGB(img.getWidth() - 1 - x, y));
                img.setRGB(img.getWidth() - 1 - x, y, left);
            }
        }
        Path mirrored = tmp.resolve("mirrored.png");
        ImageIO.write(img, "png", mirrored.toFile());
        ChatRequest other = request(false, ContentPart.image(mirrored.toString()));
        ChatPrompt p = chat.prompt(other);
        assertArrayEquals(chat.prompt(first).ids(), p.ids(), "a mirrored picture makes the same placeholders");
        ChatResult r = submit(other).get();
        int firstPad = indexOfFirstPlaceholder(p);
        assertTrue(r.generation().cachedTokens() <= firstPad, r.generation().cachedTokens() + " cached, the picture starts at " + firstPad);
        assertArrayEquals(direct(other), r.generation().tokenIds());
    }

    static int indexOfFirstPlaceholder(ChatPrompt p) {
        for (int i = 0; i < p.ids().length; i++) {
            if (p.media().placeholder(i) >= 0) {
                return i;
            }
        }
        throw new AssertionError("no placeholder");
    }

    @Test
    void mediaForATextModelOrABadFileAreRefusedOnTheCallersThread() {
        ChatRequest bad = request(false, ContentPart.image(MEDIA.resolve("bad/truncated.jpg").toString()));
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> chat.submit(bad, result -> { }));
        assertTrue(e.getMessage().contains("truncated.jpg"), e.getMessage());
        ChatRequest silentVideo = request(true, ContentPart.video(MEDIA.resolve("frames").toString()));
        assertThrows(InvalidInputException.class, () -> chat.prompt(silentVideo));
    }
}
