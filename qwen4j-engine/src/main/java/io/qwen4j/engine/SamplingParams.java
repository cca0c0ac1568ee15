package io.qwen4j.engine;

import io.qwen4j.common.InvalidInputException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How the next token is chosen, in the order transformers applies its logits processors and warpers:
 * repetition penalty (over prompt and output, HF semantics), presence and frequency penalties (over the
 * output, OpenAI semantics), temperature, top-k, top-p, min-p, then a draw with a generator seeded by
 * {@code seed} (equal seeds give equal outputs). {@code temperature == 0} is greedy decoding.
 *
 * @param temperature       0 for greedy; otherwise logits are divided by it
 * @param topK              keep the k most likely tokens; 0 keeps all
 * @param topP              keep the smallest set of most likely tokens whose probability reaches p; 1 keeps all
 * @param minP              drop tokens less likely than minP × the most likely one; 0 keeps all
 * @param repetitionPenalty divide positive (multiply negative) logits of tokens already seen; 1 is off
 * @param presencePenalty   subtract from the logit of every token already generated; 0 is off
 * @param frequencyPenalty  subtract, times its count, from the logit of every token generated; 0 is off
 * @param seed              the random generator's seed
 */
public record SamplingParams(float temperature, int topK, float topP, float minP, float repetitionPenalty,
                             float presencePenalty, float frequencyPenalty, long seed) {
    public SamplingParams {
        check(temperature >= 0 && Float.isFinite(temperature), "temperature must be a finite number >= 0, got " + temperature);
        check(topK >= 0, "top_k must be >= 0 (0 turns it off), got " + topK);
        check(topP > 0 && topP <= 1, "top_p must be in (0, 1], got " + topP);
        check(minP >= 0 && minP <= 1, "min_p must be in [0, 1], got " + minP);
        check(repetitionPenalty > 0 && Float.isFinite(repetitionPenalty), "repetition_penalty must be > 0 (1 turns it off), got " + repetitionPenalty);
        check(Math.abs(presencePenalty) <= 2, "presence_penalty must be in [-2, 2], got " + presencePenalty);
        check(Math.abs(frequencyPenalty) <= 2, "frequency_penalty must be in [-2, 2], got " + frequencyPenalty);
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new InvalidInputException(message);
        }
    }

    public static SamplingParams greedy() {
        return builder().temperature(0).seed(0).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public boolean isGreedy() {
        return temperature == 0f;
    }

    public boolean hasPenalties() {
        return repetitionPenalty != 1f || presencePenalty != 0f || frequencyPenalty != 0f;
    }

    public Builder toBuilder() {
        return new Builder().temperature(temperature).topK(topK).topP(topP).minP(minP)
                .repetitionPenalty(repetitionPenalty).presencePenalty(presencePenalty).frequencyPenalty(frequencyPenalty).seed(seed);
    }

    /** Builds {@link SamplingParams}; every field starts at its "off" value, the seed at a random one. */
    public static final class Builder {
        private float temperature = 1f;
        private int topK;
        private float topP = 1f;
        private float minP;
        private float repetitionPenalty = 1f;
        private float presencePenalty;
        private float frequencyPenalty;
        private long seed = ThreadLocalRandom.current().nextLong();

        public Builder temperature(float v) {
            temperature = v;
            return this;
        }

        public Builder topK(int v) {
            topK = v;
            return this;
        }

        public Builder topP(float v) {
            topP = v;
            return this;
        }

        public Builder minP(float v) {
            minP = v;
            return this;
        }

        public Builder repetitionPenalty(float v) {
            repetitionPenalty = v;
            return this;
        }

        public Builder presencePenalty(float v) {
            presencePenalty = v;
            return this;
        }

        public Builder frequencyPenalty(float v) {
            frequencyPenalty = v;
            return this;
        }

        public Builder seed(long v) {
            seed = v;
            return this;
        }

        public SamplingParams build() {
            return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, presencePenalty, frequencyPenalty, seed);
        }
    }
}
