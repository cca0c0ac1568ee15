package io.qwen4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.common.InvalidInputException;
import io.qwen4j.engine.ChatEngine;
import io.qwen4j.engine.ChatPrompt;
import io.qwen4j.engine.ChatRequest;
import io.qwen4j.engine.ChatResult;
import io.qwen4j.media.WavWriter;
import io.qwen4j.tokenizer.chat.ChatMessage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Spoken answers of {@code POST /v1/chat/completions} ({@code "modalities": ["text", "audio"]}, {@code "audio":
 * {"voice", "format"}}), shaped as OpenAI's audio output: whole, {@code message.audio = {id, data, expires_at,
 * transcript}} with the answer as a base64 WAV (or raw 16-bit PCM); streamed, {@code delta.audio.transcript} for the
 * text and {@code delta.audio.data} (base64 16-bit PCM, 24 kHz mono) for each waveform chunk as Code2Wav makes it.
 * The audio of a stream concatenates to exactly the audio of the same answer given whole. A model that cannot speak
 * answers a 400.
 */
final class AudioOutput {
    /** How long the audio's id is said to stay valid (OpenAI keeps it for multi-turn; this server keeps nothing). */
    private static final long EXPIRES_SECONDS = 3600;

    private final Backend backend;
    private final Speaker speaker; // null: the model cannot speak

    AudioOutput(Backend backend, Speaker speaker) {
        this.backend = backend;
        this.speaker = speaker;
    }

    /** Whether a chat request asks for audio ({@code modalities} holding "audio"); checks the field's shape. */
    static boolean requested(Params p) {
        JsonNode m = p.get("modalities");
        if (m == null || m.isNull()) {
            if (p.has("audio") && !p.get("audio").isNull()) {
                throw ApiException.invalid("'audio' is given but 'modalities' does not ask for audio: send \"modalities\": [\"text\", \"audio\"]",
                        "modalities");
            }
            return false;
        }
        if (!m.isArray() || m.isEmpty()) {
            throw Params.wrongType("modalities", "a non-empty array of \"text\" and \"audio\"", m);
        }
        boolean audio = false;
        for (JsonNode v : m) {
            if (!v.isTextual() || !(v.textValue().equals("text") || v.textValue().equals("audio"))) {
                throw ApiException.invalid("'modalities' may hold \"text\" and \"audio\", got " + v, "modalities");
            }
            audio |= v.textValue().equals("audio");
        }
        if (!audio && p.has("audio") && !p.get("audio").isNull()) {
            throw ApiException.invalid("'audio' is given but 'modalities' does not ask for audio: send \"modalities\": [\"text\", \"audio\"]",
                    "modalities");
        }
        return audio;
    }

    /** The model cannot speak: a 400 that says so. */
    static ApiException cannotSpeak(String model, String param) {
        return ApiException.invalid("The model '" + model + "' cannot produce audio: spoken answers need a Qwen3-Omni checkpoint with its"
                + " talker (e.g. Qwen3-Omni-30B-A3B-Instruct, not loaded with --no-talker); ask for \"modalities\": [\"text\"]", param,
                "audio_not_supported");
    }

    /** The voice named by {@code given} (case-insensitive), the default when null; an unknown one is a 400 listing them. */
    static String voice(Speaker speaker, JsonNode given, String param) {
        if (given == null || given.isNull()) {
            return speaker.voices().getFirst();
        }
        if (!given.isTextual()) {
            throw Params.wrongType(param, "a voice name", given);
        }
        for (String v : speaker.voices()) {
            if (v.equalsIgnoreCase(given.textValue())) {
                return v;
            }
        }
        throw ApiException.invalid("'" + param + "' '" + given.textValue() + "' is not a voice of this model: choose one of "
                + String.join(", ", speaker.voices()), param, "invalid_voice");
    }

    void handle(Params p, Exchange ex) throws IOException, InterruptedException {
        backend.checkModel(p);
        // the request's media files live until the spoken answer is done: the speaker builds its own prompt from them
        try (MediaParts media = new MediaParts(backend)) {
            handle(p, ex, media);
        }
    }

