package io.qwen4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The byte-per-token tokenizer of the tiny Qwen3-Omni checkpoints (tools/golden/make_tiny_omni.py). */
final class TinyOmni {
    private TinyOmni() {}

    /** Ids 0..255 are the bytes; the special tokens (and role names) have the ids of golden.json's token table. */
    static Tokenizer tokenizer(Path checkpoint) {
        JsonNode table;
        try {
            table = TestServers.JSON.readTree(checkpoint.resolve("golden.json").toFile()).get("token_ids");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> tokens = new ArrayList<>();
        int[] types = new int[512];
        for (int id = 0; id < 512; id++) {
            tokens.add(id < 256 ? String.valueOf(byteLevel(id)) : "<unused" + id + ">");
            types[id] = 1;
        }
        table.properties().forEach(e -> {
            int id = e.getValue().get("tiny").asInt();
            tokens.set(id, e.getKey());
            types[id] = Tokenizer.TOKEN_TYPE_CONTROL;
        });
        return Tokenizer.fromTokenList(tokens, List.of(), types, "tiny-omni");
    }

    /** GPT-2's bytes_to_unicode: the byte-level character of byte {@code b}. */
    static char byteLevel(int b) {
        if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)) {
            return (char) b;
        }
        int n = 0;
        for (int x = 0; x < b; x++) {
            if (!((x >= '!' && x <= '~') || (x >= 0xA1 && x <= 0xAC) || (x >= 0xAE && x <= 0xFF))) {
                n++;
            }
        }
        return (char) (256 + n);
    }
}
