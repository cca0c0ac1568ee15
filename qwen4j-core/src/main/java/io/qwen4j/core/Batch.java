package io.qwen4j.core;

import java.util.List;

/**
 * The input of one forward pass: a chunk of new tokens for each of several sequences. All rows are
 * processed together by the matrix multiplications; attention reads each sequence's own cache. A
 * prompt prefill, a chunk of one, and a decode step of many sequences are all batches.
 */
public record Batch(List<Chunk> chunks) {
    /**
     * New tokens of one sequence, appended at {@code cache.length()}. {@code allLogits}: logits for every
     * token (e.g. scoring) or only for the last one (generation). {@code media}: when the tokens are a slice of a
     * prompt with media, that prompt's {@link PromptMedia} (the slice starts at prompt index
     * {@code cache.length()}; any slice, even one that splits a media span); {@link PromptMedia#NONE} for text
     * and for decoded tokens, whose positions are {@code cache.length() + cache.ropeDelta()}.
     */
    public record Chunk(KvCache cache, int[] tokens, boolean allLogits, PromptMedia media) {
        public Chunk {
            if (tokens.length == 0) {
                throw new IllegalArgumentException("a chunk needs at least one token");
            }
            java.util.Objects.requireNonNull(media, "media (PromptMedia.NONE for none)");
        }

        /** Text tokens (or decoded ones). */
        public Chunk(KvCache cache, int[] tokens, boolean allLogits) {
            this(cache, tokens, allLogits, PromptMedia.NONE);
        }

        public int logitRows() {
            return allLogits ? tokens.length : 1;
        }
    }

    public Batch {
        if (chunks.isEmpty()) {
            throw new IllegalArgumentException("an empty batch");
        }
        chunks = List.copyOf(chunks);
    }

    public static Batch of(KvCache cache, int[] tokens, boolean allLogits) {
        return new Batch(List.of(new Chunk(cache, tokens, allLogits)));
    }

    /** One chunk of a prompt with media (see {@link Chunk}). */
    public static Batch of(KvCache cache, int[] tokens, boolean allLogits, PromptMedia media) {
        return new Batch(List.of(new Chunk(cache, tokens, allLogits, media)));
    }

    /** True when some chunk carries media. */
    public boolean hasMedia() {
        return chunks.stream().anyMatch(c -> !c.media().isEmpty());
    }

    public int tokenCount() {
        return chunks.stream().mapToInt(c -> c.tokens().length).sum();
    }

    public int logitRows() {
        return chunks.stream().mapToInt(Chunk::logitRows).sum();
    }
}
