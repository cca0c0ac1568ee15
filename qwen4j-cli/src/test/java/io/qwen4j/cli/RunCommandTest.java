package io.qwen4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.engine.ChatEngine;
import io.qwen4j.engine.ChatRequest;
import io.qwen4j.engine.EngineOptions;
import io.qwen4j.engine.SamplingParams;
import io.qwen4j.models.LoadOptions;
import io.qwen4j.tokenizer.chat.ChatMessage;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code qwen4j run} on the embedded model, in-process. */
class RunCommandTest {
    @Test
    void theAnswerIsWhatTheChatEngineGivesForTheSameConversation() {
        CliRunner r = CliRunner.run("run", "--temperature", "0", "--no-think", "-n", "12", "--threads", "1", "--system", "Be brief.",
                "What", "is", "Java?");
        assertEquals(0, r.status(), r.toString());
        String expected;
        try (ChatEngine chat = ChatEngine.open("demo", EmbeddedModel.path(), LoadOptions.defaults().withThreads(1), EngineOptions.single())) {
            ChatRequest req = ChatRequest.builder(List.of(ChatMessage.system("Be brief."), ChatMessage.user("What is Java?")),
                    SamplingParams.greedy()).maxTokens(12).thinking(ChatRequest.Thinking.OFF).build();
            expected = chat.chat(req, x -> {}).content().strip();
        }
        assertEquals(expected, r.out().strip());
    }

    @Test
    void anEmptyPromptIsAOneLineError() {
        CliRunner r = CliRunner.run("run", "   ");
        assertEquals(1, r.status(), r.toString());
        assertTrue(r.err().startsWith("error: the prompt is empty"), r.err());
        assertFalse(r.err().contains("Exception"));
    }

    @Test
    void aModelWithoutTokenizerIsExplained() {
        CliRunner r = CliRunner.run("run", "--model", CliRunner.fixture("qwen3-tied").toString(), "hello");
        assertEquals(1, r.status(), r.toString());
        assertTrue(r.err().contains("no tokenizer.json"), r.err());
    }
}
