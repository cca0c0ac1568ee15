package io.qwen4j.tokenizer;


/**
 * The merge rules as an open-addressing hash table from a pair of token ids to the merge's rank
 * (priority, 0 = first) and the id of the merged token: no boxing, one probe sequence per lookup, and
 * each key stored next to its value so that a lookup usually touches one cache line.
 */
final class MergeTable {
    /** Returned by {@link #find} when the pair does not merge. */
    static final long NO_MERGE = -1;
    private static final long EMPTY = -1;

    /** Slot s holds its key (left << 32 | right, or EMPTY) at 2s and its value (rank << 32 | merged id) at 2s+1. */
    private final long[] slots;
    private final int mask;

    MergeTable(int expectedMerges) {
        int capacity = Integer.highestOneBit(Math.max(4, expectedMerges * 2 - 1)) << 1;
        slots = new long[2 * capacity];
        mask = capacity - 1;
        for (int s = 0; s < capacity; s++) {
            slots[2 * s] = EMPTY;
        }
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
        while (slots[2 * s] != EMPTY && slots[2 * s] != k) {
            s = (s + 1) & mask;
        }
        slots[2 * s] = k;
        slots[2 * s + 1] = (long) rank << 32 | mergedId;
    }

    /** {@code rank << 32 | mergedId} for the pair, or {@link #NO_MERGE}. */
    long find(int left, int right) {
        long k = key(left, right);
        int s = slot(k);
        while (true) {
            long stored = slots[2 * s];
            if (stored == k) {
                return slots[2 * s + 1];
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
