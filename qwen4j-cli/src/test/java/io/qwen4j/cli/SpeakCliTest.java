package io.qwen4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.engine.ChatEngine;
import io.qwen4j.engine.ChatListener;
import io.qwen4j.engine.ChatRequest;
import io.qwen4j.engine.ChatResult;
import io.qwen4j.engine.Code2WavDecoders;
import io.qwen4j.engine.EngineOptions;
import io.qwen4j.engine.SamplingParams;
import io.qwen4j.engine.SpeechPipeline;
import io.qwen4j.engine.SpokenChat;
import io.qwen4j.media.WavWriter;
import io.qwen4j.models.LoadOptions;
import io.qwen4j.models.Qwen3OmniTalker;
import io.qwen4j.tokenizer.chat.ChatMessage;
import io.qwen4j.tokenizer.chat.ContentPart;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code qwen4j run --speak} on the tiny Qwen3-Omni checkpoint: a question with an audio clip and an image, greedy, is
 * answered in text as without {@code --speak} and in a valid 24 kHz WAV file holding the pipeline's waveform; models
 * that cannot speak and misused options give one-line errors.
 */
class SpeakCliTest {
    static final Path MEDIA = Path.of(System.getProperty("qwen4j.fixtures"), "media-golden");

    @TempDir
    Path tmp;

    /** The samples of a 16-bit mono WAV file, as floats in [−1, 1). */
    static float[] readWav(Path file, float expectedRate) throws Exception {
        try (AudioInputStream in = AudioSystem.getAudioInputStream(file.toFile())) {
            AudioFormat f = in.getFormat();
            assertEquals(AudioFormat.Encoding.PCM_SIGNED, f.getEncoding());
            assertEquals(expectedRate, f.getSampleRate());
            assertEquals(16, f.getSampleSizeInBits());
            assertEquals(1, f.getChannels());
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            in.transferTo(bytes);
            ByteBuffer b = ByteBuffer.wrap(bytes.toByteArray()).order(f.isBigEndian() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
            float[] out = new float[b.remaining() / 2];
            for (int i = 0; i < out.length; i++) {
                out[i] = b.getShort() / 32768f;
            }
            return out;
        }
    }

    /**
     * The golden prompt without its video (a folder of frames goes through the processor's resize in {@code run}, not
     * as the generator fed it): the text is the plain run's, the WAV file holds the waveform the library's spoken chat
     * makes of the same request (the pipeline itself is checked against transformers' e2e run in qwen4j-engine).
     */
    @Test
    void runSpeaksTheAnswerIntoAWavFile() throws Exception {
        Path model = OmniCheckpoint.chattable(Files.createDirectories(tmp.resolve("model")));
        Path wav = tmp.resolve("answer.wav");
        Path audio = MEDIA.resolve("harvard-01-02.16k.wav");
        Path image = MEDIA.resolve("chelsea-90x60.png");
        List<String> question = List.of("run", "--model", model.toString(), "--system", "Be brief.", "--temperature", "0", "--max-tokens", "5",
                "--ignore-eos", "--verbose", "--audio", audio.toString(), "--image", image.toString());
        List<String> spoken = new ArrayList<>(question);
        spoken.addAll(List.of("--speak", wav.toString(), "--voice", "chelsie", "--speech-frames", "5", "What is this?"));
        CliRunner r = CliRunner.run(spoken.toArray(String[]::new));
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.err().contains("5 frames"), r.toString());
        List<String> plain = new ArrayList<>(question);
        plain.add("What is this?");
        CliRunner text = CliRunner.run(plain.toArray(String[]::new));
        assertEquals(0, text.status(), text.toString());
        assertEquals(text.out(), r.out(), "the text of the spoken answer");
        assertTrue(text.err().contains("5 generated"), text.toString());

        float[] samples = readWav(wav, 24000f);
        float[] expected;
        LoadOptions load = LoadOptions.defaults().withThreads(2);
        try (ChatEngine chat = ChatEngine.open("tiny", model, load, EngineOptions.single());
             Qwen3OmniTalker talker = Qwen3OmniTalker.load(model, load);
             Code2WavDecoders codec = Code2WavDecoders.open(model, load)) {
            ChatRequest request = ChatRequest.builder(List.of(ChatMessage.system("Be brief."), ChatMessage.user(List.of(
                    new ContentPart("audio", Map.of("audio", audio.toString())), new ContentPart("image", Map.of("image", image.toString())),
                    ContentPart.text("What is this?")))), SamplingParams.greedy()).maxTokens(5).ignoreEos(true).build();
            List<float[]> chunks = new ArrayList<>();
            SpokenChat spokenChat = new SpokenChat(chat, new SpeechPipeline(chat.model(), talker, codec::decoder), 5);
            SpokenChat.Answer a = spokenChat.answer(request, "Chelsie", new ChatListener() {
                @Override
                public void onFinish(ChatResult result) {
                }
            }, chunk -> chunks.add(chunk.pcm()));
            assertEquals(5, a.speech().frames().size());
            expected = new float[chunks.stream().mapToInt(c -> c.length).sum()];
            int at = 0;
            for (float[] c : chunks) {
                System.arraycopy(c, 0, expected, at, c.length);
                at += c.length;
            }
        }
        assertEquals(5 * 1920 - 555, samples.length, "samples of 5 frames");
        assertEquals(expected.length, samples.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(WavWriter.toPcm16(expected[i]) / 32768f, samples[i], 0f, "sample " + i);
        }
    }

