package io.qwen4j.server;

import io.qwen4j.core.Batch;
import io.qwen4j.core.CausalLm;
import io.qwen4j.core.KvCache;
import io.qwen4j.core.ModelInfo;
import io.qwen4j.core.Taps;
import io.qwen4j.tensor.FloatMatrix;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * A stand-in model that answers every prompt with the same scripted tokens, then its end id: for the
 * cases the random demo model cannot produce on its own (reasoning in a think block, a tool call it
 * decides to make). Everything after the logits is real: the engine, sampling, the detokenizer, the
 * chat parser and the server.
 */
final class ScriptedModel implements CausalLm {
    private final ModelInfo info;
    private final int[] script;
    private final int end;
    private final Map<KvCache, Integer> promptEnd = Collections.synchronizedMap(new WeakHashMap<>());

    ScriptedModel(int vocab, int context, int[] script, int end) {
        this.info = new ModelInfo("scripted", vocab, context, 0, 0, new int[] {end}, "script", "none", "none");
        this.script = script.clone();
        this.end = end;
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    @Override
    public KvCache newCache(int maxTokens) {
        return new KvCache(1, 1, maxTokens);
    }

    @Override
    public FloatMatrix forward(Batch batch, Taps taps) {
        int vocab = info.vocabSize();
        FloatMatrix out = new FloatMatrix(batch.logitRows(), vocab);
        int row = 0;
        for (Batch.Chunk c : batch.chunks()) {
            c.cache().reserve(c.tokens().length);
            c.cache().advance(c.tokens().length);
            int start = promptEnd.computeIfAbsent(c.cache(), k -> k.length());
            int pos = c.cache().length() - start;
            int next = pos < script.length ? script[pos] : end;
            row += c.logitRows();
            out.data()[out.offset(row - 1) + next] = 10f;
        }
        return out;
    }

    @Override
    public void close() {}
}
