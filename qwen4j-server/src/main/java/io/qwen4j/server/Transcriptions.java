package io.qwen4j.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.common.InvalidInputException;
import io.qwen4j.engine.ChatEngine;
import io.qwen4j.engine.ChatPrompt;
import io.qwen4j.engine.ChatRequest;
import io.qwen4j.engine.ChatResult;
import io.qwen4j.engine.SamplingParams;
import io.qwen4j.media.AudioDecoder;
import io.qwen4j.media.MediaLimits;
import io.qwen4j.tokenizer.chat.ChatMessage;
import io.qwen4j.tokenizer.chat.ContentPart;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IllformedLocaleException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.eclipse.jetty.http.MultiPart;
import org.eclipse.jetty.http.MultiPartConfig;
import org.eclipse.jetty.http.MultiPartFormData;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.Attributes;

/**
 * {@code POST /v1/audio/transcriptions}, as OpenAI's API: a multipart/form-data upload ({@code file}, {@code model},
 * optional {@code prompt}, {@code language}, {@code response_format} json | text | verbose_json, {@code temperature})
 * whose audio a Qwen3-Omni model transcribes. The model is asked as Qwen's cookbooks ask it ("Transcribe the English
 * audio into text."), the audio before the instruction in one user turn, thinking off; {@code prompt} (names, terms,
 * what was said before) goes in a system message. The form is parsed by Jetty's multipart parser, in memory, within
 * the body limit.
 */
final class Transcriptions {
    static final String INSTRUCTION = "Transcribe the audio into text.";
    private static final Set<String> FORMATS = Set.of("json", "text", "verbose_json");

    private final Backend backend;

    Transcriptions(Backend backend) {
        this.backend = backend;
    }

    /** The instruction for an audio in {@code language} (an ISO-639-1 code; null when not given). */
    static String instruction(String language) {
        return language == null ? INSTRUCTION : "Transcribe the " + languageName(language) + " audio into text.";
    }

    /**
     * The most tokens a transcription may have: as many as its prompt, whose audio alone makes 12.5 tokens a second
     * (speech is about 3 words a second), and at least 448 (Whisper's limit for a 30 s window). A model that does not
     * stop is stopped there rather than at the end of its context.
     */
    static int maxTokens(int promptTokens) {
        return Math.max(448, promptTokens);
    }

    /** The English name of an ISO-639 language code ({@code en} -> English); a 400 for a code that names none. */
    static String languageName(String code) {
        String name = "";
        try {
            if (code.matches("[A-Za-z]{2,3}")) {
                name = new Locale.Builder().setLanguage(code.toLowerCase(Locale.ROOT)).build().getDisplayLanguage(Locale.ENGLISH);
            }
        } catch (IllformedLocaleException e) {
            name = "";
        }
        if (name.isEmpty() || name.equalsIgnoreCase(code)) {
            throw ApiException.invalid("'language' must be an ISO-639-1 code such as en, fr or zh, got '" + code + "'", "language");
        }
        return name;
    }

