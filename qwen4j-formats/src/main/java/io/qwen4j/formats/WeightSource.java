package io.qwen4j.formats;

import io.qwen4j.common.ModelFileException;
import io.qwen4j.tensor.Weight;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;

/**
 * The tensors of a checkpoint, whatever the file format. Weights are views of memory-mapped files and
 * stay valid until {@link #close()}.
 */
public interface WeightSource extends AutoCloseable {
    /** Every tensor name. */
    Set<String> names();

    Optional<TensorInfo> info(String name);

    /** The tensor, as stored. */
    Weight weight(String name);

    /** What the source was opened from, for messages. */
    String description();

    default boolean contains(String name) {
        return info(name).isPresent();
    }

    /**
     * The tensor, which must exist and have exactly {@code expectedShape} (outermost first); the error
     * names the tensor, its file and both shapes.
     */
    default Weight require(String name, long... expectedShape) {
        TensorInfo info = info(name).orElseThrow(() -> new ModelFileException(
                "tensor " + name + " is missing from " + description() + " (expected shape " + Arrays.toString(expectedShape) + ")"));
        if (!Arrays.equals(info.shape(), expectedShape)) {
            throw new ModelFileException("tensor " + name + " in " + info.file().getFileName() + " has shape " + info.shapeString()
                    + " but the config implies " + Arrays.toString(expectedShape) + "; the config does not match the weights");
        }
        return weight(name);
    }

    @Override
    void close();

    /**
     * The tensors of both sources (e.g. a GGUF model and its mmproj file), which must not share a name; closing the
     * union closes both.
     */
    static WeightSource union(WeightSource first, WeightSource second) {
        java.util.Set<String> names = new java.util.LinkedHashSet<>(first.names());
        for (String n : second.names()) {
            if (!names.add(n)) {
                throw new ModelFileException("tensor " + n + " is in both " + first.description() + " and " + second.description());
            }
        }
        return view(names, name -> first.info(name).or(() -> second.info(name)),
                name -> first.contains(name) ? first.weight(name) : second.weight(name),
                first.description() + " + " + second.description(), () -> {
                    try {
                        first.close();
                    } finally {
                        second.close();
                    }
                });
    }

    /**
     * The tensors of {@code source} whose names start with {@code prefix}, under their names without it (e.g.
     * the {@code thinker.*} part of a Qwen3-Omni checkpoint as {@code model.*}, {@code audio_tower.*}, ...); the
     * rest is invisible, so nothing else is ever read or quantized. Closing the view closes {@code source}.
     */
    static WeightSource under(WeightSource source, String prefix) {
        java.util.Set<String> names = new java.util.LinkedHashSet<>();
        for (String n : source.names()) {
            if (n.startsWith(prefix)) {
                names.add(n.substring(prefix.length()));
            }
        }
        return view(names, name -> source.info(prefix + name).map(i -> new TensorInfo(name, i.fileDType(), i.dtype(), i.shape(), i.file(),
                i.offset(), i.byteSize())), name -> source.weight(prefix + name), source.description() + " (" + prefix + "*)", source::close);
    }

    /** A source of {@code names} whose lookups the functions answer (only for those names). */
    private static WeightSource view(java.util.Set<String> names, java.util.function.Function<String, Optional<TensorInfo>> info,
                                     java.util.function.Function<String, Weight> weight, String description, Runnable close) {
        java.util.Set<String> visible = java.util.Collections.unmodifiableSet(names);
        return new WeightSource() {
            @Override
            public Set<String> names() {
                return visible;
            }

            @Override
            public Optional<TensorInfo> info(String name) {
                return visible.contains(name) ? info.apply(name) : Optional.empty();
            }

            @Override
            public Weight weight(String name) {
                if (!visible.contains(name)) {
                    throw new ModelFileException("tensor " + name + " is missing from " + description);
                }
                return weight.apply(name);
            }

            @Override
            public String description() {
                return description;
            }

            @Override
            public void close() {
                close.run();
            }
        };
    }
}
