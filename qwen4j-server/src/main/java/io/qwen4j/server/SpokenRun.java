package io.qwen4j.server;

import io.qwen4j.common.Qwen4jException;
import io.qwen4j.engine.ChatListener;
import io.qwen4j.engine.ChatRequest;
import io.qwen4j.engine.ChatResult;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One spoken answer seen from a request's thread: the speaker's text events and waveform chunks, which arrive on
 * the pipeline's threads, as one queue of events in order, ending with {@link Done} or {@link Failed}.
 */
final class SpokenRun {
    sealed interface Event {}

    record Content(String text) implements Event {}

    record Reasoning(String text) implements Event {}

    record Audio(float[] pcm) implements Event {}

    record Done(ChatResult result) implements Event {}

    record Failed(String message) implements Event {}

    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final Speaker.Speaking speaking;
    private volatile boolean finished;

    SpokenRun(Speaker speaker, ChatRequest request, String voice) {
        ChatListener text = new ChatListener() {
            @Override
            public void onReasoning(String delta) {
                events.add(new Reasoning(delta));
            }

            @Override
            public void onContent(String delta) {
                events.add(new Content(delta));
            }

            @Override
            public void onError(Qwen4jException error) {
                events.add(new Failed(error.getMessage()));
            }

            @Override
            public void onFinish(ChatResult result) {
                // the result is reported once the audio is complete too (below)
            }
        };
        speaking = speaker.start(request, voice, text, pcm -> events.add(new Audio(pcm)));
        Thread.ofVirtual().name("qwen4j-speech-wait").start(() -> {
            try {
                ChatResult r = speaking.await();
                events.add(r == null ? new Failed("the answer ended without a result") : new Done(r));
            } catch (InterruptedException e) {
                events.add(new Failed("interrupted"));
            } catch (RuntimeException e) {
                events.add(new Failed(e.getMessage() == null ? e.toString() : e.getMessage()));
            }
        });
    }

    /** The next event, or null after {@code millis} without one; nothing after the first Done or Failed. */
    Event next(long millis) throws InterruptedException {
        if (finished) {
            return null;
        }
        Event e = events.poll(millis, TimeUnit.MILLISECONDS);
        if (e instanceof Done || e instanceof Failed) {
            finished = true;
        }
        return e;
    }

    boolean finished() {
        return finished;
    }

    void cancel() {
        speaking.cancel();
    }

    /** Cancels and waits (a while) for the end, so nothing is left running for a client that left. */
    void cancelAndDrain() throws InterruptedException {
        cancel();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!finished && System.nanoTime() < deadline) {
            next(100);
        }
    }
}
