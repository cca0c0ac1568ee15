package io.qwen4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.core.CausalLm;
import io.qwen4j.engine.ChatEngine;
import io.qwen4j.engine.EngineOptions;
import io.qwen4j.engine.GenerationDefaults;
import io.qwen4j.engine.OmniPrompt;
import io.qwen4j.media.MediaLimits;
import io.qwen4j.models.Architectures;
import io.qwen4j.models.LoadOptions;
import io.qwen4j.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The tiny Qwen3-Omni thinker of fixtures/golden/qwen3-omni-thinker-tiny (tools/golden/make_tiny_omni.py) as a chat
 * engine, with the byte-per-token tokenizer it was made with, and the real media of fixtures/media.
 */
final class OmniServers {
    private OmniServers() {}

    static final String MODEL = "tiny-omni";

    static Path fixtures() {
        return Path.of(System.getProperty("qwen4j.fixtures"));
    }

    static Path media(String name) {
        return fixtures().resolve(name);
    }

    static Path checkpoint() {
        return fixtures().resolve("golden").resolve("qwen3-omni-thinker-tiny");
    }

    static ChatEngine engine(EngineOptions options) {
        CausalLm model = Architectures.load(checkpoint(), LoadOptions.defaults().withThreads(2));
        return new ChatEngine(MODEL, model, tinyTokenizer(), OmniPrompt.fallbackTemplate(), GenerationDefaults.TRANSFORMERS, options,
                MediaLimits.DEFAULT);
    }

    /**
     * The byte-per-token tokenizer of the tiny checkpoint (make_tiny_omni.py): ids 0..255 are the bytes, the special
     * tokens (and the role names) have the ids of golden.json's token table.
     */
    static Tokenizer tinyTokenizer() {
        JsonNode table;
        try {
            table = TestServers.JSON.readTree(checkpoint().resolve("golden.json").toFile()).get("token_ids");
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

    static byte[] bytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String base64(Path file) {
        return Base64.getEncoder().encodeToString(bytes(file));
    }
}
