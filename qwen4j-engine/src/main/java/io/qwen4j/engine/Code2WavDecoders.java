package io.qwen4j.engine;

import io.qwen4j.models.Code2WavStream;
import io.qwen4j.models.LoadOptions;
import io.qwen4j.models.Qwen3OmniCode2Wav;
import java.nio.file.Path;

/**
 * Qwen3-Omni's Code2Wav as the speech pipeline's last stage: a {@link SpeechPipeline.FrameDecoder} per utterance, each a
 * {@link Code2WavStream} (frames in one at a time, the waveform out chunk by chunk, {@code chunked_decode}'s chunks
 * with their left context). The default chunking is the reference's (300 frames, 25 of left context), whose
 * concatenated output is {@code generate}'s waveform; smaller chunks give the first audio sooner.
 */
public final class Code2WavDecoders implements AutoCloseable {
    /** Code2Wav's output rate (omni.md §9). */
    public static final int SAMPLE_RATE = 24000;

    private final Qwen3OmniCode2Wav model;
    private final int chunkSize;
    private final int leftContext;
    private final AutoCloseable owned;

    private Code2WavDecoders(Qwen3OmniCode2Wav model, int chunkSize, int leftContext, AutoCloseable owned) {
        if (chunkSize < 1 || leftContext < 0) {
            throw new IllegalArgumentException("chunk size " + chunkSize + " and left context " + leftContext);
        }
        this.model = model;
        this.chunkSize = chunkSize;
        this.leftContext = leftContext;
        this.owned = owned;
    }

    /** Code2Wav of a Qwen3-Omni Instruct checkpoint folder (only {@code code2wav.*} is read), the reference's chunking. */
    public static Code2WavDecoders open(Path checkpoint, LoadOptions options) {
        Qwen3OmniCode2Wav model = Qwen3OmniCode2Wav.open(checkpoint, options.threads());
        return new Code2WavDecoders(model, Code2WavStream.DEFAULT_CHUNK_SIZE, Code2WavStream.DEFAULT_LEFT_CONTEXT, model::close);
    }

    /** Decoders over a model the caller owns (e.g. a benchmark's random one). */
    public static Code2WavDecoders of(Qwen3OmniCode2Wav model, int chunkSize, int leftContext) {
        return new Code2WavDecoders(model, chunkSize, leftContext, () -> { });
    }

    /** The same model with another chunking. */
    public Code2WavDecoders withChunks(int chunkSize, int leftContext) {
        return new Code2WavDecoders(model, chunkSize, leftContext, () -> { });
    }

    public Qwen3OmniCode2Wav model() {
        return model;
    }

    /** A decoder for one utterance. */
    public SpeechPipeline.FrameDecoder decoder() {
        Code2WavStream stream = model.stream(chunkSize, leftContext);
        return new SpeechPipeline.FrameDecoder() {
            @Override
            public float[] push(int[] codes) {
                return stream.push(codes);
            }

            @Override
            public float[] finish() {
                return stream.flush();
            }

            @Override
            public int sampleRate() {
                return SAMPLE_RATE;
            }
        };
    }

    @Override
    public void close() {
        try {
            owned.close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
