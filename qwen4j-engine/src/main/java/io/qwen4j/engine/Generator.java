package io.qwen4j.engine;

import io.qwen4j.core.Batch;
import io.qwen4j.core.CausalLm;
import io.qwen4j.core.KvCache;
import io.qwen4j.tensor.FloatMatrix;
import java.util.Arrays;
import java.util.function.IntPredicate;

/**
 * The single-sequence loop: prefill the prompt, then one token at a time through the KV cache until a
 * stop id, max tokens, or the end of the context. Mirrors {@code GenerationMixin._sample} with
 * greedy or temperature sampling.
 */
public final class Generator {
    private final CausalLm model;

    public Generator(CausalLm model) {
        this.model = model;
    }

    public GenerationResult generate(GenerationRequest request) {
        return generate(request, id -> true);
    }

    /**
     * Generates, handing each token to {@code onToken} as soon as it is chosen; when it returns false
     * generation ends there (stop strings, cancellation) with stop reason {@code stop}.
     */
    public GenerationResult generate(GenerationRequest request, IntPredicate onToken) {
        int vocab = model.info().vocabSize();
        int context = model.info().contextLength();
        int budget = Math.min(request.maxTokens(), context - request.promptIds().length);
        if (budget < 0) {
            throw new io.qwen4j.common.InvalidInputException("the prompt has " + request.promptIds().length
                    + " tokens, more than the context of " + context);
        }
        Sampler sampler = new Sampler(request.sampling());
        TokenHistory history = request.sampling().hasPenalties() ? new TokenHistory(vocab, request.promptIds()) : null;
        KvCache cache = model.newCache(request.promptIds().length + Math.max(budget, 1));
        int[] out = new int[budget];
        int n = 0;
        String reason = "length";
        long start = System.nanoTime();
        long promptNanos = 0;
        if (budget > 0) {
            FloatMatrix logits = model.forward(Batch.of(cache, request.promptIds(), false));
            while (true) {
                int next = sampler.sample(logits.data(), 0, vocab, history);
                if (n == 0) {
                    promptNanos = System.nanoTime() - start;
                }
                if (contains(request.stopTokenIds(), next)) {
                    reason = "stop";
                    break;
                }
                out[n++] = next;
                if (history != null) {
                    history.addGenerated(next);
                }
                if (!onToken.test(next)) {
                    reason = "stop";
                    break;
                }
                if (n == budget) {
                    break;
                }
                logits = model.forward(Batch.of(cache, new int[] {next}, false));
            }
        }
        long decodeNanos = System.nanoTime() - start - promptNanos;
        return new GenerationResult(Arrays.copyOf(out, n), reason, request.promptIds().length, promptNanos, decodeNanos);
    }

    private static boolean contains(int[] ids, int id) {
        for (int i : ids) {
            if (i == id) {
                return true;
            }
        }
        return false;
    }
}
