package io.qwen4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.formats.Json;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every snippet of the corpus gives the ids Hugging Face tokenizers gives, and decodes back to its NFC form. */
class CorpusParityTest {
    private final Tokenizer tokenizer = TokenizerFixtures.qwen3();
    private final List<JsonNode> snippets = TokenizerFixtures.jsonl(TokenizerFixtures.dir().resolve("corpus/snippets.jsonl"));
    private final List<JsonNode> golden = TokenizerFixtures.jsonl(TokenizerFixtures.dir().resolve("corpus/golden_qwen3.jsonl"));
    private final List<JsonNode> reference = TokenizerFixtures.reference("snippet");

    @Test
    void everySnippetEncodesToTheGoldenIds() {
        assertEquals(snippets.size(), golden.size());
        List<String> failures = new ArrayList<>();
        long tokens = 0;
        for (int i = 0; i < snippets.size(); i++) {
            JsonNode s = snippets.get(i);
            JsonNode g = golden.get(i);
            assertEquals(g.path("id").asText(), s.path("id").asText());
            int[] expected = TokenizerFixtures.ints(g.path("ids"));
            int[] actual = tokenizer.encode(s.path("text").asText());
            tokens += actual.length;
            if (!java.util.Arrays.equals(expected, actual)) {
                failures.add(s.path("id").asText() + " (first difference at token " + firstDifference(expected, actual) + ")");
            }
        }
        System.out.println("corpus parity: " + (snippets.size() - failures.size()) + "/" + snippets.size()
                + " snippets give tokenizers' ids (" + tokens + " tokens)");
        assertEquals(List.of(), failures);
    }

    @Test
    void decodeOfEncodeIsTheNfcOfTheText() {
        assertEquals(snippets.size(), reference.size());
        for (int i = 0; i < snippets.size(); i++) {
            JsonNode ref = reference.get(i);
            assertEquals(snippets.get(i).path("id").asText(), ref.path("id").asText());
            String text = snippets.get(i).path("text").asText();
            assertEquals(ref.path("hf_nfc").asText(), tokenizer.decode(tokenizer.encode(text)), ref.path("id").asText());
            assertEquals(ref.path("hf_nfc").asText(), Nfc.normalize(text), ref.path("id").asText());
        }
    }

    @Test
    void theBytesOfEachTokenOfTheGoldenIdsMakeTokenizersDecode() {
        for (int i = 0; i < golden.size(); i++) {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            for (int id : TokenizerFixtures.ints(golden.get(i).path("ids"))) {
                bytes.writeBytes(tokenizer.tokenBytes(id));
            }
            assertEquals(reference.get(i).path("decoded").asText(), bytes.toString(java.nio.charset.StandardCharsets.UTF_8),
                    golden.get(i).path("id").asText());
        }
    }

    @Test
    void decodeOfTheGoldenIdsIsTokenizersDecode() {
        for (int i = 0; i < golden.size(); i++) {
            assertEquals(reference.get(i).path("decoded").asText(),
                    tokenizer.decode(TokenizerFixtures.ints(golden.get(i).path("ids"))), golden.get(i).path("id").asText());
        }
    }

    @Test
    void tokenCountMatchesTheGoldenMeta() {
        JsonNode meta = Json.read(TokenizerFixtures.dir().resolve("corpus/golden_qwen3.meta.json"));
        long expected = golden.stream().mapToLong(g -> g.path("n_tokens").asLong()).sum();
        long actual = snippets.stream().mapToLong(s -> tokenizer.encode(s.path("text").asText()).length).sum();
        assertEquals(expected, actual);
        assertEquals(meta.path("add_special_tokens").asBoolean(true), false);
    }

    private static int firstDifference(int[] a, int[] b) {
        int i = 0;
        while (i < a.length && i < b.length && a[i] == b[i]) {
            i++;
        }
        return i;
    }

    @Test
    void snippetIdsAreInOrder() {
        assertArrayEquals(snippets.stream().map(s -> s.path("id").asText()).toArray(),
                golden.stream().map(g -> g.path("id").asText()).toArray());
    }
}
