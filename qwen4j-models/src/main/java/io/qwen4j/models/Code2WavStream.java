package io.qwen4j.models;

import io.qwen4j.common.InvalidInputException;
import java.util.Arrays;

/**
 * Streaming Code2Wav: codec frames pushed one at a time as the talker makes them, waveform chunks out as soon as a
 * chunk of frames is complete, so audio can leave before the answer ends. Chunks are cut exactly as the reference's
 * {@code chunked_decode(codes, chunk_size, left_context_size)} cuts them (each chunk after the first decoded from
 * scratch with up to {@code left_context_size} earlier frames, whose samples are dropped), so the concatenated chunks
 * of a stream equal {@link Qwen3OmniCode2Wav#chunkedDecode} of all its frames, bit for bit.
 *
 * <p>Not thread-safe: one producer pushes, then flushes once.
 */
public final class Code2WavStream {
    /** transformers' {@code chunked_decode} defaults, which {@code generate} uses. */
    public static final int DEFAULT_CHUNK_SIZE = 300;
    public static final int DEFAULT_LEFT_CONTEXT = 25;

    private static final float[] NONE = new float[0];

    private final Qwen3OmniCode2Wav model;
    private final int chunkSize;
    private final int leftContext;
    private final int quantizers;
    private int[][] frames;       // [q][capacity]: every frame pushed (only the last leftContext + chunk are read)
    private int count;            // frames pushed
    private int emitted;          // frames already decoded into emitted audio
    private boolean flushed;

    Code2WavStream(Qwen3OmniCode2Wav model, int chunkSize, int leftContext) {
        checkSizes(chunkSize, leftContext);
        this.model = model;
        this.chunkSize = chunkSize;
        this.leftContext = leftContext;
        this.quantizers = model.config().quantizers();
        this.frames = new int[quantizers][Math.max(16, chunkSize + leftContext)];
    }

    static void checkSizes(int chunkSize, int leftContext) {
        if (chunkSize < 1 || leftContext < 0) {
            throw new InvalidInputException("Code2Wav chunks need chunk_size ≥ 1 and left_context_size ≥ 0, got " + chunkSize + " and " + leftContext);
        }
    }

    public int chunkSize() {
        return chunkSize;
    }

    public int leftContext() {
        return leftContext;
    }

    /** Frames pushed so far. */
    public int frames() {
        return count;
    }

    /**
     * Adds one frame ({@code num_quantizers} codes, group 0 first). Returns the waveform of a chunk when this frame
     * completes one, else an empty array.
     */
    public float[] push(int[] codesOfOneFrame) {
        if (flushed) {
            throw new IllegalStateException("frames pushed after flush");
        }
        if (codesOfOneFrame.length != quantizers) {
            throw new InvalidInputException("a codec frame has " + quantizers + " codes, got " + codesOfOneFrame.length);
        }
        if (count == frames[0].length) {
            int keep = Math.min(count, leftContext + chunkSize);
            // drop frames no chunk reads any more (only the left context of the next chunk is kept)
            int from = emitted - Math.min(emitted, leftContext);
            if (from > 0) {
                for (int q = 0; q < quantizers; q++) {
                    System.arraycopy(frames[q], from, frames[q], 0, count - from);
                }
                count -= from;
                emitted -= from;
                base += from;
            }
            if (count == frames[0].length) {
                for (int q = 0; q < quantizers; q++) {
                    frames[q] = Arrays.copyOf(frames[q], Math.max(2 * count, keep));
                }
            }
        }
        for (int q = 0; q < quantizers; q++) {
            frames[q][count] = codesOfOneFrame[q];
        }
        count++;
        return count - emitted == chunkSize ? decodeChunk() : NONE;
    }

    /** The waveform of the frames not yet decoded (an empty array when there are none); ends the stream. */
    public float[] flush() {
        flushed = true;
        return count > emitted ? decodeChunk() : NONE;
    }

    private int base; // absolute index of frames[q][0]

    /** Decodes frames {@code emitted..count} with their left context, as one iteration of {@code chunked_decode}. */
    private float[] decodeChunk() {
        int start = base + emitted; // absolute frame index, as chunked_decode's start_index
        int context = start - leftContext > 0 ? leftContext : start;
        int[][] chunk = new int[quantizers][];
        for (int q = 0; q < quantizers; q++) {
            chunk[q] = Arrays.copyOfRange(frames[q], emitted - context, count);
        }
        float[] wav = model.decode(chunk);
        emitted = count;
        int drop = Math.min(wav.length, context * model.config().samplesPerFrame());
        return Arrays.copyOfRange(wav, drop, wav.length);
    }
}
