package io.qwen4j.engine;

import io.qwen4j.core.KvCache;
import java.util.ArrayList;
import java.util.List;

/**
 * KV caches of finished sequences, kept so that a later prompt sharing their beginning (the next turn
 * of a conversation, a common system prompt) skips recomputing it. Least recently used entries go
 * first when the token capacity is exceeded. Used by the engine thread only.
 *
 * <p>Entries are keyed by token ids in which a prompt's media placeholders are replaced by a negative id per
 * distinct media content ({@link #key}): the same picture in the next turn matches, another picture of the
 * same size does not.
 */
final class PrefixCache {
    record Hit(KvCache cache, int matched) {}

    private record Entry(int[] tokens, KvCache cache) {}

    private final long capacityTokens;
    private final List<Entry> entries = new ArrayList<>(); // most recent first
    private long tokens;
    private final java.util.Map<String, Integer> mediaIds = new java.util.LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<String, Integer> eldest) {
            return size() > 4096; // a forgotten fingerprint gets a fresh id: only a cache miss
        }
    };
    private int nextMediaId = -1;

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

    /** The cache key of a prompt: its ids, each media placeholder replaced by its content's negative id. */
    int[] key(int[] prompt, io.qwen4j.core.PromptMedia media) {
        if (media.isEmpty()) {
            return prompt;
        }
        return media.cacheKey(fingerprint -> mediaIds.computeIfAbsent(fingerprint, f -> nextMediaId--)); // 2^31 items before a repeat
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
