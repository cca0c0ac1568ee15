package io.qwen4j.server;

import io.qwen4j.common.Qwen4jException;
import io.qwen4j.core.CausalLm;
import io.qwen4j.engine.ChatEngine;
import io.qwen4j.engine.ChatListener;
import io.qwen4j.engine.ChatRequest;
import io.qwen4j.engine.ChatResult;
import io.qwen4j.engine.Code2WavDecoders;
import io.qwen4j.engine.SpeechPipeline;
import io.qwen4j.engine.SpokenChat;
import io.qwen4j.models.Architectures;
import io.qwen4j.models.Code2WavStream;
import io.qwen4j.models.LoadOptions;
import io.qwen4j.models.Qwen3OmniTalker;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The engine's spoken chat ({@link SpokenChat}: thinker → talker + code predictor → Code2Wav) as the server's
 * {@link Speaker}. The pipeline runs its own thinker (a second instance over the same memory-mapped weights: a model
 * runs one forward at a time, and the chat engine's loop keeps serving text meanwhile) and answers one spoken request
 * at a time; the others wait their turn. Code2Wav decodes each answer as a stream with the reference's chunking
 * ({@link Code2WavStream#DEFAULT_CHUNK_SIZE} frames, {@link Code2WavStream#DEFAULT_LEFT_CONTEXT} of left context) unless
 * told otherwise, so whole and streamed answers have the same samples.
 */
public final class SpokenChatSpeaker implements Speaker, AutoCloseable {
    private final SpokenChat spoken;
    private final CausalLm thinker;
    private final Qwen3OmniTalker talker;
    private final Code2WavDecoders code2wav;
    private final List<String> voices;
    private final Semaphore turn = new Semaphore(1, true);

    private SpokenChatSpeaker(ChatEngine chat, CausalLm thinker, Qwen3OmniTalker talker, Code2WavDecoders code2wav, int chunkFrames,
                              int leftContext, int maxFrames) {
        this.thinker = thinker;
        this.talker = talker;
        this.code2wav = code2wav;
        Code2WavDecoders chunks = code2wav.withChunks(chunkFrames, leftContext);
        SpeechPipeline pipeline = new SpeechPipeline(thinker, talker, chunks::decoder);
        this.spoken = new SpokenChat(chat, pipeline, maxFrames);
        List<String> names = new ArrayList<>();
        names.add(capitalized(talker.defaultVoice()));
        for (String v : talker.voices()) {
            if (!v.equalsIgnoreCase(talker.defaultVoice())) {
                names.add(capitalized(v));
            }
        }
        this.voices = List.copyOf(names);
    }

    /**
     * The speaker of a Qwen3-Omni Instruct checkpoint served by {@code chat}: its thinker loaded once more, its talker and
     * Code2Wav, with Code2Wav chunks of {@code chunkFrames} frames after {@code leftContext} frames of context and at most
     * {@code maxFrames} codec frames (12.5 per second) per answer.
     */
    public static SpokenChatSpeaker open(ChatEngine chat, Path checkpoint, LoadOptions options, int chunkFrames, int leftContext,
                                         int maxFrames) {
        CausalLm thinker = Architectures.load(checkpoint, options);
        Qwen3OmniTalker talker = null;
        try {
            talker = Qwen3OmniTalker.load(checkpoint, options);
            Code2WavDecoders code2wav = Code2WavDecoders.open(checkpoint, options);
            return new SpokenChatSpeaker(chat, thinker, talker, code2wav, chunkFrames, leftContext, maxFrames);
        } catch (RuntimeException e) {
            if (talker != null) {
                talker.close();
            }
            thinker.close();
            throw e;
        }
    }

    /** With the reference's chunking (300 frames, 25 of context) and frame limit (4095). */
    public static SpokenChatSpeaker open(ChatEngine chat, Path checkpoint, LoadOptions options) {
        return open(chat, checkpoint, options, Code2WavStream.DEFAULT_CHUNK_SIZE, Code2WavStream.DEFAULT_LEFT_CONTEXT, SpokenChat.MAX_FRAMES);
    }

    private static String capitalized(String voice) {
        return voice.isEmpty() ? voice : voice.substring(0, 1).toUpperCase(Locale.ROOT) + voice.substring(1);
    }

    @Override
    public int sampleRate() {
        return Code2WavDecoders.SAMPLE_RATE;
    }

    @Override
    public List<String> voices() {
        return voices;
    }

    @Override
    public Speaking start(ChatRequest request, String voice, ChatListener text, Consumer<float[]> audio) {
        try {
            turn.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Qwen4jException("interrupted while waiting for the speaker");
        }
        AtomicBoolean released = new AtomicBoolean();
        Runnable release = () -> {
            if (released.compareAndSet(false, true)) {
                turn.release();
            }
        };
        AtomicReference<ChatResult> result = new AtomicReference<>();
        SpeechPipeline.Handle handle;
        try {
            handle = spoken.start(request, voice, text, chunk -> audio.accept(chunk.pcm()), answer -> result.set(answer.text()));
        } catch (RuntimeException e) {
            release.run();
            throw e;
        }
        return new Speaking() {
            @Override
            public void cancel() {
                handle.cancel();
            }

            @Override
            public ChatResult await() {
                try {
                    handle.await();
                    return result.get();
                } finally {
                    release.run();
                }
            }
        };
    }

    @Override
    public void close() {
        code2wav.close();
        talker.close();
        thinker.close();
    }
}
