package io.qwen4j.server;

import io.qwen4j.core.CausalLm;
import io.qwen4j.engine.ChatEngine;
import io.qwen4j.engine.EngineOptions;
import io.qwen4j.engine.GenerationDefaults;
import io.qwen4j.engine.OmniPrompt;
import io.qwen4j.media.MediaLimits;
import io.qwen4j.models.Architectures;
import io.qwen4j.models.LoadOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/**
 * The tiny Qwen3-Omni thinker of fixtures/golden/qwen3-omni-thinker-tiny (tools/golden/make_tiny_omni.py) as a chat
 * engine, with the byte-per-token tokenizer it was made with ({@link TinyOmni}), and the real media of fixtures/media.
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
        return new ChatEngine(MODEL, model, TinyOmni.tokenizer(checkpoint()), OmniPrompt.fallbackTemplate(), GenerationDefaults.TRANSFORMERS,
                options, MediaLimits.DEFAULT);
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
