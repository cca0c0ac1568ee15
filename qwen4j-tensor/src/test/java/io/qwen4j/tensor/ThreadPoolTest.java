package io.qwen4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ThreadPoolTest {
    @Test
    void everyIndexRunsExactlyOnce() {
        try (ThreadPool pool = ThreadPool.create(4)) {
            for (int n : new int[] {1, 2, 7, 100, 1001}) {
                for (int rep = 0; rep < 200; rep++) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(n);
                    pool.parallelFor(n, 1, (s, e) -> {
                        for (int i = s; i < e; i++) {
                            hits.incrementAndGet(i);
                        }
                    });
                    for (int i = 0; i < n; i++) {
                        assertEquals(1, hits.get(i), "index " + i + " of " + n);
                    }
                }
            }
        }
    }

    @Test
    void nestedLoopsRunOnTheCallingThread() {
        try (ThreadPool pool = ThreadPool.create(2)) {
            AtomicIntegerArray hits = new AtomicIntegerArray(64);
            pool.parallelFor(8, 1, (s, e) -> {
                for (int i = s; i < e; i++) {
                    int outer = i;
                    pool.parallelFor(8, 1, (s2, e2) -> {
                        for (int j = s2; j < e2; j++) {
                            hits.incrementAndGet(outer * 8 + j);
                        }
                    });
                }
            });
            for (int i = 0; i < 64; i++) {
                assertEquals(1, hits.get(i));
            }
        }
    }

    @Test
    void exceptionsReachTheCaller() {
        try (ThreadPool pool = ThreadPool.create(3)) {
            assertThrows(ArithmeticException.class, () -> pool.parallelFor(100, 1, (s, e) -> {
                if (s <= 50 && 50 < e) {
                    throw new ArithmeticException("boom");
                }
            }));
            // The pool still works afterwards.
            AtomicIntegerArray hits = new AtomicIntegerArray(10);
            pool.parallelFor(10, 1, (s, e) -> {
                for (int i = s; i < e; i++) {
                    hits.incrementAndGet(i);
                }
            });
            assertEquals(1, hits.get(9));
        }
    }
}
