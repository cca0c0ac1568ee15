package io.qwen4j.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The GPT-2 byte-to-unicode table (mirrors tokenizers' {@code bytes_char} in pre_tokenizers/byte_level.rs):
 * bytes 0x21-0x7E, 0xA1-0xAC and 0xAE-0xFF stand for themselves; the other 68 bytes, in increasing order,
 * become U+0100, U+0101, ... U+0143 (so space is {@code Ġ} U+0120 and newline {@code Ċ} U+010A).
 */
final class ByteLevel {
    /** The character each byte becomes. */
    private static final char[] BYTE_TO_CHAR = new char[256];
    /** The byte each character stands for, or -1; indexed by char up to U+0143. */
    private static final int[] CHAR_TO_BYTE = new int[0x144];

    static {
        Arrays.fill(CHAR_TO_BYTE, -1);
        int next = 0x100;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
            char c = printable ? (char) b : (char) next++;
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteLevel() {}

    static char toChar(int unsignedByte) {
        return BYTE_TO_CHAR[unsignedByte];
    }

    /** The bytes a byte-level token string stands for. */
    static String toChars(byte[] bytes) {
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        }
        return new String(out);
    }

    /**
     * The bytes a token stands for, as tokenizers' ByteLevel decoder computes them: every character mapped
     * back through the table, or, when some character is not in the table (an added token such as
     * {@code <think>} that is not byte-level text), the token's own UTF-8 bytes.
     */
    static byte[] tokenBytes(String token) {
        byte[] out = new byte[token.length()];
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            int b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
            if (b < 0) {
                return token.getBytes(StandardCharsets.UTF_8);
            }
            out[i] = (byte) b;
        }
        return out;
    }
}
