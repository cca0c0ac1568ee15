package io.qwen4j.engine;

import io.qwen4j.common.Qwen4jException;

/** The request queue is full; the caller should retry later (HTTP 429). */
public final class EngineBusyException extends Qwen4jException {
    public EngineBusyException(String message) {
        super(message);
    }
}
