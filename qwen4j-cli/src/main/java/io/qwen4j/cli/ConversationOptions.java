package io.qwen4j.cli;

import io.qwen4j.engine.ChatEngine;
import io.qwen4j.engine.ChatRequest;
import io.qwen4j.engine.EngineOptions;
import io.qwen4j.tokenizer.chat.ChatMessage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** What `run` and `chat` share: the model, sampling, a system prompt, thinking, limits. */
final class ConversationOptions {
    @Mixin
    ModelOptions model;

    @Mixin
    SamplingOptions sampling;

    @Option(names = {"-s", "--system"}, paramLabel = "TEXT", description = "System prompt.")
    String system;

    @Option(names = {"-n", "--max-tokens"}, paramLabel = "N", description = "Most tokens per answer (default: until the model stops or the context is full).")
    int maxTokens;

    @Option(names = "--think", negatable = true,
            description = "Let the model reason before answering (--no-think turns it off). Default: the chat template's default.")
    Boolean think;

    @Option(names = "--stop", paramLabel = "TEXT", description = "Stop the answer at this text (repeatable).")
    List<String> stop = new ArrayList<>();

    @Option(names = "--ignore-eos", description = "Do not stop at the end of the turn: go on until --max-tokens or the end of the context.")
    boolean ignoreEos;

    @Option(names = "--use-audio-in-video", description = "Qwen3-Omni: let the model hear each video's soundtrack, interleaved with its frames.")
    boolean audioInVideo;

    /** Loads the model with its tokenizer and template; one conversation at a time, with a prefix cache. */
    ChatEngine open() {
        Path path = model.resolve();
        String name = model.model != null ? model.model : "qwen4j-demo";
        return ChatEngine.open(name, path, model.loadOptions(), EngineOptions.single().withPrefixCacheTokens(1L << 20));
    }

    ChatRequest.Thinking thinking() {
        return think == null ? ChatRequest.Thinking.DEFAULT : think ? ChatRequest.Thinking.ON : ChatRequest.Thinking.OFF;
    }

    /** The messages to start a conversation with: the system prompt, if any. */
    List<ChatMessage> preamble() {
        List<ChatMessage> m = new ArrayList<>();
        if (system != null && !system.isBlank()) {
            m.add(ChatMessage.system(system));
        }
        return m;
    }

    ChatRequest request(ChatEngine chat, List<ChatMessage> messages, ChatRequest.Thinking thinking) {
        return ChatRequest.builder(messages, sampling.resolve(chat.defaults()))
                .maxTokens(maxTokens).thinking(thinking).stop(stop).ignoreEos(ignoreEos).useAudioInVideo(audioInVideo).build();
    }
}
