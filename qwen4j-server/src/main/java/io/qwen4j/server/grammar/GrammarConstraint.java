package io.qwen4j.server.grammar;

import io.qwen4j.engine.TokenConstraint;
import io.qwen4j.server.grammar.JsonGrammar.Stack;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Constrained decoding with a {@link JsonGrammar}: before each draw, every token whose bytes the grammar
 * would refuse from the current position is masked; the end-of-answer ids are allowed only where the
 * output may end, and are the only ones allowed once it must. Masks are cached by position (a long
 * string's characters all share one). One per generated sequence; used on the engine thread.
 */
public final class GrammarConstraint implements TokenConstraint {
    private static final int CACHED_MASKS = 32;

    private final Vocabulary vocabulary;
    private final int[] stopIds;
    private List<Stack> states;
    private final Map<List<Stack>, long[]> masks = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<List<Stack>, long[]> eldest) {
            return size() > CACHED_MASKS;
        }
    };

    /** @param start the positions the output may start from (several when it may begin in different ways) */
    public GrammarConstraint(Vocabulary vocabulary, int[] stopIds, List<Stack> start) {
        this.vocabulary = vocabulary;
        this.stopIds = stopIds.clone();
        this.states = List.copyOf(start);
    }

    @Override
    public void mask(float[] logits, int off, int vocab) {
        long[] allowed = allowed();
        for (int i = 0; i < vocab; i++) {
            if ((allowed[i >>> 6] & (1L << i)) == 0) {
                logits[off + i] = Float.NEGATIVE_INFINITY;
            }
        }
    }

    /** The tokens allowed next, as bits by id. */
    long[] allowed() {
        long[] cached = masks.get(states);
        if (cached != null) {
            return cached;
        }
        long[] bits = new long[(vocabulary.size() + 63) >>> 6];
        vocabulary.allowed(states, bits);
        boolean any = false;
        for (long w : bits) {
            any |= w != 0;
        }
        boolean mayEnd = !any;
        for (Stack s : states) {
            mayEnd |= JsonGrammar.accepting(s);
        }
        if (mayEnd) {
            for (int id : stopIds) {
                if (id >= 0 && id < vocabulary.size()) {
                    bits[id >>> 6] |= 1L << id;
                }
            }
        }
        masks.put(states, bits);
        return bits;
    }

    @Override
    public void accept(int token) {
        byte[] b = vocabulary.bytes(token);
        if (b == null) {
            return; // a stop id (the answer ends) or a token the mask never allows
        }
        List<Stack> next = states;
        for (byte x : b) {
            next = JsonGrammar.step(next, x & 0xff);
        }
        states = next.isEmpty() ? List.of(JsonGrammar.END) : next;
    }

    @Override
    public boolean complete() {
        for (Stack s : states) {
            if (!JsonGrammar.finished(s)) {
                return false;
            }
        }
        return true;
    }

    /** The positions the output is at now. */
    List<Stack> states() {
        return new ArrayList<>(states);
    }
}
