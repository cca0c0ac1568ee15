package io.qwen4j.server;

import io.qwen4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** The byte-per-token tokenizer of the tiny Qwen3-Omni checkpoints (tools/golden/make_tiny_omni.py). */
final class TinyOmni {
    private TinyOmni() {}

    /** Ids 0..255 are the bytes; the special tokens (and role names) have the ids of golden.json's token table. */
    static Tokenizer tokenizer(Path checkpoint) {
        Map<String, Integer> special = new HashMap<>();
        try {
            TestServers.JSON.readTree(checkpoint.resolve("golden.json").toFile()).get("token_ids").properties()
                    .forEach(e -> special.put(e.getKey(), e.getValue().get("tiny").asInt()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Tokenizer.bytePerToken(512, special, "tiny-omni");
    }
}
