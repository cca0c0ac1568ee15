package io.qwen4j.engine;

import io.qwen4j.common.InvalidInputException;

/**
 * How the next token is chosen. {@code temperature == 0} is greedy (argmax, ties to the lowest id, as
 * {@code torch.argmax}); otherwise the logits are divided by the temperature and a token is drawn from
 * the softmax with a generator seeded by {@code seed}, so equal seeds give equal outputs.
 */
public record SamplingParams(float temperature, long seed) {
    public SamplingParams {
        if (!(temperature >= 0) || Float.isInfinite(temperature)) {
            throw new InvalidInputException("temperature must be a finite number >= 0, got " + temperature);
        }
    }

    public static SamplingParams greedy() {
        return new SamplingParams(0f, 0L);
    }

    public boolean isGreedy() {
        return temperature == 0f;
    }
}