    @Test
    void modelsThatCannotSpeakAndMisusedOptionsGiveOneLineErrors() throws Exception {
        Path wav = tmp.resolve("x.wav");
        CliRunner thinkerOnly = CliRunner.run("run", "--model", CliRunner.fixture("qwen3-omni-thinker-tiny").toString(), "--speak", wav.toString(), "hi");
        assertEquals(1, thinkerOnly.status(), thinkerOnly.toString());
        assertTrue(thinkerOnly.err().startsWith("error: ") && thinkerOnly.err().contains("has no talker")
                && thinkerOnly.err().strip().lines().count() == 1, thinkerOnly.toString());
        CliRunner text = CliRunner.run("run", "--speak", wav.toString(), "hi"); // the embedded demo model, Qwen3
        assertEquals(1, text.status(), text.toString());
        assertTrue(text.err().contains("has no talker"), text.toString());
        CliRunner both = CliRunner.run("run", "--model", OmniCheckpoint.tiny().toString(), "--no-talker", "--speak", wav.toString(), "hi");
        assertEquals(1, both.status(), both.toString());
        assertTrue(both.err().contains("leave out --no-talker"), both.toString());
        CliRunner voice = CliRunner.run("run", "--voice", "Chelsie", "hi");
        assertEquals(1, voice.status(), voice.toString());
        assertTrue(voice.err().contains("--voice goes with --speak"), voice.toString());
        Path model = OmniCheckpoint.chattable(Files.createDirectories(tmp.resolve("model")));
        CliRunner unknown = CliRunner.run("run", "--model", model.toString(), "--speak", wav.toString(), "--voice", "Bob", "-n", "2", "hi");
        assertEquals(1, unknown.status(), unknown.toString());
        assertTrue(unknown.err().contains("unknown voice 'Bob'") && unknown.err().contains("Aiden, Chelsie, Ethan"), unknown.toString());
        assertFalse(unknown.err().contains("Exception"), unknown.toString());
    }

    /** {@code chat --speak-dir}: each answer is spoken into its own WAV file, in a real terminal. */
    @Test
    void chatSpeaksEveryAnswerIntoTheFolder() throws Exception {
        Path model = OmniCheckpoint.chattable(Files.createDirectories(tmp.resolve("model")));
        Path dir = tmp.resolve("spoken");
        try (TmuxSession t = new TmuxSession(tmp, "speak-chat-test", "chat --model '" + model + "' --temperature 0 --threads 1"
                + " --ignore-eos --max-tokens 4 --speech-frames 3 --voice aiden --speak-dir '" + dir + "'")) {
            t.waitFor("the banner and prompt", s -> s.contains("qwen4j chat:") && s.contains(">>>"));
            t.keys("Hello", "Enter");
            t.waitFor("the first spoken answer", s -> s.contains("answer-1.wav") && TmuxSession.after(s, "Hello").contains("4 tokens"));
            t.keys("Again", "Enter");
            t.waitFor("the second spoken answer", s -> s.contains("answer-2.wav") && TmuxSession.after(s, "Again").contains("4 tokens"));
            t.keys("C-d");
            String end = t.waitFor("the exit", x -> x.contains("EXITED"));
            assertTrue(end.contains("EXITED 0"), end);
            assertFalse(end.contains("Exception"), end);
        }
        for (String name : new String[] {"answer-1.wav", "answer-2.wav"}) {
            assertEquals(3 * 1920 - 555, readWav(dir.resolve(name), 24000f).length, name);
        }
    }

    /** Text only: --no-talker answers as before, without touching the talker. */
    @Test
    void noTalkerAnswersInText() throws Exception {
        Path model = OmniCheckpoint.chattable(Files.createDirectories(tmp.resolve("model")));
        CliRunner r = CliRunner.run("run", "--model", model.toString(), "--no-talker", "--temperature", "0", "-n", "3", "--ignore-eos", "hi");
        assertEquals(0, r.status(), r.toString());
        assertFalse(r.out().isEmpty(), r.toString());
    }
}
