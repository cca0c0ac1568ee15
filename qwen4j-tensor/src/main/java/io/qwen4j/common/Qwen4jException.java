package io.qwen4j.common;

/**
 * Root of qwen4j's unchecked exceptions. The message is written for the user: it says what is wrong
 * and, where possible, what to do about it, in one line.
 */
public class Qwen4jException extends RuntimeException {
    public Qwen4jException(String message) {
        super(message);
    }

    public Qwen4jException(String message, Throwable cause) {
        super(message, cause);
    }
}
