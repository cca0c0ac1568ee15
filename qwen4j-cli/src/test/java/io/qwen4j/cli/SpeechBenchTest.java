package io.qwen4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.formats.Json;
import org.junit.jupiter.api.Test;

/** {@code bench --synthetic qwen3-omni-code2wav}: the real Code2Wav shapes in memory, a table or JSON (speed is never asserted). */
class SpeechBenchTest {
    @Test
    void jsonHasBothTestsWithTheirAudioLengths() throws Exception {
        CliRunner r = CliRunner.run("bench", "--synthetic", "qwen3-omni-code2wav:frames=2:chunk=1:layers=1", "-t", "1", "-r", "1", "--json");
        assertEquals(0, r.status(), r.toString());
        JsonNode rows = Json.MAPPER.readTree(r.out());
        assertEquals(2, rows.size(), r.out());
        assertEquals("decode2", rows.get(0).get("test").asText());
        assertEquals(1920 * 2 - 555, rows.get(0).get("samples").asInt(), "1920·T − 555 samples for T frames at once");
        assertEquals("first-chunk1", rows.get(1).get("test").asText());
        assertEquals(1920 - 555, rows.get(1).get("samples").asInt());
        assertTrue(rows.get(0).get("real_time_factor").asDouble() > 0);
    }

    @Test
    void anUnknownOptionIsOneLine() {
        BadInputTest.assertOneLineError(CliRunner.run("bench", "--synthetic", "qwen3-omni-code2wav:frame=2"), "qwen3-omni-code2wav[:frames=N]");
    }
}
