package io.qwen4j.core;

import io.qwen4j.tensor.FloatMatrix;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Keeps chosen taps of one forward pass, split by the batch's chunks: after {@code model.forward(batch, taps)},
 * {@link #get(int, String)} is chunk {@code i}'s rows of a tap. What a second stage reads from the first (e.g. the
 * Qwen3-Omni talker: the thinker's input embeddings {@code inp_embd} and the hidden states of its
 * {@code accept_hidden_layer}) without the model knowing who listens. Taps with one row per batch row only.
 */
public final class ChunkTaps implements Taps {
    private final int[] starts; // (chunks + 1) row offsets
    private final Set<String> names;
    private final Map<String, FloatMatrix> recorded = new HashMap<>();

    public ChunkTaps(Batch batch, Set<String> names) {
        List<Batch.Chunk> chunks = batch.chunks();
        starts = new int[chunks.size() + 1];
        for (int i = 0; i < chunks.size(); i++) {
            starts[i + 1] = starts[i] + chunks.get(i).tokens().length;
        }
        this.names = Set.copyOf(names);
    }

    @Override
    public void record(String name, FloatMatrix value) {
        if (names.contains(name)) {
            if (value.rows() != starts[starts.length - 1]) {
                throw new IllegalArgumentException("tap " + name + " has " + value.rows() + " rows, not one per batch row");
            }
            recorded.put(name, value.copy());
        }
    }

    /** Chunk {@code chunk}'s rows of tap {@code name}, if the forward pass reported it. */
    public Optional<FloatMatrix> get(int chunk, String name) {
        FloatMatrix all = recorded.get(name);
        if (all == null) {
            return Optional.empty();
        }
        int rows = starts[chunk + 1] - starts[chunk];
        FloatMatrix out = new FloatMatrix(rows, all.cols());
        System.arraycopy(all.data(), all.offset(starts[chunk]), out.data(), 0, rows * all.cols());
        return Optional.of(out);
    }
}
