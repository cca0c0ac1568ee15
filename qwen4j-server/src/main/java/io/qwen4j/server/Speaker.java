package io.qwen4j.server;

import io.qwen4j.engine.ChatListener;
import io.qwen4j.engine.ChatRequest;
import io.qwen4j.engine.ChatResult;
import java.util.List;
import java.util.function.Consumer;

/**
 * What the server's audio output needs from a model that speaks (Qwen3-Omni with its talker and Code2Wav): a chat
 * answer whose text streams as the chat engine's events while its waveform streams chunk by chunk. The smallest
 * interface the endpoints use; the engine's spoken-chat pipeline is adapted to it where the server is built.
 */
public interface Speaker {
    /** Samples per second of the waveform (24000 for Qwen3-Omni). */
    int sampleRate();

    /** The voices this model has, as the API names them (e.g. Ethan, Chelsie, Aiden); the first is the default. */
    List<String> voices();

    /**
     * Starts a spoken answer to {@code request}. Text events reach {@code text} (its {@code onFinish} last), waveform
     * chunks (float samples in [−1, 1], in order) reach {@code audio}, from any thread.
     *
     * @param voice one of {@link #voices()}
     */
    Speaking start(ChatRequest request, String voice, ChatListener text, Consumer<float[]> audio);

    /** An answer being spoken. */
    interface Speaking {
        /** Stops the answer; its listener still gets onFinish or onError. */
        void cancel();

        /** Waits until text and audio are complete; the text's result. */
        ChatResult await() throws InterruptedException;
    }
}
