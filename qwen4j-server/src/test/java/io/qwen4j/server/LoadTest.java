package io.qwen4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * A short load run in the default tests: 16 streaming clients for 5 seconds, no error of any kind, and
 * the engine idle afterwards. The full one (32 clients for 60 s, against a single stream) is
 * {@link ServerBench}: tools/bench/server-bench.sh load.
 */
class LoadTest {
    @Test
    void sixteenStreamingClientsForFiveSecondsGetNoError() throws Exception {
        TestServers s = TestServers.start();
        try {
            LoadGenerator.Result r = LoadGenerator.run(s.server.url(), "", 16, 5, 48);
            System.out.println("load: " + r);
            assertEquals(0, r.errors(), String.valueOf(r.errorSamples()));
            assertTrue(r.requests() >= 16, r.toString());
            assertEquals(0, s.engine.engine().stats().running());
            assertEquals(0, s.engine.engine().stats().waiting());
        } finally {
            s.stop();
        }
    }
}
