package io.qwen4j.models;

import io.qwen4j.common.ModelFileException;
import io.qwen4j.core.CausalLm;
import io.qwen4j.formats.ConfigJson;
import io.qwen4j.formats.SafeTensorsSource;
import io.qwen4j.formats.WeightSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/** The one table from a checkpoint's {@code model_type} to the class that runs it. */
public final class Architectures {
    /** Builds a model from its config and weights; the loader owns the source from then on. */
    @FunctionalInterface
    public interface Loader {
        CausalLm load(ConfigJson config, ConfigJson generationConfig, WeightSource weights, LoadOptions options);
    }

    private static final Map<String, Loader> BY_MODEL_TYPE = new TreeMap<>(Map.of(
            "qwen3", Qwen3::load,
            "qwen3_moe", Qwen3Moe::load));

    private Architectures() {}

    /** Every supported {@code model_type}. */
    public static java.util.Set<String> modelTypes() {
        return BY_MODEL_TYPE.keySet();
    }

    /** Loads a Hugging Face checkpoint folder (config.json, safetensors weights, generation_config.json). */
    public static CausalLm load(Path dir, LoadOptions options) {
        if (!Files.isDirectory(dir)) {
            throw new ModelFileException(dir + " is not a model folder (it should hold config.json and *.safetensors)");
        }
        Path configFile = dir.resolve("config.json");
        if (!Files.isRegularFile(configFile)) {
            throw new ModelFileException(dir + " has no config.json");
        }
        ConfigJson config = ConfigJson.read(configFile);
        String type = config.string("model_type").orElseThrow(() -> new ModelFileException(configFile + " has no model_type"));
        Loader loader = BY_MODEL_TYPE.get(type);
        if (loader == null) {
            throw new ModelFileException(dir + " holds a '" + type + "' model; qwen4j runs " + String.join(", ", BY_MODEL_TYPE.keySet()));
        }
        Path genFile = dir.resolve("generation_config.json");
        ConfigJson generation = Files.isRegularFile(genFile) ? ConfigJson.read(genFile) : ConfigJson.empty("generation_config.json");
        WeightSource weights = SafeTensorsSource.open(dir);
        try {
            return loader.load(config, generation, weights, options);
        } catch (RuntimeException e) {
            weights.close();
            throw e;
        }
    }
}
