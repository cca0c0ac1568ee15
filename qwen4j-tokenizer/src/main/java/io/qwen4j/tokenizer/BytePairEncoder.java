package io.qwen4j.tokenizer;

/**
 * Byte-level BPE over one pre-token (mirrors tokenizers' BPE model with the ByteLevel pre-tokenizer): the
 * UTF-8 bytes of the piece start as one symbol each (the vocabulary id of the byte's GPT-2 character),
 * then the adjacent pair with the lowest merge rank, leftmost on ties, merges until no pair does.
 * Results are cached per piece, like tokenizers' word cache ({@link PieceCache}).
 */
final class BytePairEncoder {
    /** Pieces longer than this (in bytes) merge with a heap; shorter ones by scanning, which is faster. */
    private static final int HEAP_THRESHOLD = 64;
    /** log2 of the piece cache's entries: 65536 entries, a few MB. */
    private static final int CACHE_LOG2_SIZE = 16;

    private final int[] byteIds;
    private final MergeTable merges;
    private final PieceCache cache = new PieceCache(CACHE_LOG2_SIZE);

    /** @param byteIds the vocabulary id of each byte's single-character token */
    BytePairEncoder(int[] byteIds, MergeTable merges) {
        this.byteIds = byteIds;
        this.merges = merges;
    }

    /** Appends the ids of the piece {@code text[start, end)} to {@code out}. */
    void encode(String text, int start, int end, IntList out) {
        if (end - start == 1 && text.charAt(start) < 0x80) {
            out.add(byteIds[text.charAt(start)]);
            return;
        }
        int hash = PieceCache.hash(text, start, end);
        int[] ids = cache.get(text, start, end, hash);
        if (ids == null) {
            String piece = text.substring(start, end);
            ids = encodeBytes(Utf8.encode(piece));
            cache.put(piece, hash, ids);
        }
        out.addAll(ids);
    }

    /** Empties the piece cache (for benchmarks that measure BPE itself). */
    void clearCache() {
        cache.clear();
    }

    int[] encodeBytes(byte[] bytes) {
        int[] symbols = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            symbols[i] = byteIds[bytes[i] & 0xFF];
        }
        return symbols.length <= HEAP_THRESHOLD ? mergeByScanning(symbols) : mergeWithHeap(symbols);
    }

    /** Finds the lowest-ranked pair by scanning the pair ranks; O(n²) but tight for short pieces. */
    private int[] mergeByScanning(int[] symbols) {
        int n = symbols.length;
        long[] pairMerges = new long[Math.max(0, n - 1)];
        for (int i = 0; i + 1 < n; i++) {
            pairMerges[i] = merges.find(symbols[i], symbols[i + 1]);
        }
        while (n > 1) {
            int best = -1;
            long bestMerge = Long.MAX_VALUE;
            for (int i = 0; i + 1 < n; i++) {
                long m = pairMerges[i];
                if (m != MergeTable.NO_MERGE && m < bestMerge) { // rank is the high half: compares by rank
                    bestMerge = m;
                    best = i;
                }
            }
            if (best < 0) {
                break;
            }
            symbols[best] = MergeTable.mergedId(bestMerge);
            System.arraycopy(symbols, best + 2, symbols, best + 1, n - best - 2);
            System.arraycopy(pairMerges, best + 1, pairMerges, best, n - best - 2);
            n--;
            if (best > 0) {
                pairMerges[best - 1] = merges.find(symbols[best - 1], symbols[best]);
            }
            if (best + 1 < n) {
                pairMerges[best] = merges.find(symbols[best], symbols[best + 1]);
            }
        }
        return n == symbols.length ? symbols : java.util.Arrays.copyOf(symbols, n);
    }

    /**
     * tokenizers' {@code Word::merge_all}: a min-heap of (rank, position) over a linked list of symbols;
     * an entry whose pair has changed since it was pushed is skipped when popped.
     */
    private int[] mergeWithHeap(int[] symbols) {
        int n = symbols.length;
        int[] next = new int[n];
        int[] prev = new int[n];
        boolean[] gone = new boolean[n];
        LongHeap heap = new LongHeap(n);
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
            if (i + 1 < n) {
                push(heap, symbols, i, i + 1);
            }
        }
        while (!heap.isEmpty()) {
            long top = heap.pop();
            int pos = (int) top;
            int rank = (int) (top >>> 32);
            if (gone[pos] || next[pos] < 0) {
                continue;
            }
            int right = next[pos];
            long m = merges.find(symbols[pos], symbols[right]);
            if (m == MergeTable.NO_MERGE || MergeTable.rank(m) != rank) {
                continue;
            }
            symbols[pos] = MergeTable.mergedId(m);
            gone[right] = true;
            next[pos] = next[right];
            if (next[pos] >= 0) {
                prev[next[pos]] = pos;
                push(heap, symbols, pos, next[pos]);
            }
            if (prev[pos] >= 0) {
                push(heap, symbols, prev[pos], pos);
            }
        }
        IntList out = new IntList(n);
        for (int i = 0; i >= 0; i = next[i]) {
            out.add(symbols[i]);
        }
        return out.toArray();
    }

    private void push(LongHeap heap, int[] symbols, int left, int right) {
        long m = merges.find(symbols[left], symbols[right]);
        if (m != MergeTable.NO_MERGE) {
            heap.push((long) MergeTable.rank(m) << 32 | left);
        }
    }

    /** A binary min-heap of longs. */
    private static final class LongHeap {
        private long[] items;
        private int size;

        LongHeap(int capacity) {
            items = new long[Math.max(4, capacity)];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void push(long v) {
            if (size == items.length) {
                items = java.util.Arrays.copyOf(items, size * 2);
            }
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (items[parent] <= v) {
                    break;
                }
                items[i] = items[parent];
                i = parent;
            }
            items[i] = v;
        }

        long pop() {
            long top = items[0];
            long last = items[--size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size && items[child + 1] < items[child]) {
                    child++;
                }
                if (last <= items[child]) {
                    break;
                }
                items[i] = items[child];
                i = child;
            }
            items[i] = last;
            return top;
        }
    }
}
