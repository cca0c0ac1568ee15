package io.qwen4j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.common.InvalidInputException;
import io.qwen4j.common.Qwen4jException;
import io.qwen4j.core.CausalLm;
import io.qwen4j.core.MediaInputs;
import io.qwen4j.core.PromptMedia;
import io.qwen4j.formats.Json;
import io.qwen4j.formats.SafeTensorsFile;
import io.qwen4j.models.Architectures;
import io.qwen4j.models.LoadOptions;
import io.qwen4j.models.Qwen3OmniTalker;
import io.qwen4j.tensor.FloatMatrix;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The staged speech pipeline on the tiny Qwen3-Omni (tools/golden/make_tiny_omni.py): streamed, it gives the codes of
 * the reference's end-to-end greedy run (which generates the whole text first), frames leave while the text still
 * streams, and failures and cancellation end every stage.
 */
class SpeechPipelineTest {
    static SafeTensorsFile golden;
    static JsonNode meta;
    static CausalLm thinker;
    static Qwen3OmniTalker talker;

    @BeforeAll
    static void open() {
        golden = SafeTensorsFile.open(OmniFixtures.tinyOmni().resolve("golden.safetensors"));
        meta = Json.read(OmniFixtures.tinyOmni().resolve("golden.json"));
        thinker = Architectures.load(OmniFixtures.tinyOmni(), LoadOptions.defaults().withThreads(2));
        talker = Qwen3OmniTalker.load(OmniFixtures.tinyOmni(), LoadOptions.defaults().withThreads(2));
    }

    @AfterAll
    static void close() {
        talker.close();
        thinker.close();
        golden.close();
    }

    static int[] ints(JsonNode a) {
        return Json.MAPPER.convertValue(a, int[].class);
    }

    static FloatMatrix matrix(String name) {
        long[] shape = golden.tensors().get(name).shape();
        float[] data = golden.weight(name).toFloatArray();
        int cols = (int) shape[shape.length - 1];
        return new FloatMatrix(data, data.length / cols, cols);
    }

    /** The processors' tensors of the golden "mm" prompt (audio, image, video). */
    static MediaInputs mmMedia() {
        long[] shape = golden.tensors().get("audio.input_features").shape();
        FloatMatrix features = new FloatMatrix(golden.weight("audio.input_features").toFloatArray(), (int) shape[1], (int) shape[2]);
        int[] image = ints(meta.get("image").get("grid_thw"));
        int[] video = ints(meta.get("video").get("grid_thw"));
        return new MediaInputs(List.of(new MediaInputs.Audio(features, meta.get("audio").get("feature_len").asInt())),
                List.of(new MediaInputs.Visual(matrix("image.pixel_values"), image[0], image[1], image[2], 0)),
                List.of(new MediaInputs.Visual(matrix("video.pixel_values"), video[0], video[1], video[2],
                        golden.weight("video.second_per_grid").toFloatArray()[0])), false);
    }

    static int[] mmPrompt() {
        return ints(meta.get("prompts").get("mm").get("ids"));
    }

    static int imEnd() {
        return meta.get("token_ids").get("<|im_end|>").get("tiny").asInt();
    }

    /** The reference's greedy run: thinker 5 tokens, talker 6 steps (5 frames), voice Ethan. */
    @Test
    void streamedCodesEqualTheReferenceRun() {
        SpeechPipeline pipeline = new SpeechPipeline(thinker, talker, null);
        int[] prompt = mmPrompt();
        List<Integer> tokens = new CopyOnWriteArrayList<>();
        List<SpeechPipeline.TalkerFrame> frames = new CopyOnWriteArrayList<>();
        SpeechPipeline.Result r = pipeline.speak(new SpeechPipeline.Request(prompt, thinker.prepare(prompt, mmMedia()), SamplingParams.greedy(), 5,
                new int[] {imEnd()}, "Ethan", SpeechPipeline.TalkerSampling.greedy(6)), new SpeechPipeline.Listener() {
                    @Override
                    public void onToken(int token) {
                        tokens.add(token);
                    }

                    @Override
                    public void onFrame(SpeechPipeline.TalkerFrame frame) {
                        frames.add(frame);
                    }
                });
        int[] expectedTokens = ints(meta.get("e2e").get("thinker_generated_ids"));
        assertArrayEquals(expectedTokens, r.tokens(), "thinker tokens");
        assertArrayEquals(expectedTokens, tokens.stream().mapToInt(Integer::intValue).toArray());
        assertEquals(FinishReason.LENGTH, r.finishReason());
        JsonNode codes = meta.get("e2e").get("talker_codes"); // [groups][frames]
        assertEquals(codes.get(0).size(), r.frames().size(), "frames");
        assertEquals(r.frames().size(), frames.size());
        for (int f = 0; f < r.frames().size(); f++) {
            assertEquals(f, frames.get(f).index());
            for (int q = 0; q < codes.size(); q++) {
                assertEquals(codes.get(q).get(f).asInt(), r.frames().get(f)[q], "frame " + f + " codebook " + q);
            }
        }
        assertTrue(r.firstFrame() > 0 && r.firstToken() > 0 && r.total() >= r.firstFrame());
        assertEquals(0, r.samples());
    }

