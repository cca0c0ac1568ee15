package io.qwen4j.tokenizer;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;

/**
 * Finds added tokens in text the way tokenizers' AddedVocabulary does (an Aho-Corasick automaton in
 * LeftmostLongest mode): the match that starts first, and of those the longest.
 */
final class AddedTokenMatcher {
    /** No match. */
    static final long NONE = -1;

    /** The tokens, longest first, so the first one that matches at a position is the longest there. */
    private final AddedToken[] tokens;
    /** The first char of every token, to skip positions quickly. */
    private final BitSet firstChars = new BitSet();
    /** The same chars as a list, when there are few (Qwen: just '<'): then String.indexOf finds candidates. */
    private final char[] fewFirstChars;

    AddedTokenMatcher(List<AddedToken> tokens) {
        List<AddedToken> sorted = new ArrayList<>(tokens);
        sorted.sort(Comparator.comparingInt((AddedToken t) -> t.content().length()).reversed());
        this.tokens = sorted.toArray(AddedToken[]::new);
        for (AddedToken t : tokens) {
            firstChars.set(t.content().charAt(0));
        }
        StringBuilder few = new StringBuilder();
        firstChars.stream().forEach(c -> few.append((char) c));
        fewFirstChars = few.length() <= 4 ? few.toString().toCharArray() : null;
    }

    boolean isEmpty() {
        return tokens.length == 0;
    }

    /**
     * The first match at or after {@code from}, packed as {@code start << 32 | index}, where
     * {@link #token(long)} gives the token; {@link #NONE} when there is none.
     */
    long find(String text, int from) {
        if (tokens.length == 0) {
            return NONE;
        }
        for (int i = nextCandidate(text, from); i >= 0; i = nextCandidate(text, i + 1)) {
            for (int k = 0; k < tokens.length; k++) {
                if (text.startsWith(tokens[k].content(), i)) {
                    return (long) i << 32 | k;
                }
            }
        }
        return NONE;
    }

    /** The first position at or after {@code from} holding the first char of some token, or -1. */
    private int nextCandidate(String text, int from) {
        if (fewFirstChars != null) {
            int best = -1;
            for (char c : fewFirstChars) {
                int at = text.indexOf(c, from);
                if (at >= 0 && (best < 0 || at < best)) {
                    best = at;
                }
            }
            return best;
        }
        for (int i = from; i < text.length(); i++) {
            if (firstChars.get(text.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    AddedToken token(long match) {
        return tokens[(int) match];
    }

    static int start(long match) {
        return (int) (match >>> 32);
    }
}