    private void handle(Params p, Exchange ex, MediaParts media) throws IOException, InterruptedException {
        if (speaker == null) {
            throw cannotSpeak(backend.options().modelName(), "modalities");
        }
        for (String unsupported : List.of("tools", "tool_choice", "response_format", "logprobs", "top_logprobs")) {
            JsonNode v = p.get(unsupported);
            if (v != null && !v.isNull() && !(v.isBoolean() && !v.booleanValue()) && !(v.isArray() && v.isEmpty())) {
                throw ApiException.invalid("'" + unsupported + "' cannot be combined with audio output", unsupported);
            }
        }
        if (p.integer("n", 1, 1, backend.options().maxChoices()) != 1) {
            throw ApiException.invalid("audio output makes one choice: 'n' must be 1", "n");
        }
        JsonNode audio = p.get("audio");
        if (audio != null && !audio.isNull() && !audio.isObject()) {
            throw Params.wrongType("audio", "an object {\"voice\", \"format\"}", audio);
        }
        String voice = voice(speaker, audio == null ? null : audio.get("voice"), "audio.voice");
        boolean stream = p.bool("stream", false);
        JsonNode f = audio == null ? null : audio.get("format");
        String format = f == null || f.isNull() ? (stream ? "pcm16" : "wav") : f.isTextual() ? f.textValue().toLowerCase(Locale.ROOT) : null;
        if (format == null || !(format.equals("wav") || format.equals("pcm16"))) {
            throw ApiException.invalid("'audio.format' " + (f == null ? "" : f + " ") + "is not supported: use \"wav\" or \"pcm16\"", "audio.format");
        }
        if (stream && !format.equals("pcm16")) {
            throw ApiException.invalid("streamed audio is sent as \"pcm16\" (24 kHz, 16-bit, mono): set 'audio.format' to \"pcm16\"",
                    "audio.format");
        }

        answer(p, ex, media, voice, stream, format);
    }

    private void answer(Params p, Exchange ex, MediaParts media, String voice, boolean stream, String format)
            throws IOException, InterruptedException {
        ChatEngine engine = backend.engine();
        List<ChatMessage> messages = ChatCompletions.messages(p.get("messages"), media);
        int maxTokens = p.maxTokens();
        ChatRequest request = ChatRequest.builder(messages, p.sampling(engine.defaults(), p.seed())).maxTokens(maxTokens).stop(p.stop()).build();
        ChatPrompt prompt;
        try {
            prompt = engine.prompt(request);
        } catch (InvalidInputException e) {
            if (media.any()) { // most likely a media file that does not decode
                throw ApiException.invalid(media.explain(e.getMessage()), "messages", "invalid_media");
            }
            throw ApiException.invalid("the messages cannot be rendered by the model's chat template: " + e.getMessage(), "messages");
        }
        backend.checkLength(prompt.length(), maxTokens, p.maxTokensName(), "messages");

        SpokenRun run = new SpokenRun(speaker, request, voice);
        ex.onClientGone(run::cancel);
        String id = Shapes.id("chatcmpl-");
        String audioId = Shapes.id("audio_");
        long created = Shapes.now();
        if (stream) {
            stream(run, ex, id, audioId, created, p.boolInObject("stream_options", "include_usage"));
        } else {
            whole(run, ex, id, audioId, created, format);
        }
    }

