package io.qwen4j.engine;

import io.qwen4j.common.InvalidInputException;
import io.qwen4j.common.ModelFileException;
import io.qwen4j.common.Qwen4jException;
import io.qwen4j.core.CausalLm;
import io.qwen4j.core.PromptMedia;
import io.qwen4j.formats.GgufFile;
import io.qwen4j.formats.GgufTokenizer;
import io.qwen4j.media.MediaLimits;
import io.qwen4j.models.Architectures;
import io.qwen4j.models.LoadOptions;
import io.qwen4j.tokenizer.StreamingDetokenizer;
import io.qwen4j.tokenizer.Tokenizer;
import io.qwen4j.tokenizer.chat.ChatEvent;
import io.qwen4j.tokenizer.chat.ChatTemplate;
import io.qwen4j.tokenizer.chat.RenderOptions;
import io.qwen4j.tokenizer.chat.StreamingChatParser;
import io.qwen4j.tokenizer.chat.ToolCall;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * A chat model ready to answer: the model, its tokenizer and chat template, its sampling defaults, and
 * a continuous-batching {@link InferenceEngine} on its own thread. Conversations go in as messages and
 * come out as reasoning, content and tool calls, streamed. This is the one interface the CLI's
 * {@code run}/{@code chat} and the HTTP server use.
 */
public final class ChatEngine implements AutoCloseable {
    private final String name;
    private final CausalLm model;
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final GenerationDefaults defaults;
    private final InferenceEngine engine;
    private final int[] stopIds;
    private final OmniMedia media;

    /**
     * A chat engine over a loaded model. A model that takes media (Qwen3-Omni) is chatted with {@code template} when
     * it places media placeholders, else with qwen4j's built-in Omni template ({@link OmniPrompt#templateFor}); its
     * media are read under {@code limits}.
     */
    public ChatEngine(String name, CausalLm model, Tokenizer tokenizer, ChatTemplate template, GenerationDefaults defaults,
                      EngineOptions options, MediaLimits limits) {
        this.name = name;
        this.model = model;
        this.tokenizer = tokenizer;
        this.template = model.mediaTokens().isPresent() ? OmniPrompt.templateFor(template) : template;
        this.media = new OmniMedia(limits);
        this.defaults = defaults;
        this.engine = new InferenceEngine(model, options);
        Set<Integer> stops = new LinkedHashSet<>();
        Arrays.stream(model.info().eosTokenIds()).forEach(stops::add);
        // a chat turn ends with <|im_end|> whatever generation_config says; <|endoftext|> ends any text
        tokenizer.tokenId("<|im_end|>").ifPresent(stops::add);
        tokenizer.tokenId("<|endoftext|>").ifPresent(stops::add);
        this.stopIds = stops.stream().mapToInt(Integer::intValue).toArray();
        engine.start();
    }

    public ChatEngine(String name, CausalLm model, Tokenizer tokenizer, ChatTemplate template, GenerationDefaults defaults,
                      EngineOptions options) {
        this(name, model, tokenizer, template, defaults, options, MediaLimits.DEFAULT);
    }

    /**
     * Loads a model folder with its tokenizer.json and chat template, or a GGUF file with the tokenizer
     * and chat template embedded in its metadata (a tokenizer.json and template next to the file win).
     */
    public static ChatEngine open(String name, Path model, LoadOptions load, EngineOptions options) {
        boolean gguf = Files.isRegularFile(model) && GgufFile.isGguf(model);
        Path dir = Files.isDirectory(model) ? model : model.toAbsolutePath().getParent();
        boolean hasTokenizerJson = Files.isRegularFile(dir.resolve("tokenizer.json")) || Files.isRegularFile(dir.resolve("tokenizer.json.gz"));
        Tokenizer tokenizer;
        ChatTemplate template; // null: none (a Qwen3-Omni model then uses the built-in one)
        String missing = "no chat template in " + dir + " (chat_template.jinja, a \"chat_template\" in tokenizer_config.json, or chat_template.json)";
        if (gguf && !hasTokenizerJson) {
            try (GgufFile file = GgufFile.open(model)) {
                GgufTokenizer t = file.tokenizer().orElseThrow(() -> new ModelFileException(
                        model + " carries no tokenizer (tokenizer.ggml.* keys); put the model's tokenizer.json next to it"));
                if (!t.model().equals("gpt2")) {
                    throw new ModelFileException(model + " has a '" + t.model() + "' tokenizer; qwen4j reads byte-level BPE ('gpt2') tokenizers");
                }
                tokenizer = Tokenizer.fromTokenList(t.tokens(), t.merges(), t.tokenTypes(), model.toString());
                template = t.chatTemplate().map(ChatTemplate::of).orElse(null);
                missing = model + " carries no chat template (tokenizer.chat_template); put the model's tokenizer_config.json next to it";
            }
        } else {
            if (!hasTokenizerJson) {
                throw new ModelFileException(dir + " has no tokenizer.json; chat needs the checkpoint's tokenizer (download it with the model)");
            }
            tokenizer = Tokenizer.load(dir);
            template = loadTemplate(dir);
        }
        CausalLm lm = Architectures.load(model, load);
        try {
            template = chooseTemplate(dir, template, lm.mediaTokens().isPresent(), missing);
            return new ChatEngine(name, lm, tokenizer, template,
                    GenerationDefaults.forModel(model), options);
        } catch (RuntimeException e) {
            lm.close();
            throw e;
        }
    }

