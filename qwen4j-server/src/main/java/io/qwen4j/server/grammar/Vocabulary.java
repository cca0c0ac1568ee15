package io.qwen4j.server.grammar;

import io.qwen4j.server.grammar.JsonGrammar.Stack;
import io.qwen4j.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The bytes of every token a constrained answer may use, sorted so that tokens sharing a prefix are
 * neighbours: computing a mask walks them in order and steps the grammar only over the bytes a token
 * does not share with the one before (a trie walk without the trie), skipping every token below a
 * prefix the grammar already refused. Special tokens are left out (stop ids are added by the
 * constraint). Immutable; built once per model and shared.
 */
public final class Vocabulary {
    private final int size;      // the model's vocabulary (logit rows), maybe above the tokenizer's
    private final int[] ids;     // token ids, by byte order
    private final byte[][] bytes; // their bytes
    private final int[] lcp;     // bytes shared with the previous entry
    private final byte[][] byId; // bytes by id; null for ids not in the walk
    private final int maxLength;

    public Vocabulary(Tokenizer tokenizer, int modelVocab) {
        this.size = modelVocab;
        int n = Math.min(modelVocab, tokenizer.vocabSize());
        byId = new byte[modelVocab][];
        List<Integer> list = new ArrayList<>();
        for (int id = 0; id < n; id++) {
            if (tokenizer.hasToken(id) && !tokenizer.isSpecial(id)) {
                byte[] b = tokenizer.tokenBytes(id);
                if (b.length > 0) {
                    byId[id] = b;
                    list.add(id);
                }
            }
        }
        list.sort((a, b) -> Arrays.compareUnsigned(byId[a], byId[b]));
        ids = list.stream().mapToInt(Integer::intValue).toArray();
        bytes = new byte[ids.length][];
        lcp = new int[ids.length];
        int max = 0;
        for (int i = 0; i < ids.length; i++) {
            bytes[i] = byId[ids[i]];
            max = Math.max(max, bytes[i].length);
            if (i > 0) {
                int m = Arrays.mismatch(bytes[i - 1], bytes[i]);
                lcp[i] = m < 0 ? bytes[i].length : m;
            }
        }
        maxLength = max;
    }

    /** Logit rows: the model's vocabulary size. */
    public int size() {
        return size;
    }

    /** The bytes of a token the grammar may use; null for special tokens and ids without text. */
    byte[] bytes(int id) {
        return id >= 0 && id < byId.length ? byId[id] : null;
    }

    /** Sets the bit of every token whose bytes the grammar accepts from {@code states}. */
    void allowed(List<Stack> states, long[] bits) {
        @SuppressWarnings("unchecked")
        List<Stack>[] level = new List[maxLength + 1];
        level[0] = states;
        int dead = Integer.MAX_VALUE; // the path of the last token walked died at this depth
        for (int k = 0; k < ids.length; k++) {
            int shared = lcp[k];
            if (shared >= dead) {
                continue; // its prefix was already refused
            }
            dead = Integer.MAX_VALUE;
            byte[] b = bytes[k];
            for (int d = shared; d < b.length; d++) {
                List<Stack> next = JsonGrammar.step(level[d], b[d] & 0xff);
                if (next.isEmpty()) {
                    dead = d + 1;
                    break;
                }
                level[d + 1] = next;
            }
            if (dead == Integer.MAX_VALUE) {
                int id = ids[k];
                bits[id >>> 6] |= 1L << id;
            }
        }
    }
}
