package io.qwen4j.core;

import io.qwen4j.common.InvalidInputException;
import io.qwen4j.tensor.FloatMatrix;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * A prompt's media, ready for the forward pass: the fully expanded prompt it belongs to, the 3-D (TM-RoPE)
 * position of every prompt token and the rope delta of the tokens after it, which prompt positions are
 * placeholders of which media item, and the encoders' output for them, computed on first use (the first
 * prefill chunk that needs it) and kept until {@link #release()}. Made by a multimodal model
 * ({@link CausalLm#prepare}); {@link Batch.Chunk}s of the prompt carry it, so a prompt may be prefilled in
 * chunks that split a media span anywhere. {@link #NONE} is a text prompt.
 */
public final class PromptMedia {
    /** No media: plain positions. */
    public static final PromptMedia NONE = new PromptMedia();

    /**
     * What the encoders make of the prompt's media.
     *
     * @param embeddings one row per placeholder, in prompt order ({@code [placeholders, H]}): HF's
     *                   {@code inputs_embeds} at those positions after {@code masked_scatter}
     * @param deepstack  per deepstack level, one row per visual (image or video) placeholder in prompt order
     *                   ({@code [visual placeholders, H]}), added after decoder layer {@code level}
     */
    public record Encoded(FloatMatrix embeddings, List<FloatMatrix> deepstack) {
        public Encoded {
            deepstack = List.copyOf(deepstack);
        }
    }

    private final int[] prompt;
    private final MropePositions.Plan positions;
    private final int[] placeholders;  // ascending prompt indexes of media placeholders
    private final int[] visualIndex;   // per placeholder: its row among the visual placeholders, or -1 (audio)
    private final int[] itemOf;        // per placeholder: the media item it belongs to
    private final String[] fingerprints; // per media item
    private final Supplier<Encoded> encoder;
    private Encoded encoded;

    private PromptMedia() {
        prompt = new int[0];
        positions = new MropePositions.Plan(new float[0], new float[0], new float[0], 0f);
        placeholders = new int[0];
        visualIndex = new int[0];
        itemOf = new int[0];
        fingerprints = new String[0];
        encoder = () -> new Encoded(new FloatMatrix(0, 0), List.of());
    }

    /**
     * @param prompt       the expanded prompt ids
     * @param positions    their TM-RoPE positions and rope delta
     * @param placeholders ascending prompt indexes whose embeddings the encoders replace
     * @param visual       per placeholder: an image or video one (deepstack features are added there)
     * @param itemOf       per placeholder: which media item (0-based) it shows, for {@link #cacheKey}
     * @param fingerprints per media item: a digest of its input, equal for equal inputs
     * @param encoder      runs the encoders; called at most once until {@link #release()}
     */
    public PromptMedia(int[] prompt, MropePositions.Plan positions, int[] placeholders, boolean[] visual, int[] itemOf,
                       String[] fingerprints, Supplier<Encoded> encoder) {
        if (positions.length() != prompt.length || visual.length != placeholders.length || itemOf.length != placeholders.length) {
            throw new IllegalArgumentException("media layout does not match a prompt of " + prompt.length + " tokens");
        }
        this.prompt = prompt.clone();
        this.positions = positions;
        this.placeholders = placeholders.clone();
        this.visualIndex = new int[placeholders.length];
        int v = 0;
        for (int i = 0; i < placeholders.length; i++) {
            if (i > 0 && placeholders[i] <= placeholders[i - 1]) {
                throw new IllegalArgumentException("placeholder positions must ascend");
            }
            visualIndex[i] = visual[i] ? v++ : -1;
        }
        this.itemOf = itemOf.clone();
        this.fingerprints = fingerprints.clone();
        this.encoder = encoder;
    }

    public boolean isEmpty() {
        return this == NONE;
    }

    /** Tokens of the prompt. */
    public int length() {
        return prompt.length;
    }

    public int[] prompt() {
        return prompt.clone();
    }

    public int token(int index) {
        return prompt[index];
    }

    /** The 3-D position of every prompt token, and the rope delta of the tokens after it. */
    public MropePositions.Plan positions() {
        return positions;
    }

    public float ropeDelta() {
        return positions.ropeDelta();
    }

    /** Placeholder tokens in the prompt. */
    public int placeholders() {
        return placeholders.length;
    }

    /** The placeholder number of prompt index {@code index} (its row of {@link Encoded#embeddings()}), or −1 for another token. */
    public int placeholder(int index) {
        int i = Arrays.binarySearch(placeholders, index);
        return i >= 0 ? i : -1;
    }

    /** The row of placeholder {@code placeholder} among the visual ones (of each deepstack matrix), or −1 for audio. */
    public int visualRow(int placeholder) {
        return visualIndex[placeholder];
    }

    /** Media items (audio clips, images, videos). */
    public int items() {
        return fingerprints.length;
    }

    /**
     * The prompt as a prefix-cache key: text tokens as they are, each placeholder replaced by {@code idOf} of its
     * media item's fingerprint (a negative number, so it never equals a token): two prompts share a key prefix
     * only where they share tokens and media.
     */
    public int[] cacheKey(ToIntFunction<String> idOf) {
        int[] key = prompt.clone();
        int[] ids = new int[fingerprints.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = idOf.applyAsInt(fingerprints[i]);
            if (ids[i] >= 0) {
                throw new IllegalArgumentException("media ids in a cache key must be negative");
            }
        }
        for (int p = 0; p < placeholders.length; p++) {
            key[placeholders[p]] = ids[itemOf[p]];
        }
        return key;
    }

    /** The encoders' output, computed on the first call after construction or {@link #release()}. */
    public synchronized Encoded encoded() {
        if (encoded == null) {
            encoded = encoder.get();
            if (encoded.embeddings().rows() != placeholders.length) {
                throw new IllegalStateException("the encoders made " + encoded.embeddings().rows() + " rows for "
                        + placeholders.length + " placeholders");
            }
        }
        return encoded;
    }

    /** Drops the encoders' output (the prompt is in the cache); a later {@link #encoded()} computes it again. */
    public synchronized void release() {
        encoded = null;
    }

    /** Checks that {@code tokens} are the prompt's tokens from {@code start} on. */
    void checkSlice(int start, int[] tokens) {
        if (start + tokens.length > prompt.length) {
            throw new InvalidInputException("a chunk of " + tokens.length + " tokens at " + start + " runs past its prompt of "
                    + prompt.length + " tokens with media");
        }
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] != prompt[start + i]) {
                throw new InvalidInputException("token " + (start + i) + " of a chunk (" + tokens[i] + ") differs from its prompt ("
                        + prompt[start + i] + ")");
            }
        }
    }
}
