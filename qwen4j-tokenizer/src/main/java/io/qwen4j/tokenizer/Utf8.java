package io.qwen4j.tokenizer;

import java.nio.charset.StandardCharsets;

/** UTF-8 helpers for byte-level BPE. */
final class Utf8 {
    private Utf8() {}

    /**
     * The UTF-8 bytes of a string; a lone surrogate (which no Rust or Python string can hold, so
     * tokenizers never sees one) becomes U+FFFD.
     */
    static byte[] encode(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return utf8(s);
            }
        }
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] utf8(String s) {
        byte[] out = new byte[s.length() * 3];
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                out[n++] = (byte) c;
            } else if (c < 0x800) {
                out[n++] = (byte) (0xC0 | c >> 6);
                out[n++] = (byte) (0x80 | c & 0x3F);
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                out[n++] = (byte) (0xF0 | cp >> 18);
                out[n++] = (byte) (0x80 | cp >> 12 & 0x3F);
                out[n++] = (byte) (0x80 | cp >> 6 & 0x3F);
                out[n++] = (byte) (0x80 | cp & 0x3F);
            } else {
                int cp = Character.isSurrogate(c) ? 0xFFFD : c;
                out[n++] = (byte) (0xE0 | cp >> 12);
                out[n++] = (byte) (0x80 | cp >> 6 & 0x3F);
                out[n++] = (byte) (0x80 | cp & 0x3F);
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }

    /**
     * Decodes bytes, replacing each maximal ill-formed subsequence with one U+FFFD, as Rust's
     * {@code String::from_utf8_lossy} (and Python's errors="replace") do.
     */
    static String decode(byte[] bytes, int from, int to) {
        return new String(bytes, from, to - from, StandardCharsets.UTF_8);
    }

    /**
     * Where an unfinished character at the end of {@code bytes[0, length)} starts: the position of a lead
     * byte followed by fewer continuation bytes than it needs, all valid so far; {@code length} when the
     * bytes end on a character boundary (or on bytes that can never become a character).
     */
    static int unfinishedTailStart(byte[] bytes, int length) {
        for (int back = 1; back <= 3 && back <= length; back++) {
            int lead = bytes[length - back] & 0xFF;
            if (lead < 0x80) {
                return length;
            }
            if (lead >= 0xC0) {
                int needed = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
                boolean validLead = lead >= 0xC2 && lead <= 0xF4;
                if (!validLead || back >= needed || !validSecondByte(lead, bytes, length - back + 1, length)) {
                    return length;
                }
                return length - back;
            }
        }
        return length;
    }

    /** The second byte's range depends on the lead (Unicode Table 3-7: no overlongs, surrogates or > U+10FFFF). */
    private static boolean validSecondByte(int lead, byte[] bytes, int second, int length) {
        if (second >= length) {
            return true;
        }
        int b = bytes[second] & 0xFF;
        int lo = lead == 0xE0 ? 0xA0 : lead == 0xF0 ? 0x90 : 0x80;
        int hi = lead == 0xED ? 0x9F : lead == 0xF4 ? 0x8F : 0xBF;
        return b >= lo && b <= hi;
    }
}
