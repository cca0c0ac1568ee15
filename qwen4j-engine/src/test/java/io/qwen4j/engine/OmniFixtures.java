package io.qwen4j.engine;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.formats.Json;
import io.qwen4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/** Fixtures of the Qwen3-Omni tests: the tokenizers, the tiny checkpoint, the media. */
final class OmniFixtures {
    private OmniFixtures() {}

    static Path fixtures() {
        return Path.of(System.getProperty("qwen4j.fixtures"));
    }

    static Path tinyOmni() {
        return fixtures().resolve("golden").resolve("qwen3-omni-tiny");
    }

    /**
     * The Qwen3-Omni tokenizer: Qwen3's tokenizer.json with the added tokens of fixtures/tokenizer/qwen3-omni
     * appended (make_omni_prompt_goldens.py checked that this is the shared Omni tokenizer.json), written under {@code dir}.
     */
    static Tokenizer omniTokenizer(Path dir) {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(fixtures().resolve("tokenizer/qwen3/tokenizer.json.gz")))) {
            ObjectNode json = (ObjectNode) Json.MAPPER.readTree(in);
            ArrayNode added = (ArrayNode) json.get("added_tokens");
            Json.read(fixtures().resolve("tokenizer/qwen3-omni/added_tokens.json")).forEach(added::add);
            Path file = dir.resolve("tokenizer.json");
            Json.MAPPER.writeValue(file.toFile(), json);
            return Tokenizer.load(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The byte-per-token tokenizer of the tiny Omni checkpoint (make_tiny_omni.py): ids 0..255 are the bytes, the
     * special tokens (and the role names) have the ids of golden.json's token table.
     */
    static Tokenizer tinyTokenizer() {
        Map<String, Integer> special = new HashMap<>();
        Json.read(tinyOmni().resolve("golden.json")).get("token_ids").properties()
                .forEach(e -> special.put(e.getKey(), e.getValue().get("tiny").asInt()));
        return Tokenizer.bytePerToken(512, special, "tiny-omni");
    }
}
