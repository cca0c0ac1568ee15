package io.qwen4j.common;

/** Something the user asked for (an argument, a request field, an input id) cannot be honoured. */
public class InvalidInputException extends Qwen4jException {
    public InvalidInputException(String message) {
        super(message);
    }
}
