package io.qwen4j.engine;

import io.qwen4j.common.InvalidInputException;
import io.qwen4j.common.Qwen4jException;
import io.qwen4j.core.Batch;
import io.qwen4j.core.ChunkTaps;
import io.qwen4j.core.CausalLm;
import io.qwen4j.core.KvCache;
import io.qwen4j.core.MropePositions;
import io.qwen4j.core.PromptMedia;
import io.qwen4j.models.Qwen3OmniTalker;
import io.qwen4j.models.Qwen3OmniThinker;
import io.qwen4j.tensor.FloatMatrix;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * A spoken answer of Qwen3-Omni in three stages on their own threads, joined by bounded queues of typed hand-offs:
 * <pre>
 *   thinker ──{@link ThinkerOutput}──▶ talker + code predictor ──{@link TalkerFrame}──▶ codec decoder ──▶ {@link AudioChunk}
 * </pre>
 * The thinker generates the text (its tokens reach the listener as they come); the talker starts as soon as the
 * first answer token has been fed back to the thinker and reads one more text row per codec frame, so the first
 * frames, and the first audio, leave while the text still streams. The result equals the reference's, which
 * generates the whole text first ({@code Qwen3OmniMoeForConditionalGeneration.generate}; omni.md §7, §10): the
 * talker's prompt and its trailing text rows are the same, only available sooner. Frame {@code j} reads the trailing
 * row {@code j}, i.e. the thinker input embedding of answer token {@code j+1} once the thinker has fed it back (a
 * token is fed back when the thinker goes on after it); when the thinker ends, {@code tts_eos} follows the last
 * fed token, then {@code tts_pad}.
 *
 * <p>Without a codec decoder the pipeline stops at frames (codes). A failure in any stage cancels the others and
 * reaches the listener once as {@link Listener#onError}; {@link Handle#cancel()} stops all stages.
 */
public final class SpeechPipeline {

    /** What the thinker hands the talker: its prompt's states once, then each generated token, then the end. */
    public sealed interface ThinkerOutput {
        /**
         * The prompt: its ids, the thinker's input embeddings ({@code inp_embd}) and hidden states of the talker's
         * {@code accept_hidden_layer} for every position, and its (t, h, w) positions (null for text prompts).
         */
        record Prompt(int[] ids, FloatMatrix embeddings, FloatMatrix hidden, MropePositions.Plan positions) implements ThinkerOutput {}

        /** A generated token and its thinker input embedding ({@code [thinker_hidden]}). */
        record Token(int token, float[] embedding) implements ThinkerOutput {}

        /** The thinker is done. */
        record End(FinishReason reason) implements ThinkerOutput {}
    }

    /** One codec frame: codebook 0 from the talker, the others from the code predictor ({@code num_code_groups} codes). */
    public record TalkerFrame(int index, int[] codes) {}

    /** Waveform samples (mono floats in [−1, 1]) at {@code sampleRate}, in order. */
    public record AudioChunk(int index, float[] pcm, int sampleRate) {}

    /** Turns codec frames into waveform as they come (Code2Wav's streaming decoder); one per utterance. */
    public interface FrameDecoder {
        /** Samples ready after this frame (possibly none). */
        float[] push(int[] codes);

        /** The rest, once no frame follows. */
        float[] finish();

        int sampleRate();
    }

    /**
     * How the talker and code predictor choose codes. The reference's defaults ({@link #reference}): codebook 0 sampled
     * with temperature 0.9, top-k 50, top-p 1.0, repetition penalty 1.05 over the codes already generated, every
     * special codec id but EOS suppressed; the other codebooks with top-k 50, top-p 0.8; at most 4096 codebook-0 choices.
     *
     * @param talker    codebook-0 sampling
     * @param predictor the code predictor's sampling (greedy when {@code talker} is)
     * @param maxSteps  codebook-0 choices at most ({@code talker_max_new_tokens}); the last never gets its other codebooks
     * @param ignoreEos never choose the codec EOS (benchmarks: a fixed number of frames)
     */
    public record TalkerSampling(SamplingParams talker, SamplingParams predictor, int maxSteps, boolean ignoreEos) {
        public TalkerSampling {
            if (maxSteps < 1) {
                throw new InvalidInputException("the talker needs at least one step, got " + maxSteps);
            }
        }

        public static TalkerSampling reference(long seed) {
            return new TalkerSampling(
                    SamplingParams.builder().temperature(0.9f).topK(50).topP(1f).repetitionPenalty(1.05f).seed(seed).build(),
                    SamplingParams.builder().temperature(1f).topK(50).topP(0.8f).seed(seed + 1).build(), 4096, false);
        }

        /** Greedy codes (the reference with {@code talker_do_sample=False}, repetition penalty 1). */
        public static TalkerSampling greedy(int maxSteps) {
            return new TalkerSampling(SamplingParams.greedy(), SamplingParams.greedy(), maxSteps, false);
        }

        /** The same with at most {@code steps} codebook-0 choices. */
        public TalkerSampling withMaxSteps(int steps) {
            return new TalkerSampling(talker, predictor, steps, ignoreEos);
        }

        /** The same, never choosing the codec EOS. */
        public TalkerSampling withIgnoreEos() {
            return new TalkerSampling(talker, predictor, maxSteps, true);
        }
    }

    /**
     * One spoken answer to make.
     *
     * @param promptIds the thinker's prompt (templated, media placeholders expanded)
     * @param media     its media ({@link PromptMedia#NONE} for text)
     * @param sampling  the thinker's sampling
     * @param maxTokens the thinker's answer length at most
     * @param stopIds   ids that end the thinker's answer
     * @param voice     the talker's voice ({@link Qwen3OmniTalker#voices()}; null for the default)
     * @param talker    how the talker chooses codes
     */
    public record Request(int[] promptIds, PromptMedia media, SamplingParams sampling, int maxTokens, int[] stopIds, String voice,
                          TalkerSampling talker) {
        public Request {
            Objects.requireNonNull(media, "media (PromptMedia.NONE for none)");
            if (maxTokens < 1) {
                throw new InvalidInputException("max tokens must be at least 1, got " + maxTokens);
            }
        }

        /**
         * The spoken form of a chat request: its prompt (made by {@link ChatEngine#prompt}), sampling, length (what the
         * context leaves when it sets none) and the chat's stop ids (none with {@code ignore_eos}).
         */
        public static Request forChat(ChatEngine chat, ChatRequest request, ChatPrompt prompt, String voice, TalkerSampling talker) {
            int room = chat.contextLength() - prompt.length();
            if (room < 1) {
                throw new InvalidInputException("the prompt has " + prompt.length() + " tokens and fills the context of " + chat.contextLength());
            }
            int max = request.maxTokens() > 0 ? Math.min(request.maxTokens(), room) : room;
            return new Request(prompt.ids(), prompt.media(), request.sampling(), max, request.ignoreEos() ? new int[0] : chat.stopTokenIds(),
                    voice, talker);
        }
    }

    /** Events of a spoken answer, each kind on its stage's thread. */
    public interface Listener {
        /** A generated text token (the thinker's thread; a slow listener slows the thinker). */
        default void onToken(int token) {}

        default void onFrame(TalkerFrame frame) {}

        default void onAudio(AudioChunk chunk) {}

        default void onError(Qwen4jException error) {}

        default void onFinish(Result result) {}
    }

    /**
     * What came out, with timings from {@link #start} in nanoseconds (−1 when it never happened).
     *
     * @param tokens        the thinker's tokens (the stop id excluded)
     * @param finishReason  why the thinker stopped
     * @param frames        the codec frames ({@code [frames][num_code_groups]})
     * @param samples       waveform samples produced
     * @param sampleRate    their rate (0 without a decoder)
     * @param firstToken    to the first text token
     * @param firstFrame    to the first codec frame
     * @param firstAudio    to the first audio chunk
     * @param thinkerDone   to the thinker's end
     * @param total         to the end of every stage
     */
    public record Result(int[] tokens, FinishReason finishReason, List<int[]> frames, long samples, int sampleRate, long firstToken,
                        long firstFrame, long firstAudio, long thinkerDone, long total) {
        /** Seconds of audio. */
        public double audioSeconds() {
            return sampleRate == 0 ? 0 : (double) samples / sampleRate;
        }
    }

    /** A running answer. */
    public interface Handle {
        void cancel();

        /** Waits for the end; rethrows a stage's failure. */
        Result await();
    }

    private static final int TOKEN_QUEUE = 8192;
    private static final int FRAME_QUEUE = 64;

    private final Qwen3OmniThinker thinker;
    private final Qwen3OmniTalker talker;
    private final Supplier<FrameDecoder> decoders;

    /**
     * @param thinker  the Omni thinker
     * @param talker   its talker
     * @param decoders a codec decoder per utterance; null to stop at frames
     */
    public SpeechPipeline(CausalLm thinker, Qwen3OmniTalker talker, Supplier<FrameDecoder> decoders) {
        if (!(thinker instanceof Qwen3OmniThinker t)) {
            throw new InvalidInputException(thinker.info().architecture() + " cannot speak: speech needs a Qwen3-Omni Instruct model");
        }
        this.thinker = t;
        this.talker = Objects.requireNonNull(talker, "talker");
        this.decoders = decoders;
    }

    public Qwen3OmniTalker talker() {
        return talker;
    }

    /** Starts the three stages; events reach {@code listener} on their threads. Checks the voice first. */
    public Handle start(Request request, Listener listener) {
        int speaker = talker.speakerId(request.voice() == null ? talker.defaultVoice() : request.voice());
        talker.assistantStart(request.promptIds()); // a prompt without an assistant turn cannot be spoken
        Run run = new Run(request, listener, speaker);
        run.begin();
        return run;
    }

    /** Runs a request to its end on the calling thread's behalf (the stages still run on their own threads). */
    public Result speak(Request request, Listener listener) {
        return start(request, listener).await();
    }

    /** One answer's three stages. */
    private final class Run implements Handle {
        private final Request request;
        private final Listener listener;
        private final int speaker;
        private final long start = System.nanoTime();
        private final BlockingQueue<ThinkerOutput> tokens = new ArrayBlockingQueue<>(TOKEN_QUEUE);
        private final BlockingQueue<Object> frames = new ArrayBlockingQueue<>(FRAME_QUEUE);
        private final AtomicBoolean cancelled = new AtomicBoolean();
        private final AtomicBoolean failed = new AtomicBoolean();
        private final CompletableFuture<Result> done = new CompletableFuture<>();
        private final List<Thread> threads = new ArrayList<>();
        private final List<int[]> frameList = java.util.Collections.synchronizedList(new ArrayList<>());
        private volatile int[] generated = new int[0];
        private volatile FinishReason reason = FinishReason.STOP;
        private volatile long firstToken = -1;
        private volatile long firstFrame = -1;
        private volatile long firstAudio = -1;
        private volatile long thinkerDone = -1;
        private volatile long samples;
        private volatile int sampleRate;
        private final Object endOfFrames = new Object();

        Run(Request request, Listener listener, int speaker) {
            this.request = request;
            this.listener = listener;
            this.speaker = speaker;
        }

        void begin() {
            threads.add(Thread.ofPlatform().name("qwen4j-thinker").daemon().unstarted(() -> stage(this::thinkerStage)));
            threads.add(Thread.ofPlatform().name("qwen4j-talker").daemon().unstarted(() -> stage(this::talkerStage)));
            threads.add(Thread.ofPlatform().name("qwen4j-code2wav").daemon().unstarted(() -> stage(this::codecStage)));
            threads.forEach(Thread::start);
            Thread.ofVirtual().name("qwen4j-speech-join").start(this::join);
        }

        private void join() {
            for (Thread t : threads) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            if (failed.get()) {
                return;
            }
            Result r = new Result(generated.clone(), cancelled.get() ? FinishReason.CANCELLED : reason, List.copyOf(frameList), samples,
                    sampleRate, firstToken, firstFrame, firstAudio, thinkerDone, System.nanoTime() - start);
            try {
                listener.onFinish(r);
            } catch (RuntimeException e) {
                // a failing listener does not change the result
            }
            done.complete(r);
        }

        @FunctionalInterface
        interface Body {
            void run() throws InterruptedException;
        }

        private void stage(Body body) {
            try {
                body.run();
            } catch (InterruptedException e) {
                // cancelled
            } catch (RuntimeException | Error e) {
                fail(e instanceof Qwen4jException q ? q : new Qwen4jException("internal error in " + Thread.currentThread().getName()
                        + ": " + e, e));
            }
        }

        private void fail(Qwen4jException e) {
            if (failed.compareAndSet(false, true)) {
                stopAll();
                try {
                    listener.onError(e);
                } catch (RuntimeException ignored) {
                    // the error is reported through await as well
                }
                done.completeExceptionally(e);
            }
        }

        private void stopAll() {
            cancelled.set(true);
            threads.forEach(t -> {
                if (t != Thread.currentThread()) {
                    t.interrupt();
                }
            });
        }

        @Override
        public void cancel() {
            stopAll();
        }

        @Override
        public Result await() {
            try {
                return done.get();
            } catch (InterruptedException e) {
                cancel();
                Thread.currentThread().interrupt();
                throw new Qwen4jException("interrupted while waiting for the spoken answer");
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Qwen4jException q ? q : new Qwen4jException("the spoken answer failed: " + e.getCause(), e.getCause());
            }
        }

        private long now() {
            return System.nanoTime() - start;
        }

        /** Stage 1: the thinker's prefill (keeping what the talker reads), then its tokens. */
        private void thinkerStage() throws InterruptedException {
            int[] prompt = request.promptIds();
            KvCache cache = thinker.newCache(prompt.length + request.maxTokens());
            Batch prefill = Batch.of(cache, prompt, false, request.media());
            String hiddenTap = Qwen3OmniThinker.hiddenStateTap(talker.config().acceptHiddenLayer());
            ChunkTaps taps = new ChunkTaps(prefill, Set.of("inp_embd", hiddenTap));
            FloatMatrix logits = thinker.forward(prefill, taps);
            tokens.put(new ThinkerOutput.Prompt(prompt, taps.get(0, "inp_embd").orElseThrow(), taps.get(0, hiddenTap).orElseThrow(),
                    request.media().isEmpty() ? null : request.media().positions()));
            int vocab = thinker.info().vocabSize();
            Sampler sampler = new Sampler(request.sampling());
            TokenHistory history = request.sampling().hasPenalties() ? new TokenHistory(vocab, prompt) : null;
            int budget = Math.min(request.maxTokens(), cache.maxTokens() - prompt.length);
            int[] out = new int[Math.max(budget, 0)];
            int n = 0;
            FinishReason why = FinishReason.LENGTH;
            while (n < budget) {
                if (cancelled.get()) {
                    why = FinishReason.CANCELLED;
                    break;
                }
                int token = sampler.sample(logits.data(), logits.offset(logits.rows() - 1), vocab, history);
                if (firstToken < 0) {
                    firstToken = now();
                }
                if (Arrays.stream(request.stopIds()).anyMatch(s -> s == token)) {
                    why = FinishReason.STOP;
                    break;
                }
                out[n++] = token;
                generated = Arrays.copyOf(out, n);
                if (history != null) {
                    history.addGenerated(token);
                }
                tokens.put(new ThinkerOutput.Token(token, thinker.inputEmbeddings(new int[] {token}, PromptMedia.NONE).row(0)));
                listener.onToken(token);
                if (n < budget) {
                    logits = thinker.forward(Batch.of(cache, new int[] {token}, false));
                }
            }
            reason = why;
            thinkerDone = now();
            tokens.put(new ThinkerOutput.End(why));
        }

        /** Stage 2: the talker's prompt once the first answer token is fed back, then one frame per step. */
        private void talkerStage() throws InterruptedException {
            ThinkerOutput.Prompt prompt = (ThinkerOutput.Prompt) tokens.take();
            Qwen3OmniTalker.Speech speech = talker.speech(speaker, thinker.inputEmbeddings(talker.ttsTokens(), PromptMedia.NONE));
            // the assistant turn's rows as the thinker fed them: the prompt's from <|im_start|>assistant on, then the
            // generated tokens fed back (each but the last; a token is fed once another follows it)
            int a = talker.assistantStart(prompt.ids());
            List<float[]> fed = new ArrayList<>();
            for (int p = a; p < prompt.ids().length; p++) {
                fed.add(prompt.embeddings().row(p));
            }
            Stream stream = new Stream(fed);
            while (stream.fed.size() < 4 && stream.more()) {
                stream.pull();
            }
            if (stream.fed.size() < 4) {
                frames.put(endOfFrames); // the answer is too short to speak (the reference needs its first token fed back)
                return;
            }
            try {
                speak(prompt, speech, stream);
            } finally {
                frames.put(endOfFrames);
            }
            while (stream.more()) {
                stream.pull(); // the speech may end before the text: let the thinker run on
            }
        }

        private void speak(ThinkerOutput.Prompt prompt, Qwen3OmniTalker.Speech speech, Stream stream) throws InterruptedException {
            FloatMatrix assistantRows = new FloatMatrix(4, prompt.embeddings().cols());
            for (int i = 0; i < 4; i++) {
                System.arraycopy(stream.fed.get(i), 0, assistantRows.data(), assistantRows.offset(i), assistantRows.cols());
            }
            Qwen3OmniTalker.Prompt tp = speech.prompt(prompt.ids(), prompt.embeddings(), prompt.hidden(), prompt.positions(), assistantRows);
            float[] logits = speech.prefill(tp);
            TalkerSampling ts = request.talker();
            Qwen3OmniTalker.Config c = talker.config();
            int vocab = c.vocabSize();
            Sampler sampler = new Sampler(ts.talker());
            TokenHistory history = ts.talker().hasPenalties() ? new TokenHistory(vocab, new int[0]) : null;
            Sampler predictor = new Sampler(ts.predictor());
            int cpVocab = talker.codePredictor().vocabSize();
            for (int step = 0; step < ts.maxSteps(); step++) {
                if (cancelled.get()) {
                    break;
                }
                suppressSpecials(logits, vocab, c.codec().eos());
                if (ts.ignoreEos()) {
                    logits[c.codec().eos()] = Float.NEGATIVE_INFINITY;
                }
                int code0 = sampler.sample(logits, 0, vocab, history);
                if (history != null) {
                    history.addGenerated(code0);
                }
                if (code0 == c.codec().eos() || step + 1 == ts.maxSteps()) {
                    break; // the EOS frame, and the last choice under the limit, get no other codebooks
                }
                int[] codes = speech.frame(code0, (l, group) -> predictor.sample(l, 0, cpVocab, null));
                TalkerFrame frame = new TalkerFrame(step, codes);
                frameList.add(codes);
                if (firstFrame < 0) {
                    firstFrame = now();
                }
                listener.onFrame(frame);
                frames.put(frame);
                logits = speech.next(codes, stream.trailing(step, speech));
            }
        }

        /** The assistant turn's thinker rows as they arrive, and the trailing text row of each frame. */
        private final class Stream {
            final List<float[]> fed;
            float[] pending;          // the latest generated token's row: fed once another token follows
            boolean ended;
            final List<float[]> projected = new ArrayList<>();

            Stream(List<float[]> fed) {
                this.fed = fed;
            }

            boolean more() {
                return !ended;
            }

            void pull() throws InterruptedException {
                ThinkerOutput o = tokens.take();
                switch (o) {
                    case ThinkerOutput.Token t -> {
                        if (pending != null) {
                            fed.add(pending);
                        }
                        pending = t.embedding();
                    }
                    case ThinkerOutput.End e -> ended = true;
                    case ThinkerOutput.Prompt p -> throw new IllegalStateException("a second prompt");
                }
            }

            /** Trailing row {@code j}: row {@code 4 + j} of the assistant turn, else tts_eos right after the last, then tts_pad. */
            float[] trailing(int j, Qwen3OmniTalker.Speech speech) throws InterruptedException {
                while (fed.size() <= 4 + j && !ended) {
                    pull();
                }
                int rows = fed.size() - 4;
                if (j < rows) {
                    while (projected.size() <= j) {
                        int from = 4 + projected.size();
                        FloatMatrix in = new FloatMatrix(fed.size() - from, fed.getFirst().length);
                        for (int i = from; i < fed.size(); i++) {
                            System.arraycopy(fed.get(i), 0, in.data(), in.offset(i - from), in.cols());
                        }
                        FloatMatrix out = talker.textProjection(in);
                        for (int i = 0; i < out.rows(); i++) {
                            projected.add(out.row(i));
                        }
                    }
                    return projected.get(j);
                }
                return j == rows ? speech.ttsEos() : speech.ttsPad();
            }
        }

        /** Stage 3: frames to waveform. */
        private void codecStage() throws InterruptedException {
            FrameDecoder decoder = decoders == null ? null : decoders.get();
            int chunk = 0;
            while (true) {
                Object o = frames.take();
                if (o == endOfFrames) {
                    break;
                }
                if (decoder != null && !cancelled.get()) {
                    chunk = emit(decoder, decoder.push(((TalkerFrame) o).codes()), chunk);
                }
            }
            if (decoder != null && !cancelled.get() && !frameList.isEmpty()) {
                emit(decoder, decoder.finish(), chunk);
            }
        }

        private int emit(FrameDecoder decoder, float[] pcm, int chunk) {
            if (pcm.length == 0) {
                return chunk;
            }
            if (firstAudio < 0) {
                firstAudio = now();
            }
            sampleRate = decoder.sampleRate();
            samples += pcm.length;
            listener.onAudio(new AudioChunk(chunk, pcm, decoder.sampleRate()));
            return chunk + 1;
        }
    }

    /** {@code suppress_tokens}: the last 1024 codec ids (the specials), but EOS (generate's talker settings). */
    static void suppressSpecials(float[] logits, int vocab, int eos) {
        for (int i = Math.max(0, vocab - 1024); i < vocab; i++) {
            if (i != eos) {
                logits[i] = Float.NEGATIVE_INFINITY;
            }
        }
    }
}
