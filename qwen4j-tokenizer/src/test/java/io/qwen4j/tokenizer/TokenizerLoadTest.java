package io.qwen4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.common.InvalidInputException;
import io.qwen4j.common.ModelFileException;
import io.qwen4j.formats.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ways to make a tokenizer (file, gzipped file, folder, raw lists as GGUF holds them) and bad files. */
class TokenizerLoadTest {
    @TempDir
    Path tmp;

    private final Tokenizer reference = TokenizerFixtures.qwen3();

    /** Texts that exercise every part of the pipeline: the edge cases of the reference file. */
    private List<JsonNode> cases() {
        return TokenizerFixtures.reference("encode");
    }

    private void assertSameEncodings(Tokenizer other) {
        for (JsonNode row : cases()) {
            assertArrayEquals(TokenizerFixtures.ints(row.path("ids")), other.encode(row.path("text").asText()), row.path("name").asText());
        }
    }

    @Test
    void plainJsonInAModelFolderReadsLikeTheGzippedFile() throws IOException {
        Path folder = Files.createDirectories(tmp.resolve("model"));
        Files.writeString(folder.resolve("tokenizer.json"), TokenizerFixtures.qwen3JsonText());
        assertSameEncodings(Tokenizer.load(folder));
        assertSameEncodings(Tokenizer.load(folder.resolve("tokenizer.json")));
    }

    @Test
    void mergesAsStringsReadLikeMergesAsPairs() throws IOException {
        ObjectNode root = TokenizerFixtures.qwen3JsonTree().deepCopy();
        var merges = root.withObjectProperty("model").withArrayProperty("merges");
        List<String> asStrings = new ArrayList<>();
        merges.forEach(m -> asStrings.add(m.get(0).asText() + " " + m.get(1).asText()));
        merges.removeAll();
        asStrings.forEach(merges::add);
        Path file = tmp.resolve("tokenizer.json");
        Json.MAPPER.writeValue(file.toFile(), root);
        assertSameEncodings(Tokenizer.load(file));
    }

    @Test
    void ggufStyleTokenListGivesTheSameTokenizer() {
        JsonNode root = TokenizerFixtures.qwen3JsonTree();
        List<String> tokens = new ArrayList<>();
        int[] types = new int[reference.vocabSize()];
        for (int id = 0; id < reference.vocabSize(); id++) {
            tokens.add(reference.tokenText(id));
            types[id] = 1; // normal
        }
        for (AddedToken t : reference.addedTokens()) {
            types[t.id()] = t.special() ? Tokenizer.TOKEN_TYPE_CONTROL : Tokenizer.TOKEN_TYPE_USER_DEFINED;
        }
        List<String> merges = new ArrayList<>();
        root.path("model").path("merges").forEach(m -> merges.add(m.get(0).asText() + " " + m.get(1).asText()));
        Tokenizer gguf = Tokenizer.fromTokenList(tokens, merges, types, "test.gguf");
        assertSameEncodings(gguf);
        for (AddedToken t : reference.addedTokens()) {
            assertEquals(t.special(), gguf.isSpecial(t.id()), t.content());
        }
    }

    @Test
    void bytePerTokenEncodesEachUtf8ByteAsItsOwnId() {
        Tokenizer bytes = Tokenizer.bytePerToken(300, java.util.Map.of("<|im_start|>", 290), "tiny");
        assertEquals(300, bytes.vocabSize());
        for (JsonNode row : cases()) {
            String text = java.text.Normalizer.normalize(row.path("text").asText(), java.text.Normalizer.Form.NFC); // Qwen's normalizer
            byte[] utf8 = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            int[] expected = new int[utf8.length];
            for (int i = 0; i < utf8.length; i++) {
                expected[i] = utf8[i] & 0xFF;
            }
            if (!text.contains("<|im_start|>")) {
                assertArrayEquals(expected, bytes.encode(text), row.path("name").asText());
            }
            assertEquals(text, bytes.decode(bytes.encode(text)), row.path("name").asText());
        }
        assertArrayEquals(new int[] {'a', 290, 'b'}, bytes.encode("a<|im_start|>b"));
        assertTrue(bytes.isSpecial(290));
        assertEquals("<unused299>", bytes.tokenText(299));
    }

