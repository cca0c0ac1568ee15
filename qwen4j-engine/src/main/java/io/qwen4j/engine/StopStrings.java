package io.qwen4j.engine;

import java.util.List;

/**
 * Finds stop strings in streamed text (OpenAI's {@code stop}): text is released as soon as it cannot be
 * the beginning of a stop string; when one appears, the text before it is the last released and the
 * stop string itself is dropped.
 */
final class StopStrings {
    private final List<String> stops;
    private final StringBuilder held = new StringBuilder();
    private boolean stopped;

    StopStrings(List<String> stops) {
        this.stops = stops.stream().filter(s -> !s.isEmpty()).toList();
    }

    boolean stopped() {
        return stopped;
    }

    /** Adds generated text; returns what may be shown now (possibly empty). */
    String feed(String text) {
        if (stopped) {
            return "";
        }
        if (stops.isEmpty()) {
            return text;
        }
        held.append(text);
        int first = -1;
        for (String s : stops) {
            int at = held.indexOf(s);
            if (at >= 0 && (first < 0 || at < first)) {
                first = at;
            }
        }
        if (first >= 0) {
            stopped = true;
            String out = held.substring(0, first);
            held.setLength(0);
            return out;
        }
        int keep = 0; // the longest tail that is a proper prefix of some stop string
        String pending = held.toString();
        for (String s : stops) {
            for (int k = Math.min(s.length() - 1, pending.length()); k > keep; k--) {
                if (pending.regionMatches(pending.length() - k, s, 0, k)) {
                    keep = k;
                    break;
                }
            }
        }
        String out = held.substring(0, held.length() - keep);
        held.delete(0, held.length() - keep);
        return out;
    }

    /** At the end of generation: whatever was held back for a stop string that never came. */
    String flush() {
        String out = stopped ? "" : held.toString();
        held.setLength(0);
        return out;
    }
}