    private void whole(SpokenRun run, Exchange ex, String id, String audioId, long created, String format)
            throws IOException, InterruptedException {
        List<float[]> chunks = new ArrayList<>();
        ChatResult result = null;
        String failure = null;
        while (!run.finished()) {
            switch (run.next(60_000)) {
                case null -> { }
                case SpokenRun.Audio a -> chunks.add(a.pcm());
                case SpokenRun.Done d -> result = d.result();
                case SpokenRun.Failed fl -> failure = fl.message();
                default -> { } // text arrives whole in the result
            }
        }
        if (failure != null || result == null) {
            throw new ApiException(500, "server_error", "generation failed: " + failure, null, null);
        }
        backend.metrics().choice(result);
        float[] samples = concat(chunks);
        byte[] data = format.equals("wav") ? WavWriter.wav(samples, speaker.sampleRate()) : WavWriter.pcm16(samples);
        ObjectNode response = Shapes.head(id, "chat.completion", created, backend.options().modelName());
        ArrayNode choices = response.putArray("choices");
        ObjectNode c = choices.addObject();
        c.put("index", 0);
        ObjectNode m = c.putObject("message");
        m.put("role", "assistant");
        m.putNull("content");
        m.putNull("refusal");
        if (!result.reasoning().isEmpty()) {
            m.put("reasoning_content", result.reasoning());
        }
        ObjectNode a = m.putObject("audio");
        a.put("id", audioId);
        a.put("data", Base64.getEncoder().encodeToString(data));
        a.put("expires_at", Shapes.now() + EXPIRES_SECONDS);
        a.put("transcript", result.content());
        c.putNull("logprobs");
        c.put("finish_reason", result.finishReason());
        response.set("usage", Shapes.usage(List.of(result)));
        ex.json(200, response);
    }

    private void stream(SpokenRun run, Exchange ex, String id, String audioId, long created, boolean includeUsage)
            throws IOException, InterruptedException {
        String model = backend.options().modelName();
        Exchange.EventStream sse = ex.events();
        try {
            ObjectNode first = Json.object();
            first.put("role", "assistant");
            first.putNull("content");
            sse.data(chunk(id, created, model, first, null, includeUsage));
            ChatResult result = null;
            while (!run.finished()) {
                switch (run.next(15_000)) {
                    case null -> sse.comment("keep-alive");
                    case SpokenRun.Content t -> sse.data(chunk(id, created, model, audioDelta(audioId, "transcript", t.text()), null, includeUsage));
                    case SpokenRun.Reasoning r -> {
                        ObjectNode d = Json.object();
                        d.put("reasoning_content", r.text());
                        sse.data(chunk(id, created, model, d, null, includeUsage));
                    }
                    case SpokenRun.Audio a -> sse.data(chunk(id, created, model,
                            audioDelta(audioId, "data", Base64.getEncoder().encodeToString(WavWriter.pcm16(a.pcm()))), null, includeUsage));
                    case SpokenRun.Done d -> {
                        result = d.result();
                        backend.metrics().choice(result);
                        ObjectNode end = Json.object();
                        end.putObject("audio").put("id", audioId).put("expires_at", Shapes.now() + EXPIRES_SECONDS);
                        sse.data(chunk(id, created, model, end, null, includeUsage));
                        sse.data(chunk(id, created, model, Json.object(), result.finishReason(), includeUsage));
                    }
                    case SpokenRun.Failed fl -> sse.data(ErrorBody.of("generation failed: " + fl.message(), "server_error", null, null));
                }
            }
            if (includeUsage && result != null) {
                sse.data(Shapes.usageChunk(id, "chat.completion.chunk", created, model, Shapes.usage(List.of(result))));
            }
            sse.done();
        } catch (IOException e) {
            run.cancelAndDrain(); // the client left
            throw e;
        }
    }

    static float[] concat(List<float[]> chunks) {
        int n = 0;
        for (float[] c : chunks) {
            n += c.length;
        }
        float[] all = new float[n];
        int at = 0;
        for (float[] c : chunks) {
            System.arraycopy(c, 0, all, at, c.length);
            at += c.length;
        }
        return all;
    }

    private static ObjectNode audioDelta(String audioId, String field, String value) {
        ObjectNode d = Json.object();
        ObjectNode a = d.putObject("audio");
        a.put("id", audioId);
        a.put(field, value);
        return d;
    }

    private static ObjectNode chunk(String id, long created, String model, ObjectNode delta, String finish, boolean includeUsage) {
        ObjectNode fields = Json.object();
        fields.put("index", 0);
        fields.set("delta", delta);
        return Shapes.chunk(id, "chat.completion.chunk", created, model, fields, null, finish, includeUsage);
    }
}
