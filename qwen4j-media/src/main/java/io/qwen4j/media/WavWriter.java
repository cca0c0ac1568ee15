package io.qwen4j.media;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Float waveforms to 16-bit PCM WAV (mono, Qwen3-Omni's 24 kHz by default), converted as the reference saves them:
 * the model card's {@code soundfile.write(path, wav, 24000)} (libsndfile 1.2: the sample, clamped to [−1, 1], times
 * 2³¹ rounded to nearest-even, shifted right by 16 bits), so the files are those soundfile writes, sample for sample.
 *
 * <p>Two kinds of output: {@link #streaming} writes the header first with unknown sizes ({@code 0xFFFFFFFF}, as
 * FFmpeg does for pipes) so audio can leave before its end is known; {@link #create} writes a seekable file and
 * patches the sizes on {@link #close}. {@link #wav} and {@link #pcm16} convert a whole waveform in memory.
 */
public final class WavWriter implements AutoCloseable {
    /** Qwen3-Omni's output rate. */
    public static final int SAMPLE_RATE = 24000;
    static final int HEADER_BYTES = 44;
    private static final long UNKNOWN = 0xFFFFFFFFL;

    private final OutputStream stream; // streaming output, or null
    private final FileChannel file;    // seekable output, or null
    private final int sampleRate;
    private long dataBytes;
    private boolean closed;

    private WavWriter(OutputStream stream, FileChannel file, int sampleRate) {
        this.stream = stream;
        this.file = file;
        this.sampleRate = sampleRate;
    }

    /** A WAV stream of unknown length on {@code out} (the header's sizes are {@code 0xFFFFFFFF}); closes {@code out} on close. */
    public static WavWriter streaming(OutputStream out, int sampleRate) {
        WavWriter w = new WavWriter(out, null, sampleRate);
        w.emit(header(sampleRate, -1));
        return w;
    }

    /** A WAV file whose sizes are written on {@link #close}. */
    public static WavWriter create(Path path, int sampleRate) {
        try {
            FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            WavWriter w = new WavWriter(null, ch, sampleRate);
            w.emit(header(sampleRate, 0));
            return w;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
        }
    }

    /** Appends samples. */
    public void write(float[] samples) {
        if (closed) {
            throw new IllegalStateException("WAV writer closed");
        }
        emit(pcm16(samples));
        dataBytes += 2L * samples.length;
    }

    /** Samples written so far. */
    public long samples() {
        return dataBytes / 2;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (file != null) {
                try (FileChannel ch = file) {
                    ch.write(ByteBuffer.wrap(header(sampleRate, dataBytes)), 0);
                }
            } else {
                stream.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot finish the WAV output: " + e.getMessage(), e);
        }
    }

    private void emit(byte[] bytes) {
        try {
            if (file != null) {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) {
                    file.write(b);
                }
            } else {
                stream.write(bytes);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write WAV data: " + e.getMessage(), e);
        }
    }

    /** A whole waveform as a finished WAV file in memory. */
    public static byte[] wav(float[] samples, int sampleRate) {
        byte[] out = new byte[HEADER_BYTES + 2 * samples.length];
        System.arraycopy(header(sampleRate, 2L * samples.length), 0, out, 0, HEADER_BYTES);
        System.arraycopy(pcm16(samples), 0, out, HEADER_BYTES, 2 * samples.length);
        return out;
    }

    /** Little-endian 16-bit PCM of the samples (raw, no header). */
    public static byte[] pcm16(float[] samples) {
        ByteBuffer b = ByteBuffer.allocate(2 * samples.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float s : samples) {
            b.putShort(toPcm16(s));
        }
        return b.array();
    }

    /**
     * One sample as libsndfile converts float to 16-bit PCM ({@code f2s} with normalisation): clamp to [−1, 1],
     * {@code lrintf(x · 2³¹)} saturated to 32 bits, then the top 16 bits. NaN becomes 0.
     */
    public static short toPcm16(float x) {
        if (Float.isNaN(x)) {
            return 0;
        }
        float c = Math.max(-1f, Math.min(1f, x));
        double scaled = Math.rint((double) (c * 2147483648f));
        long v = (long) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, scaled));
        return (short) (v >> 16);
    }

    /** The 44-byte header of mono 16-bit PCM; {@code dataBytes < 0}: unknown length. */
    static byte[] header(int sampleRate, long dataBytes) {
        long data = dataBytes < 0 ? UNKNOWN : dataBytes;
        long riff = dataBytes < 0 ? UNKNOWN : 36 + dataBytes;
        if (data > UNKNOWN || riff > UNKNOWN) {
            throw new IllegalArgumentException("a WAV file holds at most 4 GiB of samples");
        }
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'R').put((byte) 'I').put((byte) 'F').put((byte) 'F').putInt((int) riff);
        b.put((byte) 'W').put((byte) 'A').put((byte) 'V').put((byte) 'E');
        b.put((byte) 'f').put((byte) 'm').put((byte) 't').put((byte) ' ').putInt(16);
        b.putShort((short) 1).putShort((short) 1).putInt(sampleRate).putInt(sampleRate * 2).putShort((short) 2).putShort((short) 16);
        b.put((byte) 'd').put((byte) 'a').put((byte) 't').put((byte) 'a').putInt((int) data);
        return b.array();
    }
}
