package io.qwen4j.formats;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.common.ModelFileException;
import io.qwen4j.tensor.Weight;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The weights of a Hugging Face checkpoint: {@code model.safetensors}, or the shards listed in
 * {@code model.safetensors.index.json} ({@code weight_map}: tensor name → file), or a single file.
 */
public final class SafeTensorsSource implements WeightSource {
    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final String description;
    private final List<SafeTensorsFile> files;
    private final Map<String, SafeTensorsFile> byTensor;

    private SafeTensorsSource(String description, List<SafeTensorsFile> files, Map<String, SafeTensorsFile> byTensor) {
        this.description = description;
        this.files = files;
        this.byTensor = byTensor;
    }

    /** True when {@code dir} holds a safetensors checkpoint. */
    public static boolean isCheckpoint(Path dir) {
        return Files.isRegularFile(dir.resolve(INDEX_FILE)) || Files.isRegularFile(dir.resolve(SINGLE_FILE));
    }

    /** Opens a checkpoint folder (sharded or single-file) or one {@code .safetensors} file. */
    public static SafeTensorsSource open(Path path) {
        if (Files.isRegularFile(path)) {
            SafeTensorsFile f = SafeTensorsFile.open(path);
            Map<String, SafeTensorsFile> by = new LinkedHashMap<>();
            f.tensors().keySet().forEach(n -> by.put(n, f));
            return new SafeTensorsSource(path.toString(), List.of(f), by);
        }
        Path index = path.resolve(INDEX_FILE);
        if (Files.isRegularFile(index)) {
            return openSharded(path, index);
        }
        Path single = path.resolve(SINGLE_FILE);
        if (Files.isRegularFile(single)) {
            return open(single);
        }
        throw new ModelFileException(path + " holds neither " + SINGLE_FILE + " nor " + INDEX_FILE);
    }

    private static SafeTensorsSource openSharded(Path dir, Path index) {
        JsonNode map = Json.read(index).get("weight_map");
        if (map == null || !map.isObject()) {
            throw new ModelFileException(index + " has no weight_map object");
        }
        Map<String, SafeTensorsFile> shards = new LinkedHashMap<>();
        Map<String, SafeTensorsFile> byTensor = new LinkedHashMap<>();
        List<SafeTensorsFile> opened = new ArrayList<>();
        try {
            for (var it = map.fields(); it.hasNext(); ) {
                var e = it.next();
                String shardName = e.getValue().asText();
                SafeTensorsFile shard = shards.get(shardName);
                if (shard == null) {
                    Path shardPath = dir.resolve(shardName);
                    if (!Files.isRegularFile(shardPath)) {
                        throw new ModelFileException(INDEX_FILE + " lists " + e.getKey() + " in " + shardName + ", which is missing from " + dir);
                    }
                    shard = SafeTensorsFile.open(shardPath);
                    shards.put(shardName, shard);
                    opened.add(shard);
                }
                if (!shard.tensors().containsKey(e.getKey())) {
                    throw new ModelFileException(INDEX_FILE + " lists " + e.getKey() + " in " + shardName + ", but that file does not hold it");
                }
                byTensor.put(e.getKey(), shard);
            }
        } catch (RuntimeException e) {
            opened.forEach(SafeTensorsFile::close);
            throw e;
        }
        return new SafeTensorsSource(dir.toString(), opened, byTensor);
    }

    @Override
    public Set<String> names() {
        return Collections.unmodifiableSet(byTensor.keySet());
    }

    @Override
    public Optional<TensorInfo> info(String name) {
        SafeTensorsFile f = byTensor.get(name);
        return f == null ? Optional.empty() : Optional.of(f.tensors().get(name));
    }

    @Override
    public Weight weight(String name) {
        SafeTensorsFile f = byTensor.get(name);
        if (f == null) {
            throw new ModelFileException("tensor " + name + " is missing from " + description);
        }
        return f.weight(name);
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public void close() {
        files.forEach(SafeTensorsFile::close);
    }
}
