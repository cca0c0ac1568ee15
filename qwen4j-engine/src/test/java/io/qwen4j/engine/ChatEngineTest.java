package io.qwen4j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.models.LoadOptions;
import io.qwen4j.tokenizer.chat.ChatMessage;
import io.qwen4j.tokenizer.chat.RenderOptions;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The chat facade on the embedded demo model (its own tokenizer and Qwen3's chat template). */
class ChatEngineTest {
    static ChatEngine chat;

    @BeforeAll
    static void open() {
        chat = ChatEngine.open("demo", Path.of(System.getProperty("qwen4j.demoModel")), LoadOptions.defaults().withThreads(2),
                EngineOptions.defaults().withPrefixCacheTokens(4096));
    }

    @AfterAll
    static void close() {
        chat.close();
    }

    static ChatRequest.Builder request(String user) {
        return ChatRequest.builder(List.of(ChatMessage.system("You are terse."), ChatMessage.user(user)), SamplingParams.greedy());
    }

    @Test
    void thePromptIsTheTemplateRenderedWithAGenerationPrompt() {
        ChatRequest r = request("Hello there").thinking(ChatRequest.Thinking.OFF).build();
        String expected = chat.template().render(r.messages(), RenderOptions.builder().addGenerationPrompt(true).enableThinking(false).build());
        assertEquals(expected, chat.render(r));
        assertTrue(expected.endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n"), expected);
    }

    @Test
    void theAnswerIsTheGreedyContinuationOfThePromptDecoded() {
        ChatRequest r = request("Write something.").maxTokens(24).thinking(ChatRequest.Thinking.OFF).build();
        StringBuilder streamed = new StringBuilder();
        ChatResult result = chat.chat(r, new ChatListener() {
            @Override
            public void onContent(String delta) {
                streamed.append(delta);
            }

            @Override
            public void onFinish(ChatResult res) {}
        });
        int[] ids = chat.tokenizer().encode(chat.render(r));
        GenerationResult direct = new Generator(chat.model()).generate(
                new GenerationRequest(ids, 24, chat.stopTokenIds(), SamplingParams.greedy()));
        assertArrayEquals(direct.tokenIds(), result.generation().tokenIds());
        assertEquals(streamed.toString(), result.content());
        assertEquals(result.finishReason(), direct.stopReason());
        // the text is the tokens decoded, split into reasoning and content by the parser
        String decoded = chat.tokenizer().decode(direct.tokenIds());
        assertTrue(decoded.endsWith(result.content()), "content is the tail of the decoded text");
    }

    @Test
    void aStopStringEndsTheAnswerBeforeIt() {
        ChatRequest free = request("Go on.").maxTokens(40).thinking(ChatRequest.Thinking.OFF).build();
        String content = chat.chat(free, r -> {}).content();
        assertTrue(content.length() > 6, content);
        String stop = content.substring(3, 6);
        ChatRequest stopped = request("Go on.").maxTokens(40).thinking(ChatRequest.Thinking.OFF).stop(List.of(stop)).build();
        ChatResult r = chat.chat(stopped, x -> {});
        assertEquals(content.substring(0, content.indexOf(stop)), r.content());
        assertEquals("stop", r.finishReason());
    }

    @Test
    void theNextTurnReusesTheConversationsCache() {
        ChatRequest first = request("First question.").maxTokens(8).thinking(ChatRequest.Thinking.OFF).build();
        ChatResult a = chat.chat(first, x -> {});
        ChatRequest second = ChatRequest.builder(List.of(ChatMessage.system("You are terse."), ChatMessage.user("First question."),
                ChatMessage.assistant(a.content()), ChatMessage.user("Second.")), SamplingParams.greedy())
                .maxTokens(8).thinking(ChatRequest.Thinking.OFF).build();
        ChatResult b = chat.chat(second, x -> {});
        assertTrue(b.generation().cachedTokens() > 10, "cached " + b.generation().cachedTokens());
    }

    @Test
    void rawCompletionHasNoTemplate() {
        ChatResult[] out = new ChatResult[1];
        StringBuilder text = new StringBuilder();
        chat.complete("Once upon a time", SamplingParams.greedy(), 10, List.of(), true, 2, new ChatListener() {
            @Override
            public void onContent(String delta) {
                text.append(delta);
            }

            @Override
            public void onFinish(ChatResult r) {
                synchronized (out) {
                    out[0] = r;
                    out.notifyAll();
                }
            }
        });
        synchronized (out) {
            while (out[0] == null) {
                try {
                    out.wait();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
        }
        assertEquals(text.toString(), out[0].content());
        assertFalse(out[0].content().isEmpty());
        int[] ids = chat.tokenizer().encode("Once upon a time");
        assertArrayEquals(new Generator(chat.model()).generate(new GenerationRequest(ids, 10, chat.stopTokenIds(), SamplingParams.greedy())).tokenIds(),
                out[0].generation().tokenIds());
    }
}
