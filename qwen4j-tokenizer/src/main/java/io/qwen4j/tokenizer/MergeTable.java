package io.qwen4j.tokenizer;

import java.util.Arrays;

/**
 * The merge rules as an open-addressing hash table from a pair of token ids to the merge's rank
 * (priority, 0 = first) and the id of the merged token: no boxing, one probe sequence per lookup.
 */
final class MergeTable {
    /** Returned by {@link #find} when the pair does not merge. */
    static final long NO_MERGE = -1;

    private final long[] keys; // left << 32 | right, or EMPTY
    private final long[] values; // rank << 32 | merged id
    private final int mask;
    private static final long EMPTY = -1;

    MergeTable(int expectedMerges) {
        int capacity = Integer.highestOneBit(Math.max(4, expectedMerges * 2 - 1)) << 1;
        keys = new long[capacity];
        values = new long[capacity];
        mask = capacity - 1;
        Arrays.fill(keys, EMPTY);
    }

    private static long key(int left, int right) {
        return (long) left << 32 | (right & 0xFFFFFFFFL);
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29)) & mask;
    }

    /** Adds a rule; a pair listed twice keeps its last rank, as collecting into tokenizers' HashMap does. */
    void put(int left, int right, int rank, int mergedId) {
        long k = key(left, right);
        int s = slot(k);
        while (keys[s] != EMPTY && keys[s] != k) {
            s = (s + 1) & mask;
        }
        keys[s] = k;
        values[s] = (long) rank << 32 | mergedId;
    }

    /** {@code rank << 32 | mergedId} for the pair, or {@link #NO_MERGE}. */
    long find(int left, int right) {
        long k = key(left, right);
        int s = slot(k);
        while (true) {
            long stored = keys[s];
            if (stored == k) {
                return values[s];
            }
            if (stored == EMPTY) {
                return NO_MERGE;
            }
            s = (s + 1) & mask;
        }
    }

    static int rank(long merge) {
        return (int) (merge >>> 32);
    }

    static int mergedId(long merge) {
        return (int) merge;
    }
}
