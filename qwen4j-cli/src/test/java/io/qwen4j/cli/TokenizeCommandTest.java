package io.qwen4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.formats.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code qwen4j tokenize} against Hugging Face tokenizers' ids and decodes (fixtures/tokenizer). */
class TokenizeCommandTest {
    @TempDir
    Path tmp;

    static Path tokenizerFixture(String name) {
        return Path.of(System.getProperty("qwen4j.fixtures"), "tokenizer", name);
    }

    static final Path TOKENIZER = tokenizerFixture("qwen3/tokenizer.json.gz");

    static List<JsonNode> jsonl(String text) {
        return text.lines().filter(l -> !l.isBlank()).map(l -> Json.parse(l, "output")).toList();
    }

    static List<JsonNode> fixtureRows(String name) throws IOException {
        return jsonl(Files.readString(tokenizerFixture(name)));
    }

    /** Snippets as {"text": ...} lines, blank lines between them (skipped), and the golden rows. */
    private Path textLines(List<JsonNode> snippets) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (JsonNode s : snippets) {
            sb.append(Json.MAPPER.writeValueAsString(java.util.Map.of("text", s.path("text").asText()))).append("\n\n");
        }
        return Files.writeString(tmp.resolve("texts.jsonl"), sb.toString());
    }

    @Test
    void encodesEverySnippetToTokenizersIds() throws IOException {
        List<JsonNode> snippets = fixtureRows("corpus/snippets.jsonl");
        List<JsonNode> golden = fixtureRows("corpus/golden_qwen3.jsonl");
        CliRunner r = CliRunner.run("tokenize", "--tokenizer", TOKENIZER.toString(), "--jsonl", textLines(snippets).toString());
        assertEquals(0, r.status(), r.err());
        List<JsonNode> out = jsonl(r.out());
        assertEquals(golden.size(), out.size());
        for (int i = 0; i < golden.size(); i++) {
            assertEquals(golden.get(i).path("ids"), out.get(i).path("ids"), golden.get(i).path("id").asText());
        }
    }

    @Test
    void decodesGoldenIdsToTokenizersText() throws IOException {
        List<JsonNode> golden = fixtureRows("corpus/golden_qwen3.jsonl");
        List<JsonNode> reference = fixtureRows("hf_reference.jsonl").stream().filter(r -> r.path("kind").asText().equals("snippet")).toList();
        StringBuilder in = new StringBuilder();
        golden.forEach(g -> in.append("{\"ids\": ").append(g.path("ids")).append("}\n"));
        Path file = Files.writeString(tmp.resolve("ids.jsonl"), in.toString());
        CliRunner r = CliRunner.run("tokenize", "--tokenizer", TOKENIZER.toString(), "--jsonl", file.toString(), "--decode");
        assertEquals(0, r.status(), r.err());
        List<JsonNode> out = jsonl(r.out());
        assertEquals(reference.size(), out.size());
        for (int i = 0; i < out.size(); i++) {
            assertEquals(reference.get(i).path("decoded").asText(), out.get(i).path("text").asText(), reference.get(i).path("id").asText());
        }
        assertTrue(r.out().chars().allMatch(c -> c < 0x80), "JSON output is ASCII");
    }

    @Test
    void readsStandardInputWithAModelFolder() throws IOException {
        Path model = Files.createDirectories(tmp.resolve("model"));
        try (InputStream gz = new GZIPInputStream(Files.newInputStream(TOKENIZER))) {
            Files.write(model.resolve("tokenizer.json"), gz.readAllBytes());
        }
        JsonNode chat = fixtureRows("hf_reference.jsonl").stream().filter(r -> r.path("name").asText().startsWith("chat_")).findFirst().orElseThrow();
        String input = Json.MAPPER.writeValueAsString(java.util.Map.of("text", chat.path("text").asText())) + "\n";
        InputStream stdin = System.in;
        try {
            System.setIn(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)));
            CliRunner r = CliRunner.run("tokenize", "--model", model.toString(), "--jsonl", "-");
            assertEquals(0, r.status(), r.err());
            assertEquals(chat.path("ids"), jsonl(r.out()).getFirst().path("ids"));
        } finally {
            System.setIn(stdin);
        }
    }

    @Test
    void badLineIsAOneLineErrorNamingItsNumber() throws IOException {
        Path file = Files.writeString(tmp.resolve("bad.jsonl"), "{\"text\": \"ok\"}\n\n{\"text\": 12}\n");
        CliRunner r = CliRunner.run("tokenize", "--tokenizer", TOKENIZER.toString(), "--jsonl", file.toString());
        BadInputTest.assertOneLineError(r, "line 3", "bad.jsonl", "\"text\"");
        Path ids = Files.writeString(tmp.resolve("ids.jsonl"), "{\"ids\": [1, 2]}\n{\"ids\": [1, 99999999]}\n");
        r = CliRunner.run("tokenize", "--tokenizer", TOKENIZER.toString(), "--jsonl", ids.toString(), "--decode");
        BadInputTest.assertOneLineError(r, "line 2", "99999999");
        Path notJson = Files.writeString(tmp.resolve("x.jsonl"), "{\"text\": \"a\"\n");
        r = CliRunner.run("tokenize", "--tokenizer", TOKENIZER.toString(), "--jsonl", notJson.toString());
        BadInputTest.assertOneLineError(r, "line 1", "not JSON");
    }

    @Test
    void missingTokenizerIsNamed() {
        CliRunner r = CliRunner.run("tokenize", "--model", tmp.toString(), "--jsonl", "-");
        BadInputTest.assertOneLineError(r, tmp.toString(), "tokenizer.json");
    }

    @Test
    void helpHasAnExample() {
        CliRunner r = CliRunner.run("tokenize", "--help");
        assertEquals(0, r.status());
        assertTrue(r.out().contains("qwen4j tokenize --tokenizer tokenizer.json --jsonl"), r.out());
        assertTrue(CliRunner.run("--help").out().contains("tokenize"));
    }
}
