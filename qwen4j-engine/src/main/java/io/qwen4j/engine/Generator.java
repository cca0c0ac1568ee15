package io.qwen4j.engine;

import io.qwen4j.core.CausalLm;
import java.util.function.IntPredicate;

/**
 * One generation at a time on the calling thread: the {@link InferenceEngine} path with a single
 * sequence, for commands and library users who do not need concurrency.
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
     * generation ends there (stop strings, cancellation) with finish reason {@code stop}.
     */
    public GenerationResult generate(GenerationRequest request, IntPredicate onToken) {
        GenerationResult[] result = new GenerationResult[1];
        io.qwen4j.common.Qwen4jException[] error = new io.qwen4j.common.Qwen4jException[1];
        InferenceEngine engine = new InferenceEngine(model, EngineOptions.single());
        engine.submit(request, new TokenSink() {
            @Override
            public boolean onToken(TokenEvent event) {
                return onToken.test(event.token());
            }

            @Override
            public void onFinish(GenerationResult r) {
                result[0] = r;
            }

            @Override
            public void onError(io.qwen4j.common.Qwen4jException e) {
                error[0] = e;
            }
        });
        engine.runUntilIdle();
        if (error[0] != null) {
            throw error[0];
        }
        return result[0];
    }
}