    @Test
    void addedTokenMatchedAfterNormalisation() {
        JsonNode root = TokenizerFixtures.qwen3JsonTree();
        java.util.Map<String, Integer> vocab = new java.util.HashMap<>();
        root.path("model").path("vocab").properties().forEach(e -> vocab.put(e.getKey(), e.getValue().asInt()));
        List<Merge> merges = new ArrayList<>();
        root.path("model").path("merges").forEach(m -> merges.add(new Merge(m.get(0).asText(), m.get(1).asText())));
        List<JsonNode> rows = TokenizerFixtures.reference("normalized_added");
        JsonNode extra = rows.getFirst().path("token");
        List<AddedToken> added = new ArrayList<>(reference.addedTokens());
        added.add(new AddedToken(extra.path("id").asInt(), extra.path("content").asText(), extra.path("special").asBoolean(),
                extra.path("normalized").asBoolean()));
        Tokenizer tokenizer = Tokenizer.of(vocab, merges, added, "test");
        for (JsonNode row : rows) {
            assertArrayEquals(TokenizerFixtures.ints(row.path("ids")), tokenizer.encode(row.path("text").asText()), row.path("text").asText());
        }
    }

    @Test
    void missingFileAndFolderWithoutTokenizerAreNamed() {
        assertOneLine(assertThrows(ModelFileException.class, () -> Tokenizer.load(tmp.resolve("nowhere.json"))), "nowhere.json");
        assertOneLine(assertThrows(ModelFileException.class, () -> Tokenizer.load(tmp)), "tokenizer.json");
    }

    @Test
    void truncatedJsonIsNamed() throws IOException {
        Path file = tmp.resolve("tokenizer.json");
        Files.writeString(file, TokenizerFixtures.qwen3JsonText().substring(0, 5000));
        assertOneLine(assertThrows(ModelFileException.class, () -> Tokenizer.load(file)), file.toString());
    }

    @Test
    void anotherPreTokenizerIsRefused() throws IOException {
        Path file = tmp.resolve("tokenizer.json");
        Files.writeString(file, TokenizerFixtures.qwen3JsonText().replace("|\\\\p{N}|", "|\\\\p{N}{1,3}|"));
        assertOneLine(assertThrows(ModelFileException.class, () -> Tokenizer.load(file)), file.toString(), "pre_tokenizer");
    }

    @Test
    void mergeOfUnknownTokensIsRefused() {
        var e = assertThrows(ModelFileException.class, () -> Tokenizer.fromTokenList(
                byteTokens(), List.of("a b", "x q"), new int[256], "tiny.gguf"));
        assertOneLine(e, "tiny.gguf", "merge 0");
    }

    @Test
    void idOutsideTheVocabularyIsAnInputError() {
        var e = assertThrows(InvalidInputException.class, () -> reference.decode(new int[] {1, reference.vocabSize()}));
        assertOneLine(e, Integer.toString(reference.vocabSize()));
        assertThrows(InvalidInputException.class, () -> reference.tokenText(-1));
        assertTrue(reference.tokenId("no such token").isEmpty());
    }

    private static List<String> byteTokens() {
        List<String> out = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            out.add(String.valueOf(ByteLevel.toChar(b)));
        }
        return out;
    }

    private static void assertOneLine(RuntimeException e, String... mustContain) {
        String m = e.getMessage();
        assertEquals(1, m.lines().count(), m);
        for (String s : mustContain) {
            assertTrue(m.contains(s), "'" + s + "' missing from: " + m);
        }
    }
}