    /** With Code2Wav as the last stage (the reference's chunking), the audio is transformers' e2e waveform. */
    @Test
    void theWaveformIsTheReferences() {
        try (Code2WavDecoders codec = Code2WavDecoders.open(OmniFixtures.tinyOmni(), LoadOptions.defaults().withThreads(2))) {
            SpeechPipeline pipeline = new SpeechPipeline(thinker, talker, codec::decoder);
            int[] prompt = mmPrompt();
            List<SpeechPipeline.AudioChunk> chunks = new CopyOnWriteArrayList<>();
            SpeechPipeline.Result r = pipeline.speak(new SpeechPipeline.Request(prompt, thinker.prepare(prompt, mmMedia()), SamplingParams.greedy(),
                    5, new int[] {imEnd()}, "Ethan", SpeechPipeline.TalkerSampling.greedy(6)), new SpeechPipeline.Listener() {
                        @Override
                        public void onAudio(SpeechPipeline.AudioChunk chunk) {
                            chunks.add(chunk);
                        }
                    });
            float[] expected = golden.weight("e2e.wav").toFloatArray();
            float[] audio = new float[0];
            for (SpeechPipeline.AudioChunk c : chunks) {
                assertEquals(Code2WavDecoders.SAMPLE_RATE, c.sampleRate());
                int at = audio.length;
                audio = java.util.Arrays.copyOf(audio, at + c.pcm().length);
                System.arraycopy(c.pcm(), 0, audio, at, c.pcm().length);
            }
            assertEquals(expected.length, audio.length, "samples");
            assertEquals(expected.length, r.samples());
            double err = 0;
            double max = 0;
            for (int i = 0; i < expected.length; i++) {
                err = Math.max(err, Math.abs(audio[i] - expected[i]));
                max = Math.max(max, Math.abs(expected[i]));
            }
            System.out.printf(java.util.Locale.ROOT, "pipeline waveform: %d samples, max abs error %.3e (%.3e of max |ref|)%n", audio.length, err,
                    err / max);
            assertTrue(err <= 1e-4 * max, "max abs error " + err + " of max " + max);
            assertTrue(r.firstAudio() >= r.firstFrame());
        }
    }

