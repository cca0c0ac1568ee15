package io.qwen4j.formats;

import io.qwen4j.tensor.DType;
import io.qwen4j.tensor.Quantizer;
import io.qwen4j.tensor.ThreadPool;
import io.qwen4j.tensor.Weight;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A source whose matmul weights (every 2-D {@code *_proj.weight}, the embedding and the LM head) are
 * quantized at load, in memory, rows in parallel; everything else (norms, the MoE router) is passed through.
 * Weights whose rows are not whole blocks of the type stay as stored.
 */
public final class QuantizingSource implements WeightSource {
    private final WeightSource source;
    private final Map<String, Weight> quantized;

    private QuantizingSource(WeightSource source, Map<String, Weight> quantized) {
        this.source = source;
        this.quantized = quantized;
    }

    /**
     * True for the tensors this source quantizes: the text model's matmul weights. The Qwen3-Omni encoders
     * ({@code audio_tower.*}, {@code visual.*}, as the thinker sees its checkpoint) stay as stored, as llama.cpp keeps
     * an mmproj apart from the model's quantization.
     */
    public static boolean isMatmulWeight(String name, long[] shape) {
        return shape.length == 2 && !name.startsWith("audio_tower.") && !name.startsWith("visual.")
                && (name.endsWith("_proj.weight") || name.equals("lm_head.weight") || name.equals("model.embed_tokens.weight"));
    }

    public static QuantizingSource of(WeightSource source, DType type, ThreadPool pool, Progress progress) {
        List<String> todo = source.names().stream().filter(n -> {
            TensorInfo info = source.info(n).orElseThrow();
            return isMatmulWeight(n, info.shape()) && Quantizer.fits(type, info.shape()[1]) && info.dtype() != type;
        }).toList();
        long total = todo.stream().mapToLong(n -> source.info(n).orElseThrow().elements()).sum();
        long done = 0;
        progress.update("quantizing to " + type, 0, total);
        Map<String, Weight> quantized = new LinkedHashMap<>();
        for (String name : todo) {
            Weight w = source.weight(name);
            quantized.put(name, Quantizer.quantize(w, type, pool));
            done += (long) w.rows() * w.cols();
            progress.update("quantizing to " + type, done, total);
        }
        return new QuantizingSource(source, quantized);
    }

    @Override
    public Set<String> names() {
        return source.names();
    }

    @Override
    public Optional<TensorInfo> info(String name) {
        Weight q = quantized.get(name);
        return q == null ? source.info(name) : source.info(name).map(i -> new TensorInfo(name, q.dtype().name(), q.dtype(),
                i.shape(), i.file(), 0, q.byteSize()));
    }

    @Override
    public Weight weight(String name) {
        Weight q = quantized.get(name);
        return q != null ? q : source.weight(name);
    }

    @Override
    public String description() {
        return source.description();
    }

    @Override
    public void close() {
        source.close();
    }
}
