package io.qwen4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.engine.ChatListener;
import io.qwen4j.engine.ChatRequest;
import io.qwen4j.engine.ChatResult;
import io.qwen4j.engine.EngineOptions;
import io.qwen4j.engine.SamplingParams;
import io.qwen4j.tokenizer.chat.ChatMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The official OpenAI Python package against the server: tools/clients/setup-venv.sh makes its venv from
 * the machine's package mirror (quick when it exists), and tools/clients/openai_client_test.py runs its
 * checks against answers the engine gives in-process here.
 */
class OpenAiPythonClientTest {
    static final Path ROOT = Path.of(System.getProperty("qwen4j.root"));

    @Test
    void theOpenAiPythonPackageGetsTheEnginesAnswers() throws Exception {
        String python = run(List.of("bash", ROOT.resolve("tools/clients/setup-venv.sh").toString()), 600).strip();
        python = python.substring(python.lastIndexOf('\n') + 1);
        TestServers s = TestServers.start(EngineOptions.defaults().withPrefixCacheTokens(8192),
                ServerOptions.defaults(TestServers.MODEL).withPort(0).withApiKey("python-key")
                        .withMaxBodyBytes(8L << 20)); // openai_client_test.py sends 9 MiB for a 413
        try {
            String user = "Hello from Python";
            ChatResult chat = s.engine.chat(ChatRequest.builder(List.of(ChatMessage.system("You are terse."), ChatMessage.user(user)),
                    SamplingParams.greedy()).maxTokens(24).thinking(ChatRequest.Thinking.OFF).build(), x -> {});
            CompletableFuture<ChatResult> completion = new CompletableFuture<>();
            s.engine.complete("The capital of France", SamplingParams.greedy(), 10, List.of(), false, 0, new ChatListener() {
                @Override
                public void onFinish(ChatResult r) {
                    completion.complete(r);
                }
            });
            ObjectNode expected = TestServers.JSON.createObjectNode();
            expected.put("model", TestServers.MODEL);
            expected.put("user", user);
            expected.put("max_tokens", 24);
            expected.put("content", chat.content());
            expected.put("finish_reason", chat.finishReason());
            expected.put("prompt_tokens", chat.promptTokens());
            expected.put("completion_tokens", chat.completionTokens());
            expected.put("completion_prompt", "The capital of France");
            expected.put("completion", completion.get(60, TimeUnit.SECONDS).content());
            Path file = Files.createTempFile("qwen4j-expected-", ".json");
            try {
                Files.writeString(file, expected.toString());
                String out = run(List.of(python, ROOT.resolve("tools/clients/openai_client_test.py").toString(), "--base-url",
                        s.server.url() + "/v1", "--api-key", "python-key", "--expected", file.toString()), 300);
                System.out.println(out);
            } finally {
                Files.deleteIfExists(file);
            }
        } finally {
            s.stop();
        }
    }

    /** Runs a command; its output, or an AssertionError with it when the exit status is not 0. */
    static String run(List<String> command, int seconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return e.toString();
            }
        });
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " took more than " + seconds + " s");
        }
        String out = output.join();
        assertEquals(0, p.exitValue(), String.join(" ", command) + " failed:\n" + out);
        return out;
    }
}
