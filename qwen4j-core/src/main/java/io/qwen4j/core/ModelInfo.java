package io.qwen4j.core;

import io.qwen4j.tensor.Weight;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What callers need to know of a loaded model.
 *
 * @param architecture  e.g. {@code qwen3}
 * @param vocabSize     rows of the LM head (can exceed the tokenizer's vocabulary)
 * @param contextLength the longest sequence the model advertises
 * @param parameters    parameter count
 * @param weightBytes   bytes of weights as stored
 * @param eosTokenIds   ids that end generation, from the checkpoint
 * @param source        where it was loaded from
 * @param weightTypes   storage types in use, e.g. {@code BF16}
 * @param compute       the kernels and threads it runs on
 */
public record ModelInfo(String architecture, int vocabSize, int contextLength, long parameters, long weightBytes,
                        int[] eosTokenIds, String source, String weightTypes, String compute) {

    /**
     * Counts parameters and bytes of {@code matrices} (a weight listed twice, as a tied LM head is, counts
     * once) plus {@code vectorParameters} held as float arrays (norms).
     */
    static ModelInfo of(String architecture, TextConfig c, int contextLength, Collection<Weight> matrices,
                               long vectorParameters, String source, String compute) {
        Set<Weight> distinct = new LinkedHashSet<>(matrices);
        long parameters = vectorParameters + distinct.stream().mapToLong(w -> (long) w.rows() * w.cols()).sum();
        long bytes = distinct.stream().mapToLong(Weight::byteSize).sum();
        String types = String.join("+", distinct.stream().map(w -> w.dtype().name()).distinct().sorted().toList());
        return new ModelInfo(architecture, c.vocabSize(), contextLength, parameters, bytes, c.eosTokenIds(), source, types, compute);
    }
}
