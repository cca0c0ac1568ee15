package io.qwen4j.tokenizer;

/**
 * The Qwen2 pre-tokenizer: tokenizers' {@code Split} with the regex below (behaviour "Isolated"), written
 * out as a scanner. Each call returns where the piece that starts at a position ends, choosing exactly as
 * the backtracking regex engine does (Oniguruma in tokenizers): the first alternative that matches wins.
 *
 * <pre>(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+</pre>
 *
 * <p>Character classes are Oniguruma's Unicode ones: {@code \p{L}} letters (Lu Ll Lt Lm Lo), {@code \p{N}}
 * numbers (Nd Nl No), {@code \s} the White_Space property (TAB..CR, U+0085, Zs, U+2028/9 — not U+001C..1F
 * as {@link Character#isWhitespace}, not U+180E, U+200B or U+FEFF). {@code (?i:'s)} also matches
 * {@code 'ſ}: U+017F case-folds to s (checked against tokenizers).
 */
final class Qwen2PreTokenizer {
    /** The pattern in tokenizer.json that this class implements. */
    static final String PATTERN =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private static final byte OTHER = 0;
    private static final byte LETTER = 1;
    private static final byte NUMBER = 2;
    private static final byte SPACE = 3;
    /** The class of every BMP character; supplementary ones are looked up as they come. */
    private static final byte[] BMP_CLASS = new byte[0x10000];

    static {
        for (int c = 0; c < BMP_CLASS.length; c++) {
            BMP_CLASS[c] = computeClass(c);
        }
    }

    private Qwen2PreTokenizer() {}

    private static byte computeClass(int cp) {
        if (isWhiteSpace(cp)) {
            return SPACE;
        }
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> LETTER;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            default -> OTHER;
        };
    }

    /** Unicode's White_Space property, which is what Oniguruma's \s matches. */
    private static boolean isWhiteSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x85 || cp == 0x2028 || cp == 0x2029
                || Character.getType(cp) == Character.SPACE_SEPARATOR;
    }

    private static byte classOf(int cp) {
        return cp < 0x10000 ? BMP_CLASS[cp] : computeClass(cp);
    }

    /** The end (exclusive) of the piece of {@code s} that starts at {@code i < s.length()}. */
    static int pieceEnd(String s, int i) {
        int n = s.length();
        int c = s.codePointAt(i);
        int j = i + Character.charCount(c);
        byte cls = classOf(c);
        // (?i:'s|'t|'re|'ve|'m|'ll|'d)
        if (c == '\'' && j < n) {
            int end = contractionEnd(s, j);
            if (end > 0) {
                return end;
            }
        }
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if (cls == LETTER) {
            return letterRunEnd(s, j);
        }
        if (cls != NUMBER && c != '\r' && c != '\n' && j < n && classOf(s.codePointAt(j)) == LETTER) {
            return letterRunEnd(s, j);
        }
        // \p{N}
        if (cls == NUMBER) {
            return j;
        }
        // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
        if (cls == OTHER) {
            return lineBreakRunEnd(s, otherRunEnd(s, j));
        }
        if (c == ' ' && j < n && classOf(s.codePointAt(j)) == OTHER) {
            return lineBreakRunEnd(s, otherRunEnd(s, j));
        }
        // c is white space; every white-space character is a single char (all are in the BMP)
        int spaceEnd = j;
        while (spaceEnd < n && BMP_CLASS[s.charAt(spaceEnd)] == SPACE) {
            spaceEnd++;
        }
        // \s*[\r\n]+ : through the last CR or LF of the run
        for (int k = spaceEnd - 1; k >= i; k--) {
            char ch = s.charAt(k);
            if (ch == '\r' || ch == '\n') {
                return k + 1;
            }
        }
        // \s+(?!\S) : the whole run at the end of the text, else the run less its last character
        if (spaceEnd == n) {
            return n;
        }
        if (spaceEnd - i >= 2) {
            return spaceEnd - 1;
        }
        // \s+
        return spaceEnd;
    }

    /** After an apostrophe at {@code j - 1}: the end of a contraction, or -1. */
    private static int contractionEnd(String s, int j) {
        char a = Character.toLowerCase(s.charAt(j));
        if (a == 's' || a == 't' || a == 'm' || a == 'd' || a == '\u017F') {
            return j + 1;
        }
        if (j + 1 < s.length()) {
            char b = Character.toLowerCase(s.charAt(j + 1));
            if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) {
                return j + 2;
            }
        }
        return -1;
    }

    private static int letterRunEnd(String s, int j) {
        return runEnd(s, j, LETTER);
    }

    private static int otherRunEnd(String s, int j) {
        return runEnd(s, j, OTHER);
    }

    private static int runEnd(String s, int j, byte cls) {
        int n = s.length();
        while (j < n) {
            char ch = s.charAt(j);
            if (!Character.isSurrogate(ch)) {
                if (BMP_CLASS[ch] != cls) {
                    return j;
                }
                j++;
            } else {
                int cp = s.codePointAt(j);
                if (classOf(cp) != cls) {
                    return j;
                }
                j += Character.charCount(cp);
            }
        }
        return j;
    }

    private static int lineBreakRunEnd(String s, int j) {
        while (j < s.length() && (s.charAt(j) == '\r' || s.charAt(j) == '\n')) {
            j++;
        }
        return j;
    }
}
