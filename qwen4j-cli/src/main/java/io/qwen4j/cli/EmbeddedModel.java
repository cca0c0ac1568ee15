package io.qwen4j.cli;

import io.qwen4j.common.Qwen4jException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The tiny Qwen3 bundled in the jar (random weights from tools/golden/make_qwen3.py), so every command
 * works with nothing downloaded. Weights are memory-mapped, so it is copied once per run to a
 * temporary folder that is deleted at exit.
 */
final class EmbeddedModel {
    static final String RESOURCE_DIR = "/io/qwen4j/cli/demo/";
    static final List<String> FILES = List.of("config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json");
    private static Path extracted;

    private EmbeddedModel() {}

    static synchronized Path path() {
        if (extracted != null) {
            return extracted;
        }
        try {
            Path dir = Files.createTempDirectory("qwen4j-demo-");
            dir.toFile().deleteOnExit(); // registered first, so deleted after its files
            for (String f : FILES) {
                try (InputStream in = EmbeddedModel.class.getResourceAsStream(RESOURCE_DIR + f)) {
                    if (in == null) {
                        throw new Qwen4jException("the embedded demo model is missing " + f + " (a broken build: rebuild qwen4j)");
                    }
                    Path target = dir.resolve(f);
                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                    target.toFile().deleteOnExit();
                }
            }
            extracted = dir;
            return dir;
        } catch (IOException e) {
            throw new Qwen4jException("cannot unpack the embedded demo model: " + e.getMessage(), e);
        }
    }
}
