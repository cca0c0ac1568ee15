package io.qwen4j.core;

import io.qwen4j.formats.WeightSource;
import io.qwen4j.tensor.FloatMatrix;
import io.qwen4j.tensor.Ops;
import io.qwen4j.tensor.ThreadPool;
import io.qwen4j.tensor.Weight;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * What a Qwen3-family text decoder has besides its layers' weights: the hyperparameters, the weight
 * source it owns, the embeddings and LM head, the compute threads, RoPE and the attention block. An
 * architecture holds one, declares its own layers, and runs them between {@link #embed} and {@link #logits}
 * (text.md §2). Holds buffers: one forward at a time.
 */
public final class TextDecoder implements AutoCloseable {
    private final TextConfig config;
    private final WeightSource source;
    private final Embeddings ends;   // embed_tokens, norm, lm_head
    private final ThreadPool pool;
    private final Ops ops;
    private final Rope rope;
    private final GqaAttention attention;
    private final int contextLength;
    private final Scratch scratch = new Scratch();

    /**
     * Declares the embedding, final norm and LM head tensors of {@code source}, which it owns from then on.
     *
     * @param threads       compute threads
     * @param contextLength the longest sequence to allow, 0 for the config's own
     */
    public TextDecoder(TextConfig config, WeightSource source, int threads, int contextLength) {
        this.config = config;
        this.source = source;
        this.ends = Embeddings.load(source, config);
        this.pool = ThreadPool.create(threads);
        this.ops = Ops.vector(pool);
        this.rope = new Rope(config.headDim(), config.ropeTheta());
        this.attention = new GqaAttention(config);
        this.contextLength = contextLength > 0 ? contextLength : config.contextLength();
    }

    public TextConfig config() {
        return config;
    }

    public Ops ops() {
        return ops;
    }

    public Rope rope() {
        return rope;
    }

    public GqaAttention attention() {
        return attention;
    }

    /** The rows' token embeddings {@code [rows, H]} (the tap {@code inp_embd}), in a buffer reused by the next forward. */
    public FloatMatrix embed(BatchRows rows, Taps taps) {
        FloatMatrix x = scratch.get(0, rows.size(), config.hidden());
        ends.lookup(rows.tokens(), x);
        taps.record("inp_embd", x);
        return x;
    }

    /** Row {@code r} of {@code out} becomes the token embedding of {@code tokens[r]} (ids outside the vocabulary are rejected). */
    public void embed(int[] tokens, FloatMatrix out) {
        ends.lookup(tokens, out);
    }

    /** Final RMSNorm of {@code x} in place (the tap {@code result_norm}), then the logits of the rows that want them. */
    public FloatMatrix logits(FloatMatrix x, BatchRows rows, Taps taps) {
        ops.rmsNorm(x, ends.outNorm(), config.rmsEps(), x);
        taps.record("result_norm", x);
        return ends.logits(ops, x, rows.logitRows());
    }

    /** An empty cache for one sequence of at most {@code maxTokens} tokens (capped by the context). */
    public KvCache newCache(int maxTokens) {
        return new KvCache(config.layers(), config.kvHeads(), config.headDim(), Math.min(maxTokens, contextLength));
    }

    /** The model's description, counting the layers' weights given and these parts' own. */
    public ModelInfo info(String architecture, Collection<Weight> layerMatrices, long layerVectors) {
        List<Weight> matrices = new ArrayList<>(List.of(ends.embed(), ends.lmHead()));
        matrices.addAll(layerMatrices);
        return ModelInfo.of(architecture, config, contextLength, matrices, layerVectors + ends.outNorm().length,
                source.description(), ops.describe());
    }

    /** Bytes of weights a decoded token reads: the layers' share given, plus the LM head and one embedding row. */
    public long decodeBytesPerToken(long layerBytesPerToken) {
        return layerBytesPerToken + ends.lmHead().byteSize() + ends.embed().byteSize() / config.vocabSize();
    }

    @Override
    public void close() {
        pool.close();
        source.close();
    }
}
