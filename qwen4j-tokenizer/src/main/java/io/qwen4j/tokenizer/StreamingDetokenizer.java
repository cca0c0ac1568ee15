package io.qwen4j.tokenizer;

import java.util.Arrays;

/**
 * Turns ids that arrive one at a time into text that never holds half a character: the bytes of an
 * unfinished UTF-8 sequence wait for the ids that complete it. Everything {@link #accept} returned,
 * followed by {@link #flush}, equals {@link Tokenizer#decode(int[], boolean)} of all the ids. Not
 * thread-safe: one per generated sequence.
 */
public final class StreamingDetokenizer {
    private final Tokenizer tokenizer;
    private final boolean skipSpecialTokens;
    private byte[] pending = new byte[16];
    private int pendingLength;

    StreamingDetokenizer(Tokenizer tokenizer, boolean skipSpecialTokens) {
        this.tokenizer = tokenizer;
        this.skipSpecialTokens = skipSpecialTokens;
    }

    /** The text that {@code id} completes; empty while a character is still unfinished. */
    public String accept(int id) {
        byte[] bytes = tokenizer.bytesOf(id);
        if (skipSpecialTokens && tokenizer.isSpecial(id)) {
            return "";
        }
        if (pendingLength + bytes.length > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + bytes.length));
        }
        System.arraycopy(bytes, 0, pending, pendingLength, bytes.length);
        pendingLength += bytes.length;
        int ready = Utf8.unfinishedTailStart(pending, pendingLength);
        if (ready == 0) {
            return "";
        }
        String text = Utf8.decode(pending, 0, ready);
        System.arraycopy(pending, ready, pending, 0, pendingLength - ready);
        pendingLength -= ready;
        return text;
    }

    /** The unfinished tail as U+FFFD (as decode does at the end of the ids), or empty; starts afresh. */
    public String flush() {
        String text = Utf8.decode(pending, 0, pendingLength);
        pendingLength = 0;
        return text;
    }
}
