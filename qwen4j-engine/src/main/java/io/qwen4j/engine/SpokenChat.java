package io.qwen4j.engine;

import io.qwen4j.common.Qwen4jException;
import io.qwen4j.tokenizer.StreamingDetokenizer;
import io.qwen4j.tokenizer.chat.ChatEvent;
import io.qwen4j.tokenizer.chat.StreamingChatParser;
import io.qwen4j.tokenizer.chat.ToolCall;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A chat answer spoken as it is written: the request templated by the {@link ChatEngine}, answered through a
 * {@link SpeechPipeline}, its text streamed to a {@link ChatListener} as reasoning / content / tool-call events (as
 * {@link ChatEngine#submit} does; stop strings are not applied) and its audio to a consumer, chunk by chunk.
 */
public final class SpokenChat {
    /** The text answer (as the chat engine would report it) and the speech. */
    public record Answer(ChatResult text, SpeechPipeline.Result speech) {}

    /** The reference's limit: {@code talker_max_new_tokens} 4096 codebook-0 choices, the last without a frame. */
    public static final int MAX_FRAMES = 4095;

    private final ChatEngine chat;
    private final SpeechPipeline pipeline;
    private final int maxFrames;

    public SpokenChat(ChatEngine chat, SpeechPipeline pipeline) {
        this(chat, pipeline, MAX_FRAMES);
    }

    /** {@code maxFrames}: the most codec frames (12.5 per second) of an answer. */
    public SpokenChat(ChatEngine chat, SpeechPipeline pipeline, int maxFrames) {
        if (maxFrames < 1) {
            throw new io.qwen4j.common.InvalidInputException("the most frames of a spoken answer must be at least 1, got " + maxFrames);
        }
        this.chat = chat;
        this.pipeline = pipeline;
        this.maxFrames = maxFrames;
    }

    public SpeechPipeline pipeline() {
        return pipeline;
    }

    /**
     * How the talker chooses codes for a request: the reference's sampling (seeded by the request's seed), greedy when
     * the text is greedy (temperature 0), so that a greedy answer is spoken the same way every time.
     */
    public static SpeechPipeline.TalkerSampling talkerSampling(SamplingParams text) {
        return text.isGreedy() ? SpeechPipeline.TalkerSampling.greedy(4096) : SpeechPipeline.TalkerSampling.reference(text.seed());
    }

    /** Starts answering; text events reach {@code text} on the thinker's thread, audio reaches {@code audio} on the decoder's. */
    public SpeechPipeline.Handle start(ChatRequest request, String voice, ChatListener text, Consumer<SpeechPipeline.AudioChunk> audio,
                                       Consumer<Answer> done) {
        ChatPrompt prompt = chat.prompt(request);
        SpeechPipeline.Request r = SpeechPipeline.Request.forChat(chat, request, prompt, voice,
                talkerSampling(request.sampling()).withMaxSteps(maxFrames + 1));
        Text t = new Text(prompt, text);
        return pipeline.start(r, new SpeechPipeline.Listener() {
            @Override
            public void onToken(int token) {
                t.token(token);
            }

            @Override
            public void onAudio(SpeechPipeline.AudioChunk chunk) {
                audio.accept(chunk);
            }

            @Override
            public void onError(Qwen4jException error) {
                text.onError(error);
            }

            @Override
            public void onFinish(SpeechPipeline.Result result) {
                Answer a = new Answer(t.finish(result, prompt.length()), result);
                text.onFinish(a.text());
                done.accept(a);
            }
        });
    }

    /** Answers and waits. */
    public Answer answer(ChatRequest request, String voice, ChatListener text, Consumer<SpeechPipeline.AudioChunk> audio) {
        Answer[] out = new Answer[1];
        start(request, voice, text, audio, a -> out[0] = a).await();
        return out[0];
    }

    /** Tokens to text events, as {@link ChatEngine}'s answers. */
    private final class Text {
        private final StreamingChatParser parser;
        private final ChatListener listener;
        private final StreamingDetokenizer detokenizer = chat.tokenizer().streamingDetokenizer(false);
        private final StringBuilder reasoning = new StringBuilder();
        private final StringBuilder content = new StringBuilder();
        private final List<ToolCall> calls = new ArrayList<>();
        private final List<String> problems = new ArrayList<>();

        Text(ChatPrompt prompt, ChatListener listener) {
            this.parser = StreamingChatParser.forPrompt(prompt.text());
            this.listener = listener;
        }

        void token(int token) {
            String text = token < chat.tokenizer().vocabSize() ? detokenizer.accept(token) : "";
            listener.onToken(new TokenEvent(token, 0, Float.NaN, new int[0], new float[0]), text);
            dispatch(parser.feed(text));
        }

        ChatResult finish(SpeechPipeline.Result r, int promptTokens) {
            dispatch(parser.feed(detokenizer.flush()));
            dispatch(parser.finish());
            long first = Math.max(0, r.firstToken());
            GenerationResult g = new GenerationResult(r.tokens(), r.finishReason(), promptTokens, 0, 0, first,
                    Math.max(0, r.thinkerDone() - first));
            String reason = r.finishReason() == FinishReason.STOP && !calls.isEmpty() ? "tool_calls" : g.stopReason();
            return new ChatResult(reasoning.toString(), content.toString(), List.copyOf(calls), List.copyOf(problems), reason, g);
        }

        private void dispatch(List<ChatEvent> events) {
            for (ChatEvent e : events) {
                switch (e) {
                    case ChatEvent.ReasoningDelta d -> {
                        reasoning.append(d.text());
                        listener.onReasoning(d.text());
                    }
                    case ChatEvent.ContentDelta d -> {
                        content.append(d.text());
                        listener.onContent(d.text());
                    }
                    case ChatEvent.ToolCallDone d -> {
                        calls.add(d.call());
                        listener.onToolCall(calls.size() - 1, d.call());
                    }
                    case ChatEvent.ParseProblem p -> problems.add(p.message());
                }
            }
        }
    }
}
