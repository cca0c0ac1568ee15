package io.qwen4j.models;

import io.qwen4j.common.ModelFileException;
import io.qwen4j.core.CausalLm;
import io.qwen4j.formats.ConfigJson;
import io.qwen4j.formats.GgufFile;
import io.qwen4j.formats.GgufSource;
import io.qwen4j.formats.QuantizingSource;
import io.qwen4j.formats.SafeTensorsSource;
import io.qwen4j.formats.WeightSource;
import io.qwen4j.tensor.ThreadPool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/** The one table from a checkpoint's {@code model_type} to the class that runs it. */
public final class Architectures {
    /** Builds a model from its config and weights; the loader owns the source from then on. */
    @FunctionalInterface
    public interface Loader {
        CausalLm load(ConfigJson config, ConfigJson generationConfig, WeightSource weights, LoadOptions options);

        /** The part of a checkpoint's weights the model reads (all of them unless said otherwise). */
        default WeightSource select(WeightSource all) {
            return all;
        }

        /** A loader that reads only {@code select(all)}: the rest is never mapped, quantized or read. */
        static Loader of(Loader loader, UnaryOperator<WeightSource> select) {
            return new Loader() {
                @Override
                public CausalLm load(ConfigJson config, ConfigJson generationConfig, WeightSource weights, LoadOptions options) {
                    return loader.load(config, generationConfig, weights, options);
                }

                @Override
                public WeightSource select(WeightSource all) {
                    return select.apply(all);
                }
            };
        }
    }

    private static final Map<String, Loader> BY_MODEL_TYPE = new TreeMap<>(Map.of(
            "qwen3", Qwen3::load,
            "qwen3_moe", Qwen3Moe::load,
            "qwen3_omni_moe", Loader.of(Qwen3OmniThinker::load, Qwen3OmniThinker::thinkerWeights)));

    private Architectures() {}

    /** Every supported {@code model_type}. */
    public static java.util.Set<String> modelTypes() {
        return BY_MODEL_TYPE.keySet();
    }

    /**
     * Loads a model: a Hugging Face checkpoint folder (config.json, safetensors weights,
     * generation_config.json) or a GGUF file (its metadata gives the config, {@link GgufSource} the weights
     * under HF names), with the weights quantized at load when the options ask for it.
     */
    public static CausalLm load(Path path, LoadOptions options) {
        if (Files.isRegularFile(path) && (path.getFileName().toString().endsWith(".gguf") || GgufFile.isGguf(path))) {
            GgufSource gguf = GgufSource.open(path);
            WeightSource weights = gguf;
            try {
                ConfigJson config = gguf.config();
                Loader loader = loaderFor(config, path.getFileName().toString());
                Optional<Path> mmproj = mmproj(path, config, options);
                if (mmproj.isPresent()) {
                    GgufSource encoders = GgufSource.open(mmproj.get());
                    weights = WeightSource.union(gguf, encoders);
                    config = gguf.config(encoders);
                }
                return loader.load(config, gguf.generationConfig(), quantized(loader.select(weights), options), options);
            } catch (RuntimeException e) {
                weights.close();
                throw e;
            }
        }
        if (!Files.isDirectory(path)) {
            throw new ModelFileException(path + " is neither a model folder (config.json and *.safetensors) nor a .gguf file");
        }
        Path configFile = path.resolve("config.json");
        if (!Files.isRegularFile(configFile)) {
            throw new ModelFileException(path + " has no config.json");
        }
        ConfigJson config = ConfigJson.read(configFile);
        Loader loader = loaderFor(config, path.toString());
        Path genFile = path.resolve("generation_config.json");
        ConfigJson generation = Files.isRegularFile(genFile) ? ConfigJson.read(genFile) : ConfigJson.empty("generation_config.json");
        WeightSource weights = SafeTensorsSource.open(path);
        try {
            return loader.load(config, generation, quantized(loader.select(weights), options), options);
        } catch (RuntimeException e) {
            weights.close();
            throw e;
        }
    }

    /**
     * Loads a model from a config and weights already open (e.g. random weights in memory for a benchmark), as
     * {@link #load(Path, LoadOptions)} does from files; the model owns {@code weights} from then on.
     */
    public static CausalLm load(ConfigJson config, ConfigJson generation, WeightSource weights, LoadOptions options) {
        Loader loader = loaderFor(config, config.where());
        return loader.load(config, generation, quantized(loader.select(weights), options), options);
    }

    /**
     * The mmproj file of a GGUF model: the one given, or the one {@code mmproj*.gguf} beside a Qwen3-Omni thinker
     * (none: the thinker reads text only).
     */
    private static Optional<Path> mmproj(Path model, ConfigJson config, LoadOptions options) {
        boolean multimodal = config.section("thinker_config").isPresent();
        if (!options.mmproj().equals(LoadOptions.FIND_MMPROJ)) {
            if (!multimodal) {
                throw new ModelFileException(model.getFileName() + " is a " + config.string("model_type").orElse("?")
                        + " model, which takes no mmproj file");
            }
            if (!Files.isRegularFile(options.mmproj())) {
                throw new ModelFileException("the mmproj file " + options.mmproj() + " does not exist");
            }
            return Optional.of(options.mmproj());
        }
        if (!multimodal) {
            return Optional.empty();
        }
        Path dir = model.toAbsolutePath().getParent();
        try (var files = Files.list(dir)) {
            List<Path> found = files.filter(f -> {
                String n = f.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
                return n.startsWith("mmproj") && n.endsWith(".gguf") && Files.isRegularFile(f);
            }).sorted().toList();
            if (found.size() > 1) {
                throw new ModelFileException(dir + " holds several mmproj files " + found.stream().map(f -> f.getFileName().toString()).toList()
                        + "; choose one with --mmproj");
            }
            return found.stream().findFirst();
        } catch (java.io.IOException e) {
            throw new ModelFileException("cannot list " + dir + ": " + e.getMessage());
        }
    }

    private static Loader loaderFor(ConfigJson config, String what) {
        String type = config.string("model_type").orElseThrow(() -> new ModelFileException(config.where() + " has no model_type"));
        Loader loader = BY_MODEL_TYPE.get(type);
        if (loader == null) {
            throw new ModelFileException(what + " holds a '" + type + "' model; qwen4j runs " + String.join(", ", BY_MODEL_TYPE.keySet()));
        }
        return loader;
    }

    static WeightSource quantized(WeightSource weights, LoadOptions options) {
        if (options.quantize().dtype().isEmpty()) {
            return weights;
        }
        try (ThreadPool pool = ThreadPool.create(options.threads())) {
            return QuantizingSource.of(weights, options.quantize().dtype().get(), pool, options.progress());
        }
    }
}
