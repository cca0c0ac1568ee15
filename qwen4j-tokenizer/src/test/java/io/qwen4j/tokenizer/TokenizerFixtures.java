package io.qwen4j.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.formats.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** The tokenizer fixtures (fixtures/tokenizer, made by tools/golden/make_tokenizer_fixtures.py). */
final class TokenizerFixtures {
    private static Tokenizer qwen3;
    private static JsonNode qwen3Tree;

    private TokenizerFixtures() {}

    static Path dir() {
        return Path.of(System.getProperty("qwen4j.fixtures"), "tokenizer");
    }

    static Path qwen3Json() {
        return dir().resolve("qwen3/tokenizer.json.gz");
    }

    /** The real Qwen3 tokenizer, loaded once for all tests. */
    static synchronized Tokenizer qwen3() {
        if (qwen3 == null) {
            qwen3 = Tokenizer.load(qwen3Json());
        }
        return qwen3;
    }

    /** The Qwen3 tokenizer.json as text. */
    static String qwen3JsonText() {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(qwen3Json()))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The Qwen3 tokenizer.json as a JSON tree, parsed once (read-only: tests that change it copy it). */
    static synchronized JsonNode qwen3JsonTree() {
        if (qwen3Tree == null) {
            qwen3Tree = Json.parse(qwen3JsonText(), "tokenizer.json");
        }
        return qwen3Tree;
    }

    /** The rows of a JSONL file (gzipped when its name ends in .gz). */
    static List<JsonNode> jsonl(Path file) {
        try (InputStream raw = Files.newInputStream(file);
                InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            return r.lines().filter(l -> !l.isBlank()).map(l -> Json.parse(l, file.toString())).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Rows of hf_reference.jsonl of one kind (snippet, encode, decode, stream). */
    static List<JsonNode> reference(String kind) {
        List<JsonNode> rows = jsonl(dir().resolve("hf_reference.jsonl")).stream()
                .filter(r -> r.path("kind").asText().equals(kind)).toList();
        if (rows.isEmpty()) {
            throw new AssertionError("no '" + kind + "' rows in hf_reference.jsonl");
        }
        return rows;
    }

    static int[] ints(JsonNode array) {
        return array.valueStream().mapToInt(JsonNode::asInt).toArray();
    }
}
