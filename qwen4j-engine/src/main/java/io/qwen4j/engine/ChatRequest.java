package io.qwen4j.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.common.InvalidInputException;
import io.qwen4j.tokenizer.chat.ChatMessage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A conversation to answer.
 *
 * @param messages          the conversation so far
 * @param tools             tool definitions (OpenAI's {@code {"type": "function", "function": {...}}}), rendered by the template
 * @param sampling          how to pick tokens
 * @param maxTokens         most tokens to generate; 0 for as many as the context allows
 * @param thinking          whether the model should reason first (the template's {@code enable_thinking})
 * @param stop              strings that end the answer (not included in it)
 * @param logprobs          report each token's log-probability
 * @param topLogprobs       and this many alternatives
 * @param constraint        restricts the tokens (e.g. to JSON); {@link TokenConstraint#NONE} for none
 * @param templateVariables further variables for the chat template
 * @param ignoreEos         do not stop at end-of-turn ids (only at max tokens, stop strings or the context's end)
 * @param useAudioInVideo   Qwen3-Omni: interleave each video's soundtrack with its frames (HF's {@code use_audio_in_video})
 */
public record ChatRequest(List<ChatMessage> messages, List<JsonNode> tools, SamplingParams sampling, int maxTokens,
                          Thinking thinking, List<String> stop, boolean logprobs, int topLogprobs, TokenConstraint constraint,
                          Map<String, Object> templateVariables, boolean ignoreEos, boolean useAudioInVideo) {
    /** The template's {@code enable_thinking}: left to the template, or set. */
    public enum Thinking { DEFAULT, ON, OFF }

    public ChatRequest {
        if (messages.isEmpty()) {
            throw new InvalidInputException("messages is empty: give at least one message");
        }
        if (maxTokens < 0) {
            throw new InvalidInputException("max_tokens must be >= 0, got " + maxTokens);
        }
        messages = List.copyOf(messages);
        tools = List.copyOf(tools);
        stop = List.copyOf(stop);
        templateVariables = Map.copyOf(templateVariables);
    }

    public static Builder builder(List<ChatMessage> messages, SamplingParams sampling) {
        return new Builder(messages, sampling);
    }

    /** Builds a {@link ChatRequest}; everything but the messages and sampling is optional. */
    public static final class Builder {
        private final List<ChatMessage> messages;
        private final SamplingParams sampling;
        private final List<JsonNode> tools = new ArrayList<>();
        private int maxTokens;
        private Thinking thinking = Thinking.DEFAULT;
        private final List<String> stop = new ArrayList<>();
        private boolean logprobs;
        private int topLogprobs;
        private TokenConstraint constraint = TokenConstraint.NONE;
        private final Map<String, Object> variables = new LinkedHashMap<>();
        private boolean ignoreEos;
        private boolean useAudioInVideo;

        private Builder(List<ChatMessage> messages, SamplingParams sampling) {
            this.messages = new ArrayList<>(messages);
            this.sampling = sampling;
        }

        public Builder tools(List<JsonNode> t) {
            tools.addAll(t);
            return this;
        }

        public Builder maxTokens(int n) {
            maxTokens = n;
            return this;
        }

        public Builder thinking(Thinking t) {
            thinking = t;
            return this;
        }

        public Builder stop(List<String> s) {
            stop.addAll(s);
            return this;
        }

        public Builder logprobs(boolean on, int top) {
            logprobs = on;
            topLogprobs = top;
            return this;
        }

        public Builder constraint(TokenConstraint c) {
            constraint = c;
            return this;
        }

        public Builder templateVariable(String name, Object value) {
            variables.put(name, value);
            return this;
        }

        public Builder ignoreEos(boolean on) {
            ignoreEos = on;
            return this;
        }

        /** Qwen3-Omni: interleave each video's soundtrack with its frames. */
        public Builder useAudioInVideo(boolean on) {
            useAudioInVideo = on;
            return this;
        }

        public ChatRequest build() {
            return new ChatRequest(messages, tools, sampling, maxTokens, thinking, stop, logprobs, topLogprobs, constraint, variables,
                    ignoreEos, useAudioInVideo);
        }
    }
}
