package io.qwen4j.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopStringsTest {
    /** Feeds {@code text} split at every position; the shown text must be the same whatever the split. */
    static String run(List<String> stops, String text, int split) {
        StopStrings s = new StopStrings(stops);
        String shown = s.feed(text.substring(0, split)) + s.feed(text.substring(split));
        return shown + s.flush();
    }

    @Test
    void textBeforeTheFirstStopIsShownWhateverTheSplit() {
        String text = "The answer is 42.\nUser: and then";
        for (int i = 0; i <= text.length(); i++) {
            assertEquals("The answer is 42.\n", run(List.of("User:", "###"), text, i), "split at " + i);
        }
    }

    @Test
    void noStopMeansEverythingIsShown() {
        String text = "Us and Use and User";
        for (int i = 0; i <= text.length(); i++) {
            assertEquals(text, run(List.of("User:"), text, i));
        }
    }

    @Test
    void aPossibleStopPrefixIsHeldBack() {
        StopStrings s = new StopStrings(List.of("</answer>"));
        assertEquals("ok ", s.feed("ok </ans"));
        assertFalse(s.stopped());
        assertEquals("", s.feed("wer> more"));
        assertTrue(s.stopped());
        assertEquals("", s.feed("ignored"));
    }

    @Test
    void theEarliestOfSeveralStopsWins() {
        assertEquals("a", run(List.of("c", "b"), "abc", 3));
    }
}
