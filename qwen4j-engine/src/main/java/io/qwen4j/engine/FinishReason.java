package io.qwen4j.engine;

/** Why a generation ended. Names follow OpenAI's {@code finish_reason} where one exists. */
public enum FinishReason {
    /** A stop id, or the caller stopped it (a stop string). */
    STOP,
    /** max tokens or the end of the context. */
    LENGTH,
    /** Cancelled (e.g. the client went away). */
    CANCELLED,
    /** An error; see the sink's error callback. */
    ERROR;

    public String openAiName() {
        return switch (this) {
            case STOP -> "stop";
            case LENGTH -> "length";
            case CANCELLED -> "cancelled";
            case ERROR -> "error";
        };
    }
}
