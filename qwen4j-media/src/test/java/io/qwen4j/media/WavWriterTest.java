package io.qwen4j.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.formats.Npy;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * WavWriter against soundfile (fixtures/wav, made by tools/golden/make_wav_fixture.py): the same samples from the same
 * floats, read back with javax.sound's WAV reader, for the finished file, the in-memory WAV and the streamed one.
 */
class WavWriterTest {
    private static Path fixture(String name) {
        String prop = System.getProperty("qwen4j.fixtures");
        assertTrue(prop != null, "system property qwen4j.fixtures is not set (the build sets it)");
        Path p = Path.of(prop, "wav", name);
        assertTrue(Files.isRegularFile(p), "missing fixture " + p + " (run tools/golden/make_wav_fixture.py)");
        return p;
    }

    private static float[] samples() throws IOException {
        return Npy.read(fixture("samples.npy")).data();
    }

    /** The samples of a mono 16-bit WAV as javax.sound reads them (until the end of the stream). */
    private static short[] read(InputStream wav) throws Exception {
        try (AudioInputStream in = AudioSystem.getAudioInputStream(new java.io.BufferedInputStream(wav))) {
            AudioFormat f = in.getFormat();
            assertEquals(AudioFormat.Encoding.PCM_SIGNED, f.getEncoding());
            assertEquals(1, f.getChannels());
            assertEquals(16, f.getSampleSizeInBits());
            assertEquals(WavWriter.SAMPLE_RATE, (int) f.getSampleRate());
            assertTrue(!f.isBigEndian());
            byte[] bytes = in.readAllBytes();
            short[] out = new short[bytes.length / 2];
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(out);
            return out;
        }
    }

    private static short[] reference() throws Exception {
        return read(Files.newInputStream(fixture("soundfile-pcm16.wav")));
    }

    @Test
    void aFinishedFileHoldsTheSamplesSoundfileWrites(@TempDir Path dir) throws Exception {
        float[] samples = samples();
        Path out = dir.resolve("out.wav");
        try (WavWriter w = WavWriter.create(out, WavWriter.SAMPLE_RATE)) {
            w.write(Arrays.copyOfRange(samples, 0, 1000));
            w.write(Arrays.copyOfRange(samples, 1000, samples.length));
            assertEquals(samples.length, w.samples());
        }
        short[] ref = reference();
        assertEquals(samples.length, ref.length);
        try (AudioInputStream in = AudioSystem.getAudioInputStream(out.toFile())) {
            assertEquals(samples.length, in.getFrameLength(), "frame count in the finished header");
        }
        assertArrayEquals(ref, read(Files.newInputStream(out)));
        // a plain 44-byte header, as soundfile's: the files are identical
        assertArrayEquals(Files.readAllBytes(fixture("soundfile-pcm16.wav")), Files.readAllBytes(out));
        assertArrayEquals(Files.readAllBytes(out), WavWriter.wav(samples, WavWriter.SAMPLE_RATE));
    }

    @Test
    void aStreamOfUnknownLengthReadsBackToTheSameSamples() throws Exception {
        float[] samples = samples();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (WavWriter w = WavWriter.streaming(bytes, WavWriter.SAMPLE_RATE)) {
            for (int at = 0; at < samples.length; at += 4321) {
                w.write(Arrays.copyOfRange(samples, at, Math.min(samples.length, at + 4321)));
            }
        }
        byte[] wav = bytes.toByteArray();
        ByteBuffer header = ByteBuffer.wrap(wav).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(-1, header.getInt(4), "RIFF size of a stream: unknown");
        assertEquals(-1, header.getInt(40), "data size of a stream: unknown");
        assertArrayEquals(reference(), read(new ByteArrayInputStream(wav)));
    }

    @Test
    void rawPcmIsTheDataChunk() throws Exception {
        float[] samples = samples();
        byte[] wav = Files.readAllBytes(fixture("soundfile-pcm16.wav"));
        assertArrayEquals(Arrays.copyOfRange(wav, 44, wav.length), WavWriter.pcm16(samples));
        assertEquals(0, WavWriter.toPcm16(Float.NaN));
    }
}
