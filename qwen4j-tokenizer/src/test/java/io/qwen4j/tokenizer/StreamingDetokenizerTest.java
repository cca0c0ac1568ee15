package io.qwen4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/**
 * The streaming detokenizer against tokenizers' decode of every prefix of multi-byte id sequences
 * (Chinese, Japanese, Thai, emoji; tokens that end inside a code point).
 */
class StreamingDetokenizerTest {
    private final Tokenizer tokenizer = TokenizerFixtures.qwen3();

    @Test
    void streamedTextIsTheDecodeOfEveryPrefix() {
        int heldBack = 0;
        for (JsonNode row : TokenizerFixtures.reference("stream")) {
            int[] ids = TokenizerFixtures.ints(row.path("ids"));
            JsonNode prefixDecodes = row.path("prefix_decodes");
            String full = prefixDecodes.get(ids.length).asText();
            StreamingDetokenizer stream = tokenizer.streamingDetokenizer(false);
            StringBuilder emitted = new StringBuilder();
            for (int k = 1; k <= ids.length; k++) {
                String piece = stream.accept(ids[k - 1]);
                heldBack += piece.isEmpty() ? 1 : 0;
                emitted.append(piece);
                String name = row.path("name").asText() + " after " + k + " ids";
                // never half a character: what came out so far is a prefix of the final text
                assertTrue(full.startsWith(emitted.toString()), name);
                // and it is the prefix decode, less the replacement characters of an unfinished tail
                String prefix = prefixDecodes.get(k).asText();
                assertTrue(prefix.startsWith(emitted.toString()), name);
                assertTrue(prefix.substring(emitted.length()).chars().allMatch(c -> c == 0xFFFD), name);
                // flushing here gives exactly tokenizers' decode of the prefix
                StreamingDetokenizer copy = tokenizer.streamingDetokenizer(false);
                StringBuilder flushed = new StringBuilder();
                for (int i = 0; i < k; i++) {
                    flushed.append(copy.accept(ids[i]));
                }
                assertEquals(prefix, flushed.append(copy.flush()).toString(), name);
            }
            assertEquals(full, emitted + stream.flush(), row.path("name").asText());
        }
        assertTrue(heldBack > 20, "tokens ending inside a character should occur, found " + heldBack);
    }

    @Test
    void skippingSpecialTokensMatchesDecode() {
        for (JsonNode row : TokenizerFixtures.reference("decode")) {
            int[] ids = TokenizerFixtures.ints(row.path("ids"));
            boolean skip = row.path("skip_special_tokens").asBoolean();
            StreamingDetokenizer stream = tokenizer.streamingDetokenizer(skip);
            StringBuilder out = new StringBuilder();
            for (int id : ids) {
                out.append(stream.accept(id));
            }
            assertEquals(row.path("text").asText(), out.append(stream.flush()).toString(), row.toString());
        }
    }

    @Test
    void flushStartsAfresh() {
        StreamingDetokenizer stream = tokenizer.streamingDetokenizer(false);
        int leadByte = tokenizer.tokenId(String.valueOf(ByteLevel.toChar(0xF0))).orElseThrow(); // starts a 4-byte character
        assertEquals("", stream.accept(leadByte));
        assertEquals(tokenizer.decode(new int[] {leadByte}), stream.flush());
        assertEquals("", stream.flush());
    }
}
