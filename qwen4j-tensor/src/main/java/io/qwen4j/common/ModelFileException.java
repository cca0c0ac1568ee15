package io.qwen4j.common;

/** A checkpoint file or config is missing, malformed, truncated or does not fit the architecture. */
public class ModelFileException extends Qwen4jException {
    public ModelFileException(String message) {
        super(message);
    }

    public ModelFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
