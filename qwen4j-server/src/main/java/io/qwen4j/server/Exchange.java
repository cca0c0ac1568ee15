package io.qwen4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;

/** One HTTP request's response side, as the endpoints see it. */
interface Exchange {
    /** Sends a whole JSON response. */
    void json(int status, JsonNode body) throws IOException;

    /** Sends a whole response of another type. */
    void send(int status, String contentType, byte[] body) throws IOException;

    /** Starts a {@code text/event-stream} response (status 200). */
    EventStream events() throws IOException;

    /**
     * Starts a response of unknown length (chunked transfer) whose bytes are written to the stream as they come;
     * closing the stream ends the response.
     */
    java.io.OutputStream stream(int status, String contentType) throws IOException;

    /** Runs {@code r} if the client goes away before the response is complete. */
    void onClientGone(Runnable r);

    /**
     * Whether the client has closed its connection, asked while a whole (non-streamed) response is being prepared,
     * when nothing is written that could fail. Never consumes the bytes of a request the client sent next.
     */
    default boolean clientGone() {
        return false;
    }

    /** Server-sent events, written and flushed one at a time; a write to a client that left throws. */
    interface EventStream {
        void data(JsonNode event) throws IOException;

        /** A comment line, which clients ignore: keeps the connection and proxies awake. */
        void comment(String text) throws IOException;

        /** {@code data: [DONE]}, then the end of the response. */
        void done() throws IOException;
    }
}
