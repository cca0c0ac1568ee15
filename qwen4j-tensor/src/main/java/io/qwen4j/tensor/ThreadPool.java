package io.qwen4j.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A persistent pool of platform threads for data-parallel kernels: {@link #parallelFor} splits a range
 * into chunks that the caller and the workers take from a shared counter. Workers spin briefly between
 * jobs (a decode step issues hundreds of short jobs, and waking a parked thread costs tens of
 * microseconds), then park. A job started from inside a job runs on the calling thread.
 */
public final class ThreadPool implements AutoCloseable {
    /** The body of a parallel loop over {@code [start, end)}. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int start, int end);
    }

    private static final int SPINS_BEFORE_PARK = 1 << 16;
    /** Spinning threads yield the core this often, so an oversubscribed machine still makes progress. */
    private static final int SPINS_BETWEEN_YIELDS = 1 << 8;
    private static final ThreadLocal<Boolean> INSIDE_JOB = ThreadLocal.withInitial(() -> Boolean.FALSE);

    private final int threads;
    private final Thread[] workers;
    private final ReentrantLock submitLock = new ReentrantLock();
    private final AtomicInteger nextChunk = new AtomicInteger();
    private final AtomicInteger running = new AtomicInteger();
    private volatile long generation;
    private volatile boolean closed;
    private volatile Throwable failure;
    // The current job; written before the volatile generation bump that publishes it.
    private RangeBody body;
    private int total;
    private int chunkSize;
    private int chunks;

    private ThreadPool(int threads) {
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            Thread t = new Thread(this::workerLoop, "qwen4j-compute-" + (i + 1));
            t.setDaemon(true);
            workers[i] = t;
            t.start();
        }
    }

    /** A pool of {@code threads} threads, the caller counting as one. */
    public static ThreadPool create(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        return new ThreadPool(threads);
    }

    /** The default size: every available processor. */
    public static int defaultThreads() {
        return Runtime.getRuntime().availableProcessors();
    }

    public int threads() {
        return threads;
    }

    /**
     * Runs {@code body} over {@code [0, n)} in chunks of at least {@code grain} indices, on all threads,
     * and returns when every chunk is done. Exceptions thrown by the body are rethrown here.
     */
    public void parallelFor(int n, int grain, RangeBody body) {
        if (n <= 0) {
            return;
        }
        int maxChunks = Math.max(1, n / Math.max(1, grain));
        if (threads == 1 || maxChunks == 1 || INSIDE_JOB.get() || closed) {
            body.run(0, n);
            return;
        }
        submitLock.lock();
        try {
            int nChunks = Math.min(maxChunks, threads * 4);
            this.body = body;
            this.total = n;
            this.chunkSize = (n + nChunks - 1) / nChunks;
            this.chunks = (n + chunkSize - 1) / chunkSize;
            this.failure = null;
            nextChunk.set(0);
            running.set(workers.length);
            generation = generation + 1; // publishes the job
            for (Thread w : workers) {
                LockSupport.unpark(w);
            }
            runChunks();
            for (int spins = 1; running.get() != 0; spins++) {
                if (spins % SPINS_BETWEEN_YIELDS == 0) {
                    Thread.yield();
                } else {
                    Thread.onSpinWait();
                }
            }
            this.body = null;
            Throwable t = failure;
            if (t != null) {
                if (t instanceof RuntimeException re) {
                    throw re;
                }
                if (t instanceof Error e) {
                    throw e;
                }
                throw new IllegalStateException(t);
            }
        } finally {
            submitLock.unlock();
        }
    }

    private void runChunks() {
        INSIDE_JOB.set(Boolean.TRUE);
        try {
            int c;
            while ((c = nextChunk.getAndIncrement()) < chunks) {
                int start = c * chunkSize;
                body.run(start, Math.min(total, start + chunkSize));
            }
        } catch (Throwable t) {
            failure = t;
            nextChunk.set(Integer.MAX_VALUE / 2); // the others stop taking chunks
        } finally {
            INSIDE_JOB.set(Boolean.FALSE);
        }
    }

    private void workerLoop() {
        long seen = 0;
        while (true) {
            int spins = 0;
            long g;
            while ((g = generation) == seen && !closed) {
                if (++spins >= SPINS_BEFORE_PARK) {
                    LockSupport.park(this);
                } else if (spins % SPINS_BETWEEN_YIELDS == 0) {
                    Thread.yield();
                } else {
                    Thread.onSpinWait();
                }
            }
            if (closed) {
                return;
            }
            seen = g;
            runChunks();
            running.decrementAndGet();
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }
}
