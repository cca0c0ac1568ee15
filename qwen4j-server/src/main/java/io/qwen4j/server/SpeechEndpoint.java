package io.qwen4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.engine.ChatEngine;
import io.qwen4j.engine.ChatPrompt;
import io.qwen4j.engine.ChatRequest;
import io.qwen4j.engine.SamplingParams;
import io.qwen4j.media.WavWriter;
import io.qwen4j.tokenizer.chat.ChatMessage;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Locale;

/**
 * {@code POST /v1/audio/speech} as OpenAI's API ({@code model}, {@code input}, {@code voice}, {@code response_format}
 * wav|pcm, {@code speed} 1, {@code instructions}): the input read aloud, the audio streamed as it is made (chunked
 * transfer), a WAV with an unknown-length header or raw 16-bit PCM (24 kHz mono, little-endian).
 *
 * <p>Qwen3-Omni has no text-to-speech mode: its talker speaks the thinker's answer. The input is therefore given to
 * the thinker with an instruction to repeat it word for word (greedy decoding), and the talker speaks that answer.
 */
final class SpeechEndpoint {
    /** OpenAI's limit on {@code input}. */
    static final int MAX_INPUT_CHARS = 4096;
    static final String INSTRUCTION = "You are a text-to-speech voice. Repeat the user's message exactly as written, word for word,"
            + " and say nothing else.";

    private final Backend backend;
    private final Speaker speaker;

    SpeechEndpoint(Backend backend, Speaker speaker) {
        this.backend = backend;
        this.speaker = speaker;
    }

    void handle(Params p, Exchange ex) throws IOException, InterruptedException {
        backend.checkModel(p);
        if (speaker == null) {
            throw AudioOutput.cannotSpeak(backend.options().modelName(), "model");
        }
        JsonNode input = p.get("input");
        if (input == null || !input.isTextual() || input.textValue().isBlank()) {
            throw ApiException.invalid("'input' is required: the text to speak", "input");
        }
        if (input.textValue().length() > MAX_INPUT_CHARS) {
            throw ApiException.invalid("'input' is longer than " + MAX_INPUT_CHARS + " characters", "input");
        }
        String voice = AudioOutput.voice(speaker, p.get("voice"), "voice");
        String format = p.string("response_format", "wav").toLowerCase(Locale.ROOT);
        if (!format.equals("wav") && !format.equals("pcm")) {
            throw ApiException.invalid("'response_format' '" + format + "' is not supported: use \"wav\" or \"pcm\"", "response_format");
        }
        Double speed = p.number("speed", 0.25, 4.0);
        if (speed != null && speed != 1.0) {
            throw ApiException.invalid("'speed' other than 1.0 is not supported", "speed");
        }
        String streamFormat = p.string("stream_format", "audio");
        if (!streamFormat.equals("audio")) {
            throw ApiException.invalid("'stream_format' '" + streamFormat + "' is not supported: the audio is streamed as is (\"audio\")",
                    "stream_format");
        }
        String instructions = p.string("instructions", "");

        ChatEngine engine = backend.engine();
        List<ChatMessage> messages = List.of(
                ChatMessage.system(instructions.isBlank() ? INSTRUCTION : INSTRUCTION + " " + instructions),
                ChatMessage.user(input.textValue()));
        SamplingParams greedy = engine.defaults().toBuilder().temperature(0f).build();
        ChatRequest probe = ChatRequest.builder(messages, greedy).build();
        ChatPrompt prompt = engine.prompt(probe);
        int room = engine.contextLength() - prompt.length();
        int inputTokens = engine.tokenizer().encode(input.textValue()).length;
        if (room <= inputTokens) {
            throw ApiException.invalid("'input' is too long for this model's context (" + engine.contextLength() + " tokens)", "input",
                    "context_length_exceeded");
        }
        ChatRequest request = ChatRequest.builder(messages, greedy).maxTokens(Math.min(room, 2 * inputTokens + 16)).build();

        SpokenRun run = new SpokenRun(speaker, request, voice);
        ex.onClientGone(run::cancel);
        OutputStream out = null;
        WavWriter wav = null;
        try {
            while (!run.finished()) {
                switch (run.next(60_000)) {
                    case SpokenRun.Audio a -> {
                        if (out == null) {
                            out = ex.stream(200, format.equals("wav") ? "audio/wav" : "audio/pcm");
                            if (format.equals("wav")) {
                                wav = WavWriter.streaming(out, speaker.sampleRate());
                            }
                        }
                        if (wav != null) {
                            wav.write(a.pcm());
                        } else {
                            out.write(WavWriter.pcm16(a.pcm()));
                        }
                        out.flush();
                    }
                    case SpokenRun.Done d -> backend.metrics().choice(d.result());
                    case SpokenRun.Failed f -> {
                        if (out == null) {
                            throw new ApiException(500, "server_error", "speech failed: " + f.message(), null, null);
                        }
                        throw new IOException("speech failed after the audio began: " + f.message()); // ends the response early
                    }
                    case null, default -> { }
                }
            }
            if (out == null) { // no audio at all: an empty but valid answer
                out = ex.stream(200, format.equals("wav") ? "audio/wav" : "audio/pcm");
                if (format.equals("wav")) {
                    wav = WavWriter.streaming(out, speaker.sampleRate());
                }
            }
            if (wav != null) {
                wav.close();
            } else {
                out.close();
            }
        } catch (IOException e) {
            run.cancelAndDrain();
            throw e;
        }
    }
}