    /**
     * The template a model is chatted with: the one loaded from its folder or file ({@code loaded}, null when there is
     * none); for a multimodal model, its processor's {@code chat_template.json} first (Qwen3-Omni ships one beside a
     * text-only tokenizer template; transformers' {@code processor.apply_chat_template} uses it), else qwen4j's
     * built-in Omni template when none places media ({@link OmniPrompt#templateFor}).
     */
    static ChatTemplate chooseTemplate(Path dir, ChatTemplate loaded, boolean multimodal, String missing) {
        if (!multimodal) {
            if (loaded == null) {
                throw new ModelFileException(missing + "; chat needs the checkpoint's template");
            }
            return loaded;
        }
        Path processor = dir.resolve("chat_template.json");
        if (Files.isRegularFile(processor) && !Files.isRegularFile(dir.resolve("chat_template.jinja"))) {
            ChatTemplate t = ChatTemplate.load(processor);
            loaded = loaded == null ? t : t.withSpecialTokens(loaded.specialTokens());
        }
        return loaded == null ? OmniPrompt.fallbackTemplate() : OmniPrompt.templateFor(loaded);
    }

    /** The checkpoint's template, or null when it has none (a Qwen3-Omni model then uses the built-in one). */
    private static ChatTemplate loadTemplate(Path dir) {
        try {
            return ChatTemplate.load(dir);
        } catch (ModelFileException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("no chat template in ")) {
                return null;
            }
            throw e;
        }
    }

    public String name() {
        return name;
    }

    public CausalLm model() {
        return model;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public ChatTemplate template() {
        return template;
    }

    public GenerationDefaults defaults() {
        return defaults;
    }

    public InferenceEngine engine() {
        return engine;
    }

    /** The ids that end an answer. */
    public int[] stopTokenIds() {
        return stopIds.clone();
    }

    /** The prompt text the template makes of a request (with the generation prompt; media placeholders unexpanded). */
    public String render(ChatRequest request) {
        return template.render(request.messages(), renderOptions(request));
    }

    private static RenderOptions renderOptions(ChatRequest request) {
        RenderOptions.Builder options = RenderOptions.builder().addGenerationPrompt(true);
        if (!request.tools().isEmpty()) {
            options.tools(request.tools());
        }
        switch (request.thinking()) {
            case ON -> options.enableThinking(true);
            case OFF -> options.enableThinking(false);
            case DEFAULT -> { }
        }
        request.templateVariables().forEach(options::variable);
        return options.build();
    }


    /**
     * Renders and tokenises a request; with image, audio or video parts (a Qwen3-Omni model), also reads and
     * processes the media, expands their placeholders and prepares them for the model. Runs on the caller's thread.
     * @throws io.qwen4j.common.InvalidInputException for media the model cannot take or a file that is not media
     */
    public ChatPrompt prompt(ChatRequest request) {
        if (!OmniPrompt.hasMedia(request.messages())) {
            String text = render(request);
            return new ChatPrompt(text, tokenizer.encode(text), PromptMedia.NONE);
        }
        if (model.mediaTokens().isEmpty()) {
            throw new InvalidInputException(model.info().architecture() + " reads text only; images, audio and video need a Qwen3-Omni"
                    + " model (a GGUF needs its mmproj file)");
        }
        OmniPrompt.Prompt p = new OmniPrompt(tokenizer, template, media).build(request.messages(), renderOptions(request),
                request.useAudioInVideo());
        return new ChatPrompt(p.text(), p.ids(), model.prepare(p.ids(), p.media()));
    }

    /** The prompt a request becomes: rendered by the template, then tokenized. */

    /** The context length in tokens: prompt and answer together. */
    public int contextLength() {
        return model.info().contextLength();
    }

    /** Starts answering; events reach {@code listener} on the engine thread. */
    public RequestHandle submit(ChatRequest request, ChatListener listener) {
        return submit(request, prompt(request), listener);
    }

    /**
     * Starts answering a request whose prompt was made by {@link #prompt(ChatRequest)}; events reach
     * {@code listener} on the engine thread.
     */
    public RequestHandle submit(ChatRequest request, ChatPrompt prompt, ChatListener listener) {
        int[] ids = prompt.ids();
        GenerationRequest generation = new GenerationRequest(ids, maxTokens(request.maxTokens(), ids.length),
                request.ignoreEos() ? new int[0] : stopIds,
                request.sampling(), request.logprobs(), request.topLogprobs(), request.constraint(), prompt.media());
        Answer answer = new Answer(StreamingChatParser.forPrompt(prompt.text()), request.stop(), listener, true);
        return engine.submit(generation, answer);
    }

    /**
     * Continues raw text (no template, no reasoning or tool parsing), as {@code /v1/completions}: events
     * arrive as content.
     */
    public RequestHandle complete(String prompt, SamplingParams sampling, int maxTokens, List<String> stop, boolean logprobs,
                                  int topLogprobs, ChatListener listener) {
        return complete(tokenizer.encode(prompt), sampling, maxTokens, stop, logprobs, topLogprobs, listener);
    }

    /** Continues raw token ids (a prompt already tokenized), as {@link #complete(String, SamplingParams, int, List, boolean, int, ChatListener)}. */
    public RequestHandle complete(int[] promptIds, SamplingParams sampling, int maxTokens, List<String> stop, boolean logprobs,
                                  int topLogprobs, ChatListener listener) {
        GenerationRequest generation = new GenerationRequest(promptIds, maxTokens(maxTokens, promptIds.length), stopIds, sampling,
                logprobs, topLogprobs, TokenConstraint.NONE);
        return engine.submit(generation, new Answer(null, stop, listener, false));
    }

    /** Answers and waits; {@code listener} still sees the stream. */
    public ChatResult chat(ChatRequest request, ChatListener listener) {
        CompletableFuture<ChatResult> done = new CompletableFuture<>();
        Qwen4jException[] error = new Qwen4jException[1];
        submit(request, new ForwardingChatListener(listener) {
            @Override
            public void onError(Qwen4jException e) {
                error[0] = e;
                super.onError(e);
            }

            @Override
            public void onFinish(ChatResult result) {
                super.onFinish(result);
                done.complete(result);
            }
        });
        try {
            ChatResult r = done.get();
            if (error[0] != null) {
                throw error[0];
            }
            return r;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Qwen4jException("interrupted while waiting for the answer");
        } catch (ExecutionException e) {
            throw new Qwen4jException("the answer failed: " + e.getCause(), e.getCause());
        }
    }

    private int maxTokens(int requested, int promptLength) {
        int room = model.info().contextLength() - promptLength;
        return requested > 0 ? Math.min(requested, room) : room;
    }

    @Override
    public void close() {
        engine.close();
        model.close();
    }

    /** Turns one request's tokens into text, then into reasoning/content/tool-call events. */
    private final class Answer implements TokenSink {
        private final StreamingChatParser parser; // null: raw completion
        private final StopStrings stops;
        private final ChatListener listener;
        private final StreamingDetokenizer detokenizer = tokenizer.streamingDetokenizer(false);
        private final StringBuilder reasoning = new StringBuilder();
        private final StringBuilder content = new StringBuilder();
        private final List<ToolCall> calls = new ArrayList<>();
        private final List<String> problems = new ArrayList<>();

        Answer(StreamingChatParser parser, List<String> stop, ChatListener listener, boolean chat) {
            this.parser = chat ? parser : null;
            this.stops = new StopStrings(stop);
            this.listener = listener;
        }

        @Override
        public boolean onToken(TokenEvent event) {
            // ids past the tokenizer (the embedding's padding rows) decode to nothing, as transformers' decode drops them
            String text = event.token() < tokenizer.vocabSize() ? detokenizer.accept(event.token()) : "";
            listener.onToken(event, text);
            emit(stops.feed(text));
            return !stops.stopped();
        }

        @Override
        public void onError(Qwen4jException error) {
            listener.onError(error);
        }

        @Override
        public void onFinish(GenerationResult result) {
            emit(stops.feed(detokenizer.flush()));
            emit(stops.flush());
            if (parser != null) {
                dispatch(parser.finish());
            }
            String reason = result.finishReason() == FinishReason.STOP && !calls.isEmpty() ? "tool_calls" : result.stopReason();
            listener.onFinish(new ChatResult(reasoning.toString(), content.toString(), List.copyOf(calls), List.copyOf(problems),
                    reason, result));
        }

        private void emit(String text) {
            if (text.isEmpty()) {
                return;
            }
            if (parser == null) {
                content.append(text);
                listener.onContent(text);
            } else {
                dispatch(parser.feed(text));
            }
        }

        private void dispatch(List<ChatEvent> events) {
            for (ChatEvent e : events) {
                switch (e) {
                    case ChatEvent.ReasoningDelta r -> {
                        reasoning.append(r.text());
                        listener.onReasoning(r.text());
                    }
                    case ChatEvent.ContentDelta c -> {
                        content.append(c.text());
                        listener.onContent(c.text());
                    }
                    case ChatEvent.ToolCallDone t -> {
                        calls.add(t.call());
                        listener.onToolCall(calls.size() - 1, t.call());
                    }
                    case ChatEvent.ParseProblem p -> problems.add(p.message());
                }
            }
        }
    }
}
