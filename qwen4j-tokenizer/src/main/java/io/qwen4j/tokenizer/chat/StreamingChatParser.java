package io.qwen4j.tokenizer.chat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.IntPredicate;

/**
 * Splits Qwen3 output into reasoning, answer and tool calls as it is decoded, delta by delta.
 *
 * <ul>
 *   <li>{@code <think>...</think>}: reasoning. Recognised at the very start of the output (after
 *       whitespace), or implied when the prompt left a think block open ({@code startInReasoning}); a
 *       {@code <think>} the model repeats there is dropped. The newlines right after {@code <think>}, right
 *       before {@code </think>} and right after it are dropped, as Qwen3's template drops them.</li>
 *   <li>{@code <tool_call>...</tool_call>}: one call as JSON {@code {"name": ..., "arguments": {...}}}, reported
 *       when complete, its arguments kept as the model wrote them (a string argument is taken as the JSON text); whitespace around calls is dropped. A malformed call is reported as content with a
 *       {@link ChatEvent.ParseProblem}. A call still open at {@link #finish()} (generation stopped at the
 *       closing tag) counts when its JSON is complete.</li>
 *   <li>Text that may be the start of a tag is held back until the next delta decides, so no event ever
 *       carries part of a recognised tag.</li>
 * </ul>
 * Not thread-safe: one parser per generated sequence.
 */
public final class StreamingChatParser {
    static final String THINK_OPEN = "<think>";
    static final String THINK_CLOSE = "</think>";
    static final String CALL_OPEN = "<tool_call>";
    static final String CALL_CLOSE = "</tool_call>";

    private static final ObjectReader STRICT_JSON =
            Json.MAPPER.readerFor(JsonNode.class).with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private enum Mode { START, REASONING, CONTENT, TOOL_CALL }

    /** Which leading characters the next content loses: after {@code </think>} newlines, after a call all whitespace. */
    private enum Strip { NONE, NEWLINES, WHITESPACE }

    private Mode mode;
    private Strip strip = Strip.NONE;
    private boolean reasoningStarted;
    private boolean finished;
    private final StringBuilder pending = new StringBuilder(); // not yet examined: may hold a tag's prefix
    private final StringBuilder held = new StringBuilder();    // trailing whitespace, emitted once text follows
    private final StringBuilder call = new StringBuilder();    // the body of an open tool call
    private final List<ChatEvent> out = new ArrayList<>();

    /** A parser for output that starts outside any think block. */
    public StreamingChatParser() {
        this(false);
    }

    /** @param startInReasoning the prompt ended inside an open {@code <think>} block */
    public StreamingChatParser(boolean startInReasoning) {
        this.mode = startInReasoning ? Mode.REASONING : Mode.START;
    }

    /** A parser for the output of this rendered prompt: it starts in reasoning when the prompt left a think block open. */
    public static StreamingChatParser forPrompt(String renderedPrompt) {
        return new StreamingChatParser(opensReasoning(renderedPrompt));
    }

    /** Whether the prompt's last {@code <think>} is not closed (a thinking-only template opened it for the model). */
    public static boolean opensReasoning(String renderedPrompt) {
        int open = renderedPrompt.lastIndexOf(THINK_OPEN);
        return open >= 0 && renderedPrompt.indexOf(THINK_CLOSE, open) < 0;
    }

    /** Takes the next piece of decoded text; returns what it completes (possibly nothing). */
    public List<ChatEvent> feed(String delta) {
        if (finished) {
            throw new IllegalStateException("feed after finish: use a new parser for a new output");
        }
        pending.append(delta);
        process(false);
        return drain();
    }

    /** Ends the output: flushes held-back text and an open tool call. The parser takes no more text. */
    public List<ChatEvent> finish() {
        if (finished) {
            return List.of();
        }
        finished = true;
        process(true);
        switch (mode) {
            case TOOL_CALL -> completeCall(false);
            case START, CONTENT -> {
                if (!held.isEmpty()) {
                    out.add(new ChatEvent.ContentDelta(held.toString()));
                }
            }
            case REASONING -> { } // trailing newlines of the reasoning are dropped
        }
        held.setLength(0);
        return drain();
    }

    private List<String> tags() {
        return switch (mode) {
            case START -> List.of(THINK_OPEN, CALL_OPEN);
            case REASONING -> reasoningStarted ? List.of(THINK_CLOSE) : List.of(THINK_CLOSE, THINK_OPEN);
            case CONTENT -> List.of(CALL_OPEN);
            case TOOL_CALL -> List.of(CALL_CLOSE);
        };
    }

    private void process(boolean end) {
        while (true) {
            List<String> tags = tags();
            int at = -1;
            String tag = null;
            for (String t : tags) {
                int i = pending.indexOf(t);
                if (i >= 0 && (at < 0 || i < at)) {
                    at = i;
                    tag = t;
                }
            }
            if (tag != null) {
                Mode before = mode;
                text(pending.substring(0, at));
                pending.delete(0, at);
                if (mode == before && tags().contains(tag)) { // the text before may have changed what counts as a tag
                    pending.delete(0, tag.length());
                    transition(tag);
                }
                continue;
            }
            int keep = end ? 0 : partialTag(tags);
            text(pending.substring(0, pending.length() - keep));
            pending.delete(0, pending.length() - keep);
            return;
        }
    }