    void handle(String contentType, byte[] body, Exchange ex) throws IOException, InterruptedException {
        Form form = parse(contentType, body);
        ObjectNode fields = Json.object();
        for (String name : List.of("model", "prompt", "language", "response_format")) {
            if (form.text(name) != null) {
                fields.put(name, form.text(name));
            }
        }
        if (form.text("temperature") != null) {
            try {
                fields.put("temperature", Double.parseDouble(form.text("temperature").strip()));
            } catch (NumberFormatException e) {
                throw ApiException.invalid("'temperature' must be a number from 0 to 1, got '" + form.text("temperature") + "'", "temperature");
            }
        }
        Params p = new Params(fields);
        backend.checkModel(p);
        String format = p.string("response_format", "json");
        if (!FORMATS.contains(format)) {
            throw ApiException.invalid("'response_format' " + format + " is not supported here: use json, text or verbose_json",
                    "response_format");
        }
        String language = form.text("language") == null || form.text("language").isBlank() ? null : form.text("language").strip();
        String instruction = instruction(language);
        String prompt = p.string("prompt", "");
        double temperature = fields.has("temperature") ? fields.get("temperature").asDouble() : 0;
        if (!(temperature >= 0 && temperature <= 1)) {
            throw ApiException.invalid("'temperature' must be from 0 to 1, got " + temperature, "temperature");
        }
        MultiPart.Part file = form.parts().getFirst("file");
        if (file == null) {
            throw ApiException.invalid("'file' is required: the audio file to transcribe, as a multipart/form-data file field", "file");
        }
        if (backend.engine().model().mediaTokens().isEmpty()) {
            throw ApiException.invalid("the model '" + backend.options().modelName() + "' reads text only: it does not accept audio;"
                    + " transcription needs a Qwen3-Omni model", "file", "unsupported_content");
        }
        byte[] audio = bytes(file);
        ChatEngine engine = backend.engine();
        SamplingParams sampling = temperature == 0 ? SamplingParams.greedy()
                : backend.engine().defaults().toBuilder().temperature((float) temperature).build();
        ChatPrompt chatPrompt;
        ChatRequest request;
        double seconds = -1;
        try (MediaParts media = new MediaParts(backend)) {
            Path path = media.upload(audio, file.getFileName(), "file");
            List<ChatMessage> messages = new ArrayList<>();
            if (!prompt.isBlank()) {
                messages.add(ChatMessage.system("Context of the audio (names, terms, or what was said before): " + prompt.strip()));
            }
            messages.add(ChatMessage.user(List.of(ContentPart.audio(path.toString()), ContentPart.text(instruction))));
            request = ChatRequest.builder(messages, sampling).thinking(ChatRequest.Thinking.OFF).build();
            try {
                chatPrompt = engine.prompt(request);
                if (format.equals("verbose_json")) {
                    seconds = new AudioDecoder(MediaLimits.DEFAULT).decode(path).seconds();
                }
            } catch (InvalidInputException e) {
                throw ApiException.invalid(media.explain(e.getMessage()), "file", "invalid_media");
            }
        }
        backend.checkLength(chatPrompt.length(), 0, "max_tokens", "file");
        ChoiceRun run = new ChoiceRun(1, false, backend.active());
        ChatRequest submitted = ChatRequest.builder(request.messages(), sampling).thinking(ChatRequest.Thinking.OFF)
                .maxTokens(maxTokens(chatPrompt.length())).build();
        ChatPrompt submittedPrompt = chatPrompt;
        run.submitAll(i -> engine.submit(submitted, submittedPrompt, run.listener(i)), "file", "context_length_exceeded");
        ex.onClientGone(run::cancel);
        ChatResult result = null;
        String failure = null;
        while (!run.done()) {
            switch (run.nextWhileClientThere(ex, backend.metrics())) {
                case null -> { }
                case ChoiceRun.Failed f -> {
                    failure = f.error().getMessage();
                    run.cancel();
                }
                case ChoiceRun.Finished f -> {
                    result = f.result();
                    backend.metrics().choice(f.result());
                }
                default -> { }
            }
        }
        if (failure != null) {
            throw new ApiException(500, "server_error", "transcription failed: " + failure, null, null);
        }
        String text = result.content().strip();
        if (format.equals("text")) {
            ex.send(200, "text/plain; charset=utf-8", (text + "\n").getBytes(StandardCharsets.UTF_8));
            return;
        }
        ObjectNode out = Json.object();
        if (format.equals("verbose_json")) {
            out.put("task", "transcribe");
            out.put("language", language == null ? "unknown" : languageName(language).toLowerCase(Locale.ROOT));
            out.put("duration", seconds);
        }
        out.put("text", text);
        ObjectNode usage = out.putObject("usage");
        usage.put("type", "tokens");
        usage.put("input_tokens", result.promptTokens());
        usage.put("output_tokens", result.completionTokens());
        usage.put("total_tokens", result.promptTokens() + result.completionTokens());
        ex.json(200, out);
    }

    /** The parsed form: its parts, text fields read as UTF-8. */
    private record Form(MultiPartFormData.Parts parts, java.util.Map<String, String> texts) {
        Form(MultiPartFormData.Parts parts) {
            this(parts, new java.util.HashMap<>());
        }

        String text(String name) {
            return texts.computeIfAbsent(name, n -> {
                MultiPart.Part part = parts.getFirst(n);
                return part == null ? null : part.getContentAsString(StandardCharsets.UTF_8);
            });
        }
    }

    private static Form parse(String contentType, byte[] body) {
        String boundary = contentType == null ? null : MultiPart.extractBoundary(contentType);
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data") || boundary == null) {
            throw ApiException.invalid("a transcription request is multipart/form-data with the audio in a 'file' field and a 'model'"
                    + " field (as OpenAI's API), got Content-Type " + (contentType == null ? "none" : contentType), null);
        }
        MultiPartConfig config = new MultiPartConfig.Builder().maxParts(64).maxSize(body.length).maxPartSize(body.length)
                .maxMemoryPartSize(body.length + 1L).build(); // all in memory: the body is already within its limit
        try {
            return new Form(MultiPartFormData.getParts(Content.Source.from(ByteBuffer.wrap(body)), new Attributes.Mapped(), contentType, config));
        } catch (RuntimeException e) {
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
            throw ApiException.invalid("the multipart/form-data body cannot be read: " + (cause.getMessage() == null
                    ? cause.getClass().getSimpleName() : cause.getMessage()), null);
        }
    }

    private static byte[] bytes(MultiPart.Part part) throws IOException {
        ByteBuffer b = Content.Source.asByteBuffer(part.getContentSource());
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
