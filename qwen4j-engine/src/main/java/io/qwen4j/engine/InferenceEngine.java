package io.qwen4j.engine;

import io.qwen4j.common.InvalidInputException;
import io.qwen4j.common.Qwen4jException;
import io.qwen4j.core.Batch;
import io.qwen4j.core.CausalLm;
import io.qwen4j.core.KvCache;
import io.qwen4j.tensor.FloatMatrix;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Continuous batching over one model. Each {@link #step()} schedules, executes, updates: every running
 * sequence contributes one chunk to a single {@link Batch} — one token when decoding, a slice of its
 * prompt when prefilling (long prompts are chunked so decoding sequences keep moving) — the batch runs
 * as one forward pass, and each chunk that ended on a new position samples its next token. A
 * sequence's rows are computed independently of the others', so its greedy output is the same alone or
 * among many. Finished sequences leave their KV in a prefix cache for later prompts that share it.
 *
 * <p>Run it on its own thread with {@link #start()} (a server), or drive {@link #step()} from the
 * caller (a one-shot command). Sinks are called on the stepping thread.
 */
public final class InferenceEngine implements AutoCloseable {
    private final CausalLm model;
    private final EngineOptions options;
    private final int vocab;
    private final int context;
    private final long kvTokenBudget;
    private final PrefixCache prefixCache;
    private final ReentrantLock lock = new ReentrantLock();   // guards waiting
    private final Condition workArrived = lock.newCondition();
    private final ReentrantLock stepLock = new ReentrantLock();
    private final ArrayDeque<Sequence> waiting = new ArrayDeque<>();
    private final List<Sequence> running = new ArrayList<>(); // stepping thread only
    private final AtomicLong ids = new AtomicLong();
    private final AtomicLong finished = new AtomicLong();
    private final AtomicLong promptTokens = new AtomicLong();
    private final AtomicLong cachedTokens = new AtomicLong();
    private final AtomicLong generatedTokens = new AtomicLong();
    private final AtomicLong passes = new AtomicLong();
    private volatile int runningCount;
    private volatile boolean closed;
    private Thread loop;
    private long reservedTokens;

    public InferenceEngine(CausalLm model, EngineOptions options) {
        this.model = model;
        this.options = options;
        this.vocab = model.info().vocabSize();
        this.context = model.info().contextLength();
        KvCache probe = model.newCache(1);
        long bytesPerToken = 2L * probe.layers() * probe.kvDim() * Float.BYTES;
        this.kvTokenBudget = options.kvTokenBudget() > 0 ? options.kvTokenBudget()
                : Math.max(context, (long) (Runtime.getRuntime().maxMemory() * 0.4 / bytesPerToken));
        this.prefixCache = new PrefixCache(options.prefixCacheTokens());
    }

    public CausalLm model() {
        return model;
    }

    /**
     * Queues a request. Throws {@link InvalidInputException} for a request that can never run (a
     * prompt as long as the context, an id outside the vocabulary) and {@link EngineBusyException}
     * when the queue is full.
     */
    public RequestHandle submit(GenerationRequest request, TokenSink sink) {
        int[] prompt = request.promptIds();
        if (prompt.length >= context) {
            throw new InvalidInputException("the prompt has " + prompt.length + " tokens; the context holds " + context
                    + ", and at least one must remain for the answer");
        }
        for (int id : prompt) {
            if (id < 0 || id >= vocab) {
                throw new InvalidInputException("token id " + id + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
        if (closed) {
            throw new Qwen4jException("the engine is shut down");
        }
        Sequence s = new Sequence(ids.incrementAndGet(), request, sink, Math.min(request.maxTokens(), context - prompt.length), vocab);
        lock.lock();
        try {
            if (waiting.size() >= Math.max(1, options.maxQueued())) {
                throw new EngineBusyException("too many requests are waiting (" + waiting.size() + "); retry later");
            }
            waiting.add(s);
            workArrived.signalAll();
        } finally {
            lock.unlock();
        }
        promptTokens.addAndGet(prompt.length);
        return s;
    }

    /** Starts a daemon thread that steps whenever there is work. */
    public synchronized void start() {
        if (loop != null) {
            return;
        }
        loop = Thread.ofPlatform().name("qwen4j-engine").daemon().start(() -> {
            while (!closed) {
                if (!step()) {
                    lock.lock();
                    try {
                        if (waiting.isEmpty() && runningCount == 0 && !closed) {
                            workArrived.awaitNanos(100_000_000L);
                        }
                    } catch (InterruptedException e) {
                        return;
                    } finally {
                        lock.unlock();
                    }
                }
            }
        });
    }

    /** Runs one scheduling step; false when there was nothing to do. */
    public boolean step() {
        stepLock.lock();
        try {
            dropCancelled();
            admit();
            if (running.isEmpty()) {
                return false;
            }
            runBatch();
            return true;
        } finally {
            stepLock.unlock();
        }
    }

    /** Steps until no request is left (for callers without a loop thread). */
    public void runUntilIdle() {
        while (step()) {
            // keep going
        }
    }

    public EngineStats stats() {
        int w;
        lock.lock();
        try {
            w = waiting.size();
        } finally {
            lock.unlock();
        }
        return new EngineStats(finished.get(), promptTokens.get(), cachedTokens.get(), generatedTokens.get(), runningCount, w, passes.get());
    }

    private void dropCancelled() {
        lock.lock();
        List<Sequence> gone = new ArrayList<>();
        try {
            waiting.removeIf(s -> s.cancelled && gone.add(s));
        } finally {
            lock.unlock();
        }
        gone.forEach(s -> finish(s, FinishReason.CANCELLED, false));
        for (Iterator<Sequence> it = running.iterator(); it.hasNext(); ) {
            Sequence s = it.next();
            if (s.cancelled) {
                it.remove();
                finish(s, FinishReason.CANCELLED, false);
            }
        }
    }

    private void admit() {
        while (running.size() < options.maxSequences()) {
            Sequence s;
            lock.lock();
            try {
                s = waiting.peek();
                if (s == null) {
                    break;
                }
                long need = s.reservation();
                if (!running.isEmpty() && reservedTokens + need > kvTokenBudget) {
                    break; // wait for memory; a lone sequence always runs
                }
                waiting.poll();
            } finally {
                lock.unlock();
            }
            reservedTokens += s.reservation();
            s.queueEnd = System.nanoTime();
            s.key = prefixCache.key(s.request.promptIds(), s.request.media());
            PrefixCache.Hit hit = prefixCache.take(s.key);
            if (hit != null) {
                s.cache = hit.cache();
                s.prefilled = hit.matched();
                s.cached = hit.matched();
                cachedTokens.addAndGet(hit.matched());
            } else {
                // room for the whole context (storage grows lazily), so a later turn can reuse this cache
                s.cache = model.newCache(context);
            }
            if (s.budget == 0) {
                finish(s, FinishReason.LENGTH, true);
                continue;
            }
            running.add(s);
        }
        runningCount = running.size();
    }

    private void runBatch() {
        List<Batch.Chunk> chunks = new ArrayList<>();
        List<Sequence> members = new ArrayList<>();
        int tokenBudget = options.maxBatchTokens();
        for (Sequence s : running) {
            if (s.pending >= 0) {
                chunks.add(new Batch.Chunk(s.cache, new int[] {s.pending}, false));
                members.add(s);
                tokenBudget--;
            }
        }
        for (Sequence s : running) {
            if (s.pending < 0 && tokenBudget > 0) {
                int[] prompt = s.request.promptIds();
                int n = Math.min(prompt.length - s.prefilled, tokenBudget);
                if (s.prefilled == s.cached) {
                    s.prefillStart = System.nanoTime();
                }
                // a chunk may end inside a media span: it carries the prompt's media, which the model slices
                chunks.add(new Batch.Chunk(s.cache, Arrays.copyOfRange(prompt, s.prefilled, s.prefilled + n), false, s.request.media()));
                members.add(s);
                tokenBudget -= n;
            }
        }
        if (chunks.isEmpty()) {
            return;
        }
        FloatMatrix logits;
        try {
            logits = model.forward(new Batch(chunks));
            passes.incrementAndGet();
        } catch (RuntimeException e) {
            Qwen4jException error = e instanceof Qwen4jException q ? q : new Qwen4jException("internal error in the forward pass: " + e, e);
            for (Sequence s : members) {
                running.remove(s);
                s.sink.onError(error);
                finish(s, FinishReason.ERROR, false);
            }
            return;
        }
        for (int i = 0; i < members.size(); i++) {
            Sequence s = members.get(i);
            Batch.Chunk c = chunks.get(i);
            if (s.pending < 0) {
                s.prefilled += c.tokens().length;
                if (s.prefilled < s.request.promptIds().length) {
                    continue; // more prompt to go: these logits are not needed
                }
            }
            try {
                advance(s, logits, i);
            } catch (RuntimeException e) {
                // a failing constraint (or any per-request step) ends its own request, never the engine
                running.remove(s);
                s.sink.onError(e instanceof Qwen4jException q ? q : new Qwen4jException("internal error while choosing a token: " + e, e));
                finish(s, FinishReason.ERROR, false);
            }
        }
        runningCount = running.size();
    }

    /** Samples the next token of {@code s} from logits row {@code row} and hands it on. */
    private void advance(Sequence s, FloatMatrix logits, int row) {
        float[] data = logits.data();
        int off = logits.offset(row);
        GenerationRequest r = s.request;
        // log-probabilities are of the model's raw distribution, taken before any constraint masks it
        Logprobs lp = r.logprobs() ? Logprobs.of(data, off, vocab, r.topLogprobs()) : null;
        if (r.constraint() != TokenConstraint.NONE) {
            r.constraint().mask(data, off, vocab);
        }
        int token = s.sampler.sample(data, off, vocab, s.history);
        if (s.firstToken == 0) {
            s.firstToken = System.nanoTime();
        }
        if (contains(r.stopTokenIds(), token)) {
            running.remove(s);
            finish(s, FinishReason.STOP, true);
            return;
        }
        r.constraint().accept(token);
        s.out[s.generated++] = token;
        generatedTokens.incrementAndGet();
        if (s.history != null) {
            s.history.addGenerated(token);
        }
        TokenEvent event = lp != null ? lp.event(token, s.generated - 1, data[off + token])
                : new TokenEvent(token, s.generated - 1, Float.NaN, new int[0], new float[0]);
        boolean more;
        try {
            more = s.sink.onToken(event);
        } catch (RuntimeException e) {
            running.remove(s);
            s.sink.onError(e instanceof Qwen4jException q ? q : new Qwen4jException("internal error handling token " + token + ": " + e, e));
            finish(s, FinishReason.ERROR, false);
            return;
        }
        if (!more || s.generated == s.budget) {
            running.remove(s);
            finish(s, more ? FinishReason.LENGTH : FinishReason.STOP, true);
            return;
        }
        s.pending = token;
    }

    private void finish(Sequence s, FinishReason reason, boolean keepCache) {
        runningCount = running.size(); // before the result is published: a caller that saw it sees the count drop
        if (s.cache != null) {
            reservedTokens -= s.reservation();
            if (keepCache && s.cache.length() > 0) {
                // the cache holds the prompt and every generated token but the last (never fed back)
                int[] tokens = new int[s.cache.length()];
                int p = Math.min(tokens.length, s.key.length);
                System.arraycopy(s.key, 0, tokens, 0, p);
                System.arraycopy(s.out, 0, tokens, p, tokens.length - p);
                prefixCache.put(tokens, s.cache);
            }
            s.cache = null;
        }
        long now = System.nanoTime();
        long start = s.queueEnd == 0 ? now : s.queueEnd;
        long prefillStart = s.prefillStart == 0 ? start : s.prefillStart;
        long first = s.firstToken == 0 ? now : s.firstToken;
        finished.incrementAndGet();
        GenerationResult result = new GenerationResult(Arrays.copyOf(s.out, s.generated), reason, s.request.promptIds().length,
                s.cached, prefillStart - s.submitted, first - prefillStart, now - first);
        try {
            s.sink.onFinish(result);
        } catch (RuntimeException e) {
            // a failing sink must not stop the engine
        }
    }

    private static boolean contains(int[] ids, int id) {
        for (int i : ids) {
            if (i == id) {
                return true;
            }
        }
        return false;
    }

    /** Stops the loop thread; queued and running requests end as cancelled. */
    @Override
    public void close() {
        closed = true;
        Thread t;
        synchronized (this) {
            t = loop;
        }
        lock.lock();
        try {
            workArrived.signalAll();
        } finally {
            lock.unlock();
        }
        if (t != null) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        stepLock.lock();
        try {
            lock.lock();
            try {
                running.addAll(waiting);
                waiting.clear();
            } finally {
                lock.unlock();
            }
            for (Sequence s : new ArrayList<>(running)) {
                finish(s, FinishReason.CANCELLED, false);
            }
            running.clear();
        } finally {
            stepLock.unlock();
        }
    }

    /** A request's state inside the engine. */
    private static final class Sequence implements RequestHandle {
        final long id;
        final GenerationRequest request;
        final TokenSink sink;
        final int budget;
        final int[] out;
        final Sampler sampler;
        final TokenHistory history;
        final long submitted = System.nanoTime();
        KvCache cache;
        int[] key;     // the prompt as a prefix-cache key (media placeholders by content)
        int prefilled;
        int cached;
        int generated;
        int pending = -1;
        long queueEnd;
        long prefillStart;
        long firstToken;
        volatile boolean cancelled;

        Sequence(long id, GenerationRequest request, TokenSink sink, int budget, int vocab) {
            this.id = id;
            this.request = request;
            this.sink = sink;
            this.budget = Math.max(0, budget);
            this.out = new int[this.budget];
            this.sampler = new Sampler(request.sampling());
            this.history = request.sampling().hasPenalties() ? new TokenHistory(vocab, request.promptIds()) : null;
        }

        long reservation() {
            return (long) request.promptIds().length + budget;
        }

        @Override
        public long id() {
            return id;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }
}
