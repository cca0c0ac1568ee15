package io.qwen4j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.common.InvalidInputException;
import io.qwen4j.core.CausalLm;
import io.qwen4j.formats.Json;
import io.qwen4j.formats.SafeTensorsFile;
import io.qwen4j.models.Architectures;
import io.qwen4j.models.LoadOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Continuous batching: invariance, chunked prefill, prefix cache, cancellation, limits, logprobs. */
class InferenceEngineTest {
    static final Path FIXTURE = Path.of(System.getProperty("qwen4j.fixtures"), "golden", "qwen3-untied-sharded");
    static CausalLm model;

    @BeforeAll
    static void load() {
        model = Architectures.load(FIXTURE, LoadOptions.defaults().withThreads(2));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** Collects a request's output. */
    static final class Collector implements TokenSink {
        final List<Integer> tokens = new ArrayList<>();
        final List<TokenEvent> events = new ArrayList<>();
        final CompletableFuture<GenerationResult> done = new CompletableFuture<>();
        volatile int stopAfter = Integer.MAX_VALUE;

        @Override
        public boolean onToken(TokenEvent e) {
            tokens.add(e.token());
            events.add(e);
            return tokens.size() < stopAfter;
        }

        @Override
        public void onFinish(GenerationResult r) {
            done.complete(r);
        }

        GenerationResult result() throws Exception {
            return done.get(60, TimeUnit.SECONDS);
        }
    }

    static int[] prompt(long seed, int length) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] p = new int[length];
        for (int i = 0; i < length; i++) {
            p[i] = r.nextInt(300);
        }
        return p;
    }

    static GenerationRequest greedy(int[] prompt, int maxTokens) {
        return new GenerationRequest(prompt, maxTokens, new int[0], SamplingParams.greedy());
    }

    @Test
    void greedyOutputIsTheSameAloneOrAmongEightConcurrentRequests() throws Exception {
        int n = 8;
        int[][] prompts = new int[n][];
        int[][] alone = new int[n][];
        for (int i = 0; i < n; i++) {
            prompts[i] = prompt(i, 3 + 5 * i); // 3..38 tokens
            alone[i] = new Generator(model).generate(greedy(prompts[i], 12 + i)).tokenIds();
        }
        // small passes force chunked prefill interleaved with other sequences' decoding
        try (InferenceEngine engine = new InferenceEngine(model, EngineOptions.defaults().withMaxBatchTokens(7))) {
            engine.start();
            List<Collector> sinks = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Collector c = new Collector();
                sinks.add(c);
                engine.submit(greedy(prompts[i], 12 + i), c);
            }
            for (int i = 0; i < n; i++) {
                GenerationResult r = sinks.get(i).result();
                assertArrayEquals(alone[i], r.tokenIds(), "request " + i);
                assertEquals(FinishReason.LENGTH, r.finishReason());
            }
            assertTrue(engine.stats().forwardPasses() < n * 20, "requests shared forward passes: " + engine.stats());
        }
    }

    @Test
    void theNextTurnReusesTheCachedPrefix() throws Exception {
        int[] turn1 = prompt(100, 30);
        try (InferenceEngine engine = new InferenceEngine(model, EngineOptions.defaults().withPrefixCacheTokens(10_000))) {
            Collector first = new Collector();
            engine.submit(greedy(turn1, 10), first);
            engine.runUntilIdle();
            int[] answer = first.result().tokenIds();
            // the next prompt repeats the conversation so far and adds a new user turn
            int[] turn2 = new int[turn1.length + answer.length + 8];
            System.arraycopy(turn1, 0, turn2, 0, turn1.length);
            System.arraycopy(answer, 0, turn2, turn1.length, answer.length);
            System.arraycopy(prompt(101, 8), 0, turn2, turn1.length + answer.length, 8);
            Collector second = new Collector();
            engine.submit(greedy(turn2, 10), second);
            engine.runUntilIdle();
            GenerationResult r = second.result();
            // every position but the last generated token (never fed back) was cached
            assertEquals(turn1.length + answer.length - 1, r.cachedTokens());
            assertArrayEquals(new Generator(model).generate(greedy(turn2, 10)).tokenIds(), r.tokenIds());
        }
    }

    @Test
    void aPromptEqualToACachedSequenceStillRecomputesItsLastToken() throws Exception {
        int[] p = prompt(7, 20);
        try (InferenceEngine engine = new InferenceEngine(model, EngineOptions.defaults().withPrefixCacheTokens(10_000))) {
            Collector a = new Collector();
            engine.submit(greedy(p, 1), a);
            engine.runUntilIdle();
            Collector b = new Collector();
            engine.submit(greedy(p, 5), b);
            engine.runUntilIdle();
            assertEquals(p.length - 1, b.result().cachedTokens());
            assertArrayEquals(new Generator(model).generate(greedy(p, 5)).tokenIds(), b.result().tokenIds());
        }
    }

    @Test
    void cancellingFreesTheSequence() throws Exception {
        try (InferenceEngine engine = new InferenceEngine(model, EngineOptions.defaults())) {
            engine.start();
            Collector c = new Collector();
            CountDownLatch some = new CountDownLatch(3);
            RequestHandle h = engine.submit(greedy(prompt(1, 10), 2000), new TokenSink() {
                @Override
                public boolean onToken(TokenEvent e) {
                    some.countDown();
                    return c.onToken(e);
                }

                @Override
                public void onFinish(GenerationResult r) {
                    c.onFinish(r);
                }
            });
            assertTrue(some.await(30, TimeUnit.SECONDS));
            h.cancel();
            GenerationResult r = c.result();
            assertEquals(FinishReason.CANCELLED, r.finishReason());
            assertTrue(r.tokenIds().length < 2000);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (engine.stats().running() != 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(0, engine.stats().running());
        }
    }

    @Test
    void aSinkCanStopItsRequest() throws Exception {
        try (InferenceEngine engine = new InferenceEngine(model, EngineOptions.defaults())) {
            Collector c = new Collector();
            c.stopAfter = 4;
            engine.submit(greedy(prompt(2, 5), 50), c);
            engine.runUntilIdle();
            assertEquals(4, c.result().tokenIds().length);
            assertEquals(FinishReason.STOP, c.result().finishReason());
        }
    }

    @Test
    void limitsAreEnforcedAtSubmission() {
        try (InferenceEngine engine = new InferenceEngine(model, EngineOptions.defaults().withMaxQueued(2))) {
            engine.submit(greedy(prompt(1, 3), 5), new Collector());
            engine.submit(greedy(prompt(2, 3), 5), new Collector());
            assertThrows(EngineBusyException.class, () -> engine.submit(greedy(prompt(3, 3), 5), new Collector()));
            int context = model.info().contextLength();
            InvalidInputException tooLong = assertThrows(InvalidInputException.class,
                    () -> engine.submit(greedy(new int[context], 5), new Collector()));
            assertTrue(tooLong.getMessage().contains("context"), tooLong.getMessage());
            assertThrows(InvalidInputException.class, () -> engine.submit(greedy(new int[] {1, 100000}, 5), new Collector()));
        }
    }

    @Test
    void maxTokensIsCappedByTheContext() throws Exception {
        int context = model.info().contextLength();
        try (InferenceEngine engine = new InferenceEngine(model, EngineOptions.defaults())) {
            Collector c = new Collector();
            engine.submit(greedy(prompt(3, context - 3), 100), c);
            engine.runUntilIdle();
            assertEquals(3, c.result().tokenIds().length);
            assertEquals(FinishReason.LENGTH, c.result().finishReason());
        }
    }

    @Test
    void logprobsAreTheLogSoftmaxOfTheReferenceLogits() throws Exception {
        JsonNode meta = Json.read(FIXTURE.resolve("golden.json"));
        int[] ids = meta.get("prompt_ids").valueStream().mapToInt(JsonNode::asInt).toArray();
        float[] logits;
        try (SafeTensorsFile f = SafeTensorsFile.open(FIXTURE.resolve("golden.safetensors"))) {
            logits = f.weight("logits").toFloatArray();
        }
        int vocab = model.info().vocabSize();
        int off = (ids.length - 1) * vocab; // transformers' logits for the last prompt position
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logits[off + i]);
        }
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            sum += Math.exp(logits[off + i] - max);
        }
        double lse = max + Math.log(sum);
        try (InferenceEngine engine = new InferenceEngine(model, EngineOptions.defaults())) {
            Collector c = new Collector();
            engine.submit(greedy(ids, 1).withLogprobs(true, 5), c);
            engine.runUntilIdle();
            TokenEvent e = c.events.get(0);
            assertEquals(logits[off + e.token()] - lse, e.logprob(), 1e-4);
            assertEquals(5, e.topTokens().length);
            assertEquals(e.token(), e.topTokens()[0], "greedy picks the most likely token");
            for (int i = 0; i < 5; i++) {
                assertEquals(logits[off + e.topTokens()[i]] - lse, e.topLogprobs()[i], 1e-4);
                if (i > 0) {
                    assertTrue(e.topLogprobs()[i] <= e.topLogprobs()[i - 1]);
                }
            }
        }
    }

    @Test
    void aConstraintDecidesTheTokens() throws Exception {
        AtomicInteger accepted = new AtomicInteger();
        TokenConstraint onlyEven = new TokenConstraint() {
            @Override
            public void mask(float[] logits, int off, int vocab) {
                for (int i = 1; i < vocab; i += 2) {
                    logits[off + i] = Float.NEGATIVE_INFINITY;
                }
            }

            @Override
            public void accept(int token) {
                accepted.incrementAndGet();
            }
        };
        try (InferenceEngine engine = new InferenceEngine(model, EngineOptions.defaults())) {
            Collector c = new Collector();
            engine.submit(greedy(prompt(4, 6), 15).withConstraint(onlyEven), c);
            engine.runUntilIdle();
            assertEquals(15, c.result().tokenIds().length);
            for (int t : c.result().tokenIds()) {
                assertEquals(0, t % 2, "token " + t);
            }
            assertEquals(15, accepted.get());
        }
    }

    @Test
    void logprobsWithoutAlternativesReportTheChosenTokenOnly() throws Exception {
        try (InferenceEngine engine = new InferenceEngine(model, EngineOptions.defaults())) {
            Collector c = new Collector();
            engine.submit(greedy(prompt(5, 6), 3).withLogprobs(true, 0), c);
            engine.runUntilIdle();
            assertEquals(3, c.events.size());
            for (TokenEvent e : c.events) {
                assertEquals(0, e.topTokens().length);
                assertTrue(e.logprob() <= 0, "logprob " + e.logprob());
            }
        }
    }

    @Test
    void aFailingConstraintEndsItsOwnRequestOnly() throws Exception {
        TokenConstraint broken = new TokenConstraint() {
            @Override
            public void mask(float[] logits, int off, int vocab) {
                throw new IllegalStateException("broken constraint");
            }

            @Override
            public void accept(int token) {}
        };
        try (InferenceEngine engine = new InferenceEngine(model, EngineOptions.defaults())) {
            Collector bad = new Collector();
            Collector good = new Collector();
            List<io.qwen4j.common.Qwen4jException> errors = new ArrayList<>();
            engine.submit(greedy(prompt(6, 6), 5).withConstraint(broken), new TokenSink() {
                @Override
                public boolean onToken(TokenEvent e) {
                    return bad.onToken(e);
                }

                @Override
                public void onFinish(GenerationResult r) {
                    bad.onFinish(r);
                }

                @Override
                public void onError(io.qwen4j.common.Qwen4jException e) {
                    errors.add(e);
                }
            });
            engine.submit(greedy(prompt(7, 6), 5), good);
            engine.runUntilIdle();
            assertEquals(FinishReason.ERROR, bad.result().finishReason());
            assertEquals(1, errors.size());
            assertTrue(errors.getFirst().getMessage().contains("broken constraint"), errors.getFirst().getMessage());
            Collector alone = new Collector();
            engine.submit(greedy(prompt(7, 6), 5), alone);
            engine.runUntilIdle();
            assertArrayEquals(alone.result().tokenIds(), good.result().tokenIds());
            assertEquals(5, good.result().tokenIds().length);
        }
    }
}