    /** Length of the longest end of {@code pending} that starts one of the tags. */
    private int partialTag(List<String> tags) {
        int best = 0;
        for (String t : tags) {
            for (int n = Math.min(t.length() - 1, pending.length()); n > best; n--) {
                if (pending.substring(pending.length() - n).equals(t.substring(0, n))) {
                    best = n;
                    break;
                }
            }
        }
        return best;
    }

    private void transition(String tag) {
        held.setLength(0);
        switch (tag) {
            case THINK_OPEN -> mode = Mode.REASONING;
            case THINK_CLOSE -> {
                mode = Mode.CONTENT;
                strip = Strip.NEWLINES;
            }
            case CALL_OPEN -> {
                mode = Mode.TOOL_CALL;
                call.setLength(0);
            }
            default -> { // CALL_CLOSE
                completeCall(true);
                mode = Mode.CONTENT;
                strip = Strip.WHITESPACE;
            }
        }
    }

    private void text(String s) {
        if (s.isEmpty()) {
            return;
        }
        switch (mode) {
            case TOOL_CALL -> call.append(s);
            case START -> {
                if (s.isBlank()) {
                    held.append(s);
                } else {
                    mode = Mode.CONTENT;
                    content(s);
                }
            }
            case CONTENT -> content(s);
            case REASONING -> {
                String r = reasoningStarted ? s : s.replaceFirst("^\\n+", "");
                if (emitHoldingTail(r, c -> c == '\n', ChatEvent.ReasoningDelta::new)) {
                    reasoningStarted = true;
                }
            }
        }
    }

    private void content(String s) {
        String c = switch (strip) {
            case NONE -> s;
            case NEWLINES -> s.replaceFirst("^\\n+", "");
            case WHITESPACE -> s.stripLeading();
        };
        if (c.isEmpty()) {
            return;
        }
        strip = Strip.NONE;
        emitHoldingTail(c, Character::isWhitespace, ChatEvent.ContentDelta::new);
    }

    /**
     * Emits held text plus {@code s} except its tail of {@code tail} characters, which is held until more
     * text comes (or dropped at a tag). Returns whether anything was emitted.
     */
    private boolean emitHoldingTail(String s, IntPredicate tail, Function<String, ChatEvent> event) {
        int bodyEnd = s.length();
        while (bodyEnd > 0 && tail.test(s.charAt(bodyEnd - 1))) {
            bodyEnd--;
        }
        if (bodyEnd == 0) {
            held.append(s);
            return false;
        }
        out.add(event.apply(held + s.substring(0, bodyEnd)));
        held.setLength(0);
        held.append(s, bodyEnd, s.length());
        return true;
    }

    private void completeCall(boolean closed) {
        String body = call.toString();
        call.setLength(0);
        String raw = CALL_OPEN + body + (closed ? CALL_CLOSE : "");
        String problem;
        String text = body.strip();
        try {
            JsonNode json = STRICT_JSON.readValue(text);
            JsonNode name = json == null ? null : json.get("name");
            JsonNode arguments = json == null ? null : json.get("arguments");
            if (json == null || !json.isObject()) {
                problem = "is not a JSON object";
            } else if (name == null || !name.isTextual() || name.textValue().isEmpty()) {
                problem = "has no string \"name\"";
            } else if (arguments != null && !arguments.isObject() && !arguments.isTextual()) {
                problem = "has \"arguments\" that are neither an object nor a string";
            } else {
                String args = arguments == null ? "{}"
                        : arguments.isTextual() ? arguments.textValue() : rawArguments(text);
                out.add(new ChatEvent.ToolCallDone(new ToolCall(name.textValue(), args)));
                return;
            }
        } catch (JsonProcessingException e) {
            problem = "is not valid JSON (" + e.getOriginalMessage().lines().findFirst().orElse("") + ")";
        } catch (IOException e) {
            problem = "could not be read (" + e.getMessage() + ")";
        }
        String message = "malformed tool call " + problem + (closed ? "" : " and was not closed")
                + "; kept as text";
        out.add(new ChatEvent.ContentDelta(raw));
        out.add(new ChatEvent.ParseProblem(message, raw));
    }

    /** The arguments object exactly as the model wrote it (the last "arguments" key wins, as in the tree). */
    private static String rawArguments(String json) throws IOException {
        String raw = null;
        try (JsonParser p = Json.MAPPER.createParser(json)) {
            p.nextToken(); // the call object
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                int start = (int) p.currentTokenLocation().getCharOffset();
                p.skipChildren();
                if (field.equals("arguments")) {
                    raw = json.substring(start, (int) p.currentLocation().getCharOffset());
                }
            }
        }
        return raw;
    }

    /** The events produced since the last call, adjacent text deltas of one kind merged. */
    private List<ChatEvent> drain() {
        List<ChatEvent> events = new ArrayList<>(out.size());
        for (ChatEvent e : out) {
            ChatEvent last = events.isEmpty() ? null : events.getLast();
            if (e instanceof ChatEvent.ContentDelta c && last instanceof ChatEvent.ContentDelta p) {
                events.set(events.size() - 1, new ChatEvent.ContentDelta(p.text() + c.text()));
            } else if (e instanceof ChatEvent.ReasoningDelta r && last instanceof ChatEvent.ReasoningDelta p) {
                events.set(events.size() - 1, new ChatEvent.ReasoningDelta(p.text() + r.text()));
            } else {
                events.add(e);
            }
        }
        out.clear();
        return events;
    }
}
