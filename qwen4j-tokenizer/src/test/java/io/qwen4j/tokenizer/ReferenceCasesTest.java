package io.qwen4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** Edge cases, special tokens and decoding, against tokenizers' outputs in hf_reference.jsonl. */
class ReferenceCasesTest {
    private final Tokenizer tokenizer = TokenizerFixtures.qwen3();

    @Test
    void edgeCasesAndChatPromptsEncodeAsTokenizersDoes() {
        for (JsonNode row : TokenizerFixtures.reference("encode")) {
            assertArrayEquals(TokenizerFixtures.ints(row.path("ids")), tokenizer.encode(row.path("text").asText()),
                    row.path("name").asText());
        }
    }

    @Test
    void decodeAsTokenizersDoesWithAndWithoutSpecialTokens() {
        int invalidUtf8 = 0;
        for (JsonNode row : TokenizerFixtures.reference("decode")) {
            String expected = row.path("text").asText();
            invalidUtf8 += expected.contains("\uFFFD") ? 1 : 0;
            assertEquals(expected, tokenizer.decode(TokenizerFixtures.ints(row.path("ids")), row.path("skip_special_tokens").asBoolean()),
                    row.toString());
        }
        assertTrue(invalidUtf8 > 10, "the reference should exercise U+FFFD replacement, found " + invalidUtf8);
    }

    @Test
    void specialFlagsAreThoseOfTheFile() {
        JsonNode root = TokenizerFixtures.qwen3JsonTree();
        int count = 0;
        for (JsonNode t : root.path("added_tokens")) {
            int id = t.path("id").asInt();
            assertEquals(t.path("special").asBoolean(), tokenizer.isSpecial(id), t.toString());
            assertEquals(t.path("content").asText(), tokenizer.tokenText(id));
            assertEquals(id, tokenizer.tokenId(t.path("content").asText()).orElseThrow());
            count++;
        }
        assertEquals(count, tokenizer.addedTokens().size());
        assertEquals(root.path("model").path("vocab").size() + count, tokenizer.vocabSize());
        // spec §3: reasoning and tool tokens are added tokens but not special, so they survive skipping
        for (String kept : new String[] {"<think>", "</think>", "<tool_call>", "</tool_call>", "<tool_response>"}) {
            assertFalse(tokenizer.isSpecial(tokenizer.tokenId(kept).orElseThrow()), kept);
        }
    }

    @Test
    void vocabularyTokensRoundTrip() {
        JsonNode vocab = TokenizerFixtures.qwen3JsonTree().path("model").path("vocab");
        for (var e : vocab.properties()) {
            assertEquals(e.getValue().asInt(), tokenizer.tokenId(e.getKey()).orElseThrow());
            assertEquals(e.getKey(), tokenizer.tokenText(e.getValue().asInt()));
        }
    }
}
