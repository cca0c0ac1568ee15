package io.qwen4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.formats.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * The tiny Qwen3-Omni checkpoint (fixtures/golden/qwen3-omni-tiny) made chattable: its files plus a tokenizer.json
 * of its byte-per-token vocabulary (make_tiny_omni.py: ids 0..255 are the bytes, the special tokens and role names
 * have the ids of golden.json's table), built on Qwen3's tokenizer.json for the normaliser, pre-tokenizer and decoder.
 * No chat template: qwen4j's built-in Omni one applies.
 */
final class OmniCheckpoint {
    private OmniCheckpoint() {}

    static Path tiny() {
        return CliRunner.fixture("qwen3-omni-tiny");
    }

    static Path chattable(Path dir) throws IOException {
        try (var files = Files.list(tiny())) {
            for (Path f : files.toList()) {
                if (!f.getFileName().toString().startsWith("golden")) {
                    Files.copy(f, dir.resolve(f.getFileName()));
                }
            }
        }
        ObjectNode json;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(Path.of(System.getProperty("qwen4j.fixtures"),
                "tokenizer", "qwen3", "tokenizer.json.gz")))) {
            json = (ObjectNode) Json.MAPPER.readTree(in);
        }
        ObjectNode vocab = Json.MAPPER.createObjectNode();
        for (int b = 0; b < 256; b++) {
            vocab.put(String.valueOf(byteLevel(b)), b);
        }
        JsonNode table = Json.read(tiny().resolve("golden.json")).get("token_ids");
        java.util.Set<Integer> special = new java.util.HashSet<>();
        table.forEach(t -> special.add(t.get("tiny").asInt()));
        int rows = Json.read(tiny().resolve("config.json")).get("thinker_config").get("text_config").get("vocab_size").asInt();
        for (int id = 256; id < rows; id++) {
            if (!special.contains(id)) {
                vocab.put("<unused" + id + ">", id); // the embedding's other rows: decodable, never produced by encoding
            }
        }
        ((ObjectNode) json.get("model")).set("vocab", vocab);
        ((ObjectNode) json.get("model")).set("merges", Json.MAPPER.createArrayNode());
        ArrayNode added = Json.MAPPER.createArrayNode();
        table.properties().forEach(e -> added.addObject().put("id", e.getValue().get("tiny").asInt()).put("content", e.getKey())
                .put("single_word", false).put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true));
        json.set("added_tokens", added);
        Json.MAPPER.writeValue(dir.resolve("tokenizer.json").toFile(), json);
        return dir;
    }

    /** GPT-2's bytes_to_unicode. */
    static char byteLevel(int b) {
        int n = 0;
        for (int x = 0; x <= b; x++) {
            boolean printable = (x >= '!' && x <= '~') || (x >= 0xA1 && x <= 0xAC) || (x >= 0xAE && x <= 0xFF);
            if (x == b) {
                return printable ? (char) b : (char) (256 + n);
            }
            n += printable ? 0 : 1;
        }
        throw new IllegalArgumentException("byte " + b);
    }
}
