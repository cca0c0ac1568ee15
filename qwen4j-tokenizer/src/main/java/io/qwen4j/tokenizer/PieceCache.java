package io.qwen4j.tokenizer;

/**
 * The ids of recently seen pieces, looked up by a range of the text without copying it out. A fixed
 * two-way set-associative table: a new piece replaces an old one in its set, so memory stays bounded
 * (tokenizers' word cache instead stops caching when full). Thread-safe without locks: entries are
 * immutable, so a racing reader sees either a whole entry or another one, and a lost write only costs
 * a recomputation.
 */
final class PieceCache {
    private record Entry(String piece, int hash, int[] ids) {}

    private final Entry[] entries;
    private final int mask;

    /** @param log2Size log2 of the number of entries */
    PieceCache(int log2Size) {
        entries = new Entry[1 << log2Size];
        mask = entries.length - 1;
    }

    static int hash(String text, int start, int end) {
        int h = 0;
        for (int i = start; i < end; i++) {
            h = 31 * h + text.charAt(i);
        }
        return h ^ (h >>> 15);
    }

    /** The ids cached for {@code text[start, end)} whose {@link #hash} is {@code hash}, or null. */
    int[] get(String text, int start, int end, int hash) {
        int set = hash & mask & ~1;
        for (int way = 0; way < 2; way++) {
            Entry e = entries[set + way];
            if (e != null && e.hash == hash && e.piece.length() == end - start && text.regionMatches(start, e.piece, 0, end - start)) {
                return e.ids;
            }
        }
        return null;
    }

    void put(String piece, int hash, int[] ids) {
        int set = hash & mask & ~1;
        int way = entries[set] == null ? 0 : entries[set + 1] == null ? 1 : (hash >>> 20) & 1;
        entries[set + way] = new Entry(piece, hash, ids);
    }

    void clear() {
        java.util.Arrays.fill(entries, null);
    }
}
