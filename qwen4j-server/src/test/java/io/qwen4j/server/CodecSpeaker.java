package io.qwen4j.server;

import io.qwen4j.common.Qwen4jException;
import io.qwen4j.engine.ChatEngine;
import io.qwen4j.engine.ChatListener;
import io.qwen4j.engine.ChatRequest;
import io.qwen4j.engine.ChatResult;
import io.qwen4j.engine.ForwardingChatListener;
import io.qwen4j.engine.RequestHandle;
import io.qwen4j.engine.TokenEvent;
import io.qwen4j.models.Code2WavStream;
import io.qwen4j.models.Qwen3OmniCode2Wav;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

/**
 * A {@link Speaker} for the server's tests until the talker's pipeline is on main: the chat engine writes the text,
 * and every answer token becomes one codec frame (codes derived from the token id) that the real Code2Wav of the tiny
 * checkpoint decodes in streamed chunks. Everything the endpoints see (text events, waveform chunks in order, the
 * result after the last chunk) is as the real pipeline delivers it; only the codes are not the talker's.
 */
final class CodecSpeaker implements Speaker {
    private final ChatEngine engine;
    private final Qwen3OmniCode2Wav code2wav;
    private final int chunkFrames;

    CodecSpeaker(ChatEngine engine, Qwen3OmniCode2Wav code2wav, int chunkFrames) {
        this.engine = engine;
        this.code2wav = code2wav;
        this.chunkFrames = chunkFrames;
    }

    @Override
    public int sampleRate() {
        return 24000;
    }

    @Override
    public List<String> voices() {
        return List.of("Ethan", "Aiden", "Chelsie");
    }

    @Override
    public Speaking start(ChatRequest request, String voice, ChatListener text, Consumer<float[]> audio) {
        Code2WavStream stream = code2wav.stream(chunkFrames, 1);
        int quantizers = code2wav.config().quantizers();
        int codebook = code2wav.config().codebookSize();
        CountDownLatch done = new CountDownLatch(1);
        ChatResult[] result = new ChatResult[1];
        RuntimeException[] failure = new RuntimeException[1];
        RequestHandle handle = engine.submit(request, new ForwardingChatListener(text) {
            @Override
            public void onToken(TokenEvent token, String piece) {
                int[] frame = new int[quantizers];
                for (int q = 0; q < quantizers; q++) {
                    frame[q] = Math.floorMod(token.token() * 31 + q * 7 + voice.length(), codebook);
                }
                emit(audio, stream.push(frame));
                super.onToken(token, piece);
            }

            @Override
            public void onError(Qwen4jException error) {
                failure[0] = error;
                super.onError(error);
                done.countDown();
            }

            @Override
            public void onFinish(ChatResult r) {
                if (stream.frames() > 0) {
                    emit(audio, stream.flush());
                }
                result[0] = r;
                super.onFinish(r);
                done.countDown();
            }
        });
        return new Speaking() {
            @Override
            public void cancel() {
                handle.cancel();
            }

            @Override
            public ChatResult await() throws InterruptedException {
                done.await();
                if (failure[0] != null) {
                    throw failure[0];
                }
                return result[0];
            }
        };
    }

    private static void emit(Consumer<float[]> audio, float[] pcm) {
        if (pcm.length > 0) {
            audio.accept(pcm);
        }
    }
}
