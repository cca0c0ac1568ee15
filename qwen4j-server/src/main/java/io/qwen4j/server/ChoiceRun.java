package io.qwen4j.server;

import io.qwen4j.common.Qwen4jException;
import io.qwen4j.engine.ChatListener;
import io.qwen4j.engine.ChatResult;
import io.qwen4j.engine.RequestHandle;
import io.qwen4j.engine.TokenEvent;
import io.qwen4j.tokenizer.chat.ToolCall;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The choices of one HTTP request running in the engine. The engine thread's callbacks only enqueue
 * events (they must never block); the request's own (virtual) thread takes them off and writes the
 * response, so a slow client never holds up the batch.
 */
final class ChoiceRun {
    sealed interface Event {
        int choice();
    }

    record Reasoning(int choice, String text) implements Event {}

    record Content(int choice, String text) implements Event {}

    record Tool(int choice, int index, ToolCall call) implements Event {}

    record Token(int choice, TokenEvent token) implements Event {}

    record Failed(int choice, Qwen4jException error) implements Event {}

    record Finished(int choice, ChatResult result) implements Event {}

    private final LinkedBlockingQueue<Event> queue = new LinkedBlockingQueue<>();
    private final List<RequestHandle> handles = new CopyOnWriteArrayList<>();
    private final int choices;
    private final boolean tokens;
    private final java.util.Set<ChoiceRun> active;
    private final java.util.concurrent.atomic.AtomicInteger ended = new java.util.concurrent.atomic.AtomicInteger();
    private int finished;

    /**
     * @param tokens whether token events (for log-probabilities) are wanted
     * @param active the server's runs in flight: this one is in it until its last choice ends
     */
    ChoiceRun(int choices, boolean tokens, java.util.Set<ChoiceRun> active) {
        this.choices = choices;
        this.tokens = tokens;
        this.active = active;
        active.add(this);
    }

    int choices() {
        return choices;
    }

    ChatListener listener(int choice) {
        return new ChatListener() {
            @Override
            public void onReasoning(String delta) {
                queue.add(new Reasoning(choice, delta));
            }

            @Override
            public void onContent(String delta) {
                queue.add(new Content(choice, delta));
            }

            @Override
            public void onToolCall(int index, ToolCall call) {
                queue.add(new Tool(choice, index, call));
            }

            @Override
            public void onToken(TokenEvent token, String text) {
                if (tokens) {
                    queue.add(new Token(choice, token));
                }
            }

            @Override
            public void onError(Qwen4jException error) {
                queue.add(new Failed(choice, error));
            }

            @Override
            public void onFinish(ChatResult result) {
                queue.add(new Finished(choice, result));
                if (ended.incrementAndGet() == choices) {
                    active.remove(ChoiceRun.this);
                }
            }
        };
    }

    /**
     * Starts choice after choice with {@code submit}. A full queue is a 429 and a request the engine
     * refuses a 400 naming {@code param}; either way the choices already started are cancelled.
     */
    void submitAll(java.util.function.IntFunction<RequestHandle> submit, String param, String code) {
        try {
            for (int c = 0; c < choices; c++) {
                handles.add(submit.apply(c));
            }
        } catch (io.qwen4j.engine.EngineBusyException e) {
            abandon();
            throw new ApiException(429, "rate_limit_error", e.getMessage(), null, "rate_limit_exceeded");
        } catch (io.qwen4j.common.InvalidInputException e) {
            abandon();
            throw ApiException.invalid(e.getMessage(), param, code);
        }
    }

    /** Cancels the choices started and forgets the run (for a submission that failed part way). */
    private void abandon() {
        cancel();
        if (ended.addAndGet(choices - handles.size()) >= choices) { // the ones never started will not finish
            active.remove(this);
        }
    }

    /** The next event, or null after {@code millis} without one. */
    Event next(long millis) throws InterruptedException {
        Event e = queue.poll(millis, TimeUnit.MILLISECONDS);
        if (e instanceof Finished) {
            finished++;
        }
        return e;
    }

    /**
     * For an answer sent whole: the next event, or null after {@link #PROBE_MILLIS} without one; ends the run
     * ({@link #endIfClientGone}) when its client has gone.
     */
    Event nextWhileClientThere(Exchange ex, ServerMetrics metrics) throws java.io.IOException, InterruptedException {
        Event e = next(PROBE_MILLIS);
        endIfClientGone(ex, metrics);
        return e;
    }

    /** Whether every choice has finished (as seen through {@link #next}). */
    boolean done() {
        return finished == choices;
    }

    /** How often a whole (non-streamed) answer in the making looks whether its client is still there. */
    static final long PROBE_MILLIS = 200;
    private long nextProbe = System.nanoTime() + PROBE_MILLIS * 1_000_000;

    /**
     * For a whole (non-streamed) answer, called between events: at most every {@link #PROBE_MILLIS}, asks whether the
     * client closed its connection; if it did, cancels the choices, waits for them to end and throws, as a write to
     * that client would.
     */
    void endIfClientGone(Exchange ex, ServerMetrics metrics) throws java.io.IOException, InterruptedException {
        long now = System.nanoTime();
        if (now - nextProbe < 0) {
            return;
        }
        nextProbe = now + PROBE_MILLIS * 1_000_000;
        if (ex.clientGone()) {
            cancel();
            drain(metrics);
            throw new java.io.EOFException("the client closed the connection before its answer was complete");
        }
    }

    /** Waits (10 s at most) for cancelled choices to end, so that their metrics count and nothing is left in flight. */
    void drain(ServerMetrics metrics) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!done() && System.nanoTime() < deadline) {
            if (next(100) instanceof Finished f) {
                metrics.choice(f.result());
            }
        }
    }

    /** Cancels every choice: the engine frees their caches at its next step. */
    void cancel() {
        handles.forEach(RequestHandle::cancel);
    }
}
