package io.qwen4j.engine;

import io.qwen4j.core.KvCache;
import java.util.ArrayList;
import java.util.List;

/**
 * KV caches of finished sequences, kept so that a later prompt sharing their beginning (the next turn
 * of a conversation, a common system prompt) skips recomputing it. Least recently used entries go
 * first when the token capacity is exceeded. Used by the engine thread only.
 */
final class PrefixCache {
    record Hit(KvCache cache, int matched) {}

    private record Entry(int[] tokens, KvCache cache) {}

    private final long capacityTokens;
    private final List<Entry> entries = new ArrayList<>(); // most recent first
    private long tokens;

    PrefixCache(long capacityTokens) {
        this.capacityTokens = capacityTokens;
    }

    /**
     * Removes and returns the entry sharing the longest prefix with {@code prompt}, truncated to that
     * prefix but never to the whole prompt (its last token must be fed again to get logits).
     */
    Hit take(int[] prompt) {
        int best = -1;
        int bestLen = 0;
        for (int i = 0; i < entries.size(); i++) {
            int len = commonPrefix(entries.get(i).tokens(), prompt);
            if (len > bestLen) {
                bestLen = len;
                best = i;
            }
        }
        if (best < 0) {
            return null;
        }
        Entry e = entries.remove(best);
        tokens -= e.tokens().length;
        int keep = Math.min(bestLen, prompt.length - 1);
        e.cache().truncate(keep);
        return new Hit(e.cache(), keep);
    }

    /** Keeps a finished sequence's cache, whose first positions hold {@code cachedTokens}. */
    void put(int[] cachedTokens, KvCache cache) {
        if (capacityTokens == 0 || cachedTokens.length == 0 || cachedTokens.length > capacityTokens) {
            return;
        }
        entries.addFirst(new Entry(cachedTokens, cache));
        tokens += cachedTokens.length;
        while (tokens > capacityTokens) {
            tokens -= entries.removeLast().tokens().length;
        }
    }

    int size() {
        return entries.size();
    }

    private static int commonPrefix(int[] a, int[] b) {
        int n = Math.min(a.length, b.length);
        int i = 0;
        while (i < n && a[i] == b[i]) {
            i++;
        }
        return i;
    }
}
