package io.qwen4j.tokenizer;

import java.text.Normalizer;

/**
 * Unicode NFC exactly as Hugging Face tokenizers computes it (its {@code normalizers.NFC}).
 *
 * <p>tokenizers normalises with the crate unicode-normalization-alignments, whose tables are Unicode
 * 9.0; {@link java.text.Normalizer} uses the JDK's much newer tables (Unicode 16 in Java 25). For the
 * characters of Unicode 9.0 both agree, since decompositions, combining classes and composition
 * exclusions of an assigned character never change (Unicode's normalization stability policy). They
 * differ only on characters assigned later: to tokenizers those are unassigned code points, with
 * combining class 0, no decomposition and no composition. So U+1DFA (a combining mark since Unicode 14)
 * is a starter there and blocks reordering and composition, where Java would reorder it.
 *
 * <p>Hence the approach: cut the text at every code point not assigned in Unicode 9.0 (an inert starter
 * to tokenizers), normalise the pieces in between with {@link java.text.Normalizer}, and keep the cut
 * characters as they are. A piece never interacts with its neighbours across such a starter, so this
 * is the Unicode 9.0 NFC of the whole text. Checked against every line of the Unicode
 * NormalizationTest (fixture hf_nfc_normalizationtest.jsonl.gz): all agree with tokenizers, where
 * plain {@code java.text.Normalizer} disagrees on 648 lines.
 *
 * <p>Fast path: text that Java's newer tables consider NFC is NFC under Unicode 9.0 too (every piece
 * between cuts is a substring of an NFC string with the same properties), so it is returned unchanged.
 */
final class Nfc {
    private Nfc() {}

    static String normalize(String text) {
        if (isBelowCombiningMarks(text) || Normalizer.isNormalized(text, Normalizer.Form.NFC)) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int pieceStart = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int next = i + Character.charCount(cp);
            if (!Unicode9.isAssigned(cp)) {
                out.append(Normalizer.normalize(text.substring(pieceStart, i), Normalizer.Form.NFC));
                out.appendCodePoint(cp);
                pieceStart = next;
            }
            i = next;
        }
        out.append(Normalizer.normalize(text.substring(pieceStart), Normalizer.Form.NFC));
        return out.toString();
    }

    /** Text below U+0300 (Latin-1 and Latin Extended) is always NFC: nothing there combines. */
    private static boolean isBelowCombiningMarks(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) >= 0x300) {
                return false;
            }
        }
        return true;
    }
}