    /**
     * With a thinker slowed down (its listener sleeps per token), the talker's first frame, and with chunks of one
     * frame the first audio, come while the text still streams: the talker needs only the first answer token fed back.
     */
    @Test
    void framesAndAudioLeaveWhileTheTextStillStreams() {
        Code2WavDecoders codec = Code2WavDecoders.open(OmniFixtures.tinyOmni(), LoadOptions.defaults().withThreads(2));
        SpeechPipeline pipeline = new SpeechPipeline(thinker, talker, codec.withChunks(1, 25)::decoder);
        int[] prompt = ints(meta.get("prompts").get("text").get("ids"));
        AtomicInteger tokensAtFirstFrame = new AtomicInteger(-1);
        AtomicInteger count = new AtomicInteger();
        SpeechPipeline.Result r = pipeline.speak(new SpeechPipeline.Request(prompt, PromptMedia.NONE, SamplingParams.greedy(), 40,
                new int[0], null, SpeechPipeline.TalkerSampling.greedy(20)), new SpeechPipeline.Listener() {
                    @Override
                    public void onToken(int token) {
                        count.incrementAndGet();
                        try {
                            Thread.sleep(25);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }

                    @Override
                    public void onFrame(SpeechPipeline.TalkerFrame frame) {
                        tokensAtFirstFrame.compareAndSet(-1, count.get());
                    }
                });
        assertEquals(40, r.tokens().length);
        assertTrue(!r.frames().isEmpty(), "no frames");
        assertTrue(tokensAtFirstFrame.get() < 40, "the first frame came after the whole text: " + tokensAtFirstFrame.get());
        assertTrue(r.firstFrame() < r.thinkerDone(), "first frame " + r.firstFrame() + " ns, thinker done " + r.thinkerDone() + " ns");
        assertTrue(r.firstAudio() > 0 && r.firstAudio() < r.thinkerDone(), "first audio " + r.firstAudio() + " ns, thinker done "
                + r.thinkerDone() + " ns");
        codec.close();
    }

    /** The same text answer spoken twice gives the same codes, however the stages interleave. */
    @Test
    void theResultDoesNotDependOnTiming() {
        SpeechPipeline pipeline = new SpeechPipeline(thinker, talker, null);
        int[] prompt = ints(meta.get("prompts").get("text").get("ids"));
        List<List<int[]>> runs = new ArrayList<>();
        for (int sleep : new int[] {0, 10}) {
            runs.add(pipeline.speak(new SpeechPipeline.Request(prompt, PromptMedia.NONE, SamplingParams.greedy(), 12, new int[0], "aiden",
                    SpeechPipeline.TalkerSampling.greedy(16)), new SpeechPipeline.Listener() {
                        @Override
                        public void onToken(int token) {
                            try {
                                Thread.sleep(sleep);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                    }).frames());
        }
        assertEquals(runs.get(0).size(), runs.get(1).size());
        for (int f = 0; f < runs.get(0).size(); f++) {
            assertArrayEquals(runs.get(0).get(f), runs.get(1).get(f), "frame " + f);
        }
    }

    /** A spoken chat answer has the text the chat engine writes for the same greedy request. */
    @Test
    void spokenChatAnswersWithTheChatEnginesText() {
        try (ChatEngine chat = new ChatEngine("tiny-omni", Architectures.load(OmniFixtures.tinyOmni(), LoadOptions.defaults().withThreads(2)),
                OmniFixtures.tinyTokenizer(), OmniPrompt.fallbackTemplate(), GenerationDefaults.TRANSFORMERS, EngineOptions.single())) {
            ChatRequest request = ChatRequest.builder(List.of(io.qwen4j.tokenizer.chat.ChatMessage.user("Hi there")), SamplingParams.greedy())
                    .maxTokens(8).build();
            ChatResult written = chat.chat(request, new ChatListener() {
                @Override
                public void onFinish(ChatResult result) {
                }
            });
            SpokenChat spoken = new SpokenChat(chat, new SpeechPipeline(chat.model(), talker, null));
            StringBuilder streamed = new StringBuilder();
            SpokenChat.Answer a = spoken.answer(request, "chelsie", new ChatListener() {
                @Override
                public void onContent(String delta) {
                    streamed.append(delta);
                }

                @Override
                public void onFinish(ChatResult result) {
                }
            }, chunk -> { });
            assertEquals(written.content(), a.text().content());
            assertEquals(written.content(), streamed.toString());
            assertArrayEquals(written.generation().tokenIds(), a.text().generation().tokenIds());
            assertEquals(written.finishReason(), a.text().finishReason());
            assertTrue(!a.speech().frames().isEmpty(), "no frames");
        }
    }

    @Test
    void errorsReachTheCallerAndEndEveryStage() {
        SpeechPipeline pipeline = new SpeechPipeline(thinker, talker, () -> new SpeechPipeline.FrameDecoder() {
            @Override
            public float[] push(int[] codes) {
                throw new Qwen4jException("decoder broke");
            }

            @Override
            public float[] finish() {
                return new float[0];
            }

            @Override
            public int sampleRate() {
                return 24000;
            }
        });
        int[] prompt = ints(meta.get("prompts").get("text").get("ids"));
        List<Qwen4jException> errors = new CopyOnWriteArrayList<>();
        SpeechPipeline.Handle h = pipeline.start(new SpeechPipeline.Request(prompt, PromptMedia.NONE, SamplingParams.greedy(), 30, new int[0], null,
                SpeechPipeline.TalkerSampling.greedy(30)), new SpeechPipeline.Listener() {
                    @Override
                    public void onError(Qwen4jException error) {
                        errors.add(error);
                    }
                });
        Qwen4jException e = assertThrows(Qwen4jException.class, h::await);
        assertEquals("decoder broke", e.getMessage());
        assertEquals(1, errors.size());
        InvalidInputException voice = assertThrows(InvalidInputException.class, () -> pipeline.start(new SpeechPipeline.Request(prompt,
                PromptMedia.NONE, SamplingParams.greedy(), 3, new int[0], "Bob", SpeechPipeline.TalkerSampling.greedy(3)),
                new SpeechPipeline.Listener() {}));
        assertTrue(voice.getMessage().contains("Aiden, Chelsie, Ethan"), voice.getMessage());
    }

    @Test
    void cancellationStopsTheStages() {
        SpeechPipeline pipeline = new SpeechPipeline(thinker, talker, null);
        int[] prompt = ints(meta.get("prompts").get("text").get("ids"));
        SpeechPipeline.Handle[] handle = new SpeechPipeline.Handle[1];
        AtomicInteger count = new AtomicInteger();
        handle[0] = pipeline.start(new SpeechPipeline.Request(prompt, PromptMedia.NONE, SamplingParams.greedy(), 200, new int[0], null,
                SpeechPipeline.TalkerSampling.greedy(400)), new SpeechPipeline.Listener() {
                    @Override
                    public void onToken(int token) {
                        if (count.incrementAndGet() >= 10 && handle[0] != null) {
                            handle[0].cancel();
                        }
                    }
                });
        while (handle[0] == null) {
            Thread.onSpinWait();
        }
        SpeechPipeline.Result r = handle[0].await();
        assertEquals(FinishReason.CANCELLED, r.finishReason());
        assertTrue(r.tokens().length < 200, "stopped after " + r.tokens().length);
    }
}
