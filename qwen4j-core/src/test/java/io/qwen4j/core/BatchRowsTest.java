package io.qwen4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.common.InvalidInputException;
import io.qwen4j.tensor.FloatMatrix;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Rows of a batch with and without media: their TM-RoPE positions, the rope delta a prompt leaves, chunk taps. */
class BatchRowsTest {
    /** A 5-token prompt whose positions jump (as after an image): t h w given, rope delta −2. */
    static PromptMedia media(int[] prompt) {
        float[] t = {0, 1, 1, 1, 2};
        float[] h = {0, 1, 2, 1, 2};
        float[] w = {0, 1, 1, 2, 2};
        return new PromptMedia(prompt, new MropePositions.Plan(t, h, w, -2f), new int[] {1, 2, 3}, new boolean[] {true, true, true},
                new int[] {0, 0, 0}, new String[] {"picture"}, () -> new PromptMedia.Encoded(new FloatMatrix(3, 2), List.of()));
    }

    @Test
    void mediaChunksTakeTheirPromptsPositionsAndLeaveTheRopeDelta() {
        int[] prompt = {7, 9, 9, 9, 8};
        PromptMedia m = media(prompt);
        KvCache cache = new KvCache(1, 4, 32);
        KvCache other = new KvCache(1, 4, 32);
        // the second chunk of the prompt (it splits the media span) next to a text sequence
        cache.reserve(2);
        cache.advance(2);
        BatchRows rows = new BatchRows(new Batch(List.of(new Batch.Chunk(cache, new int[] {9, 9, 8}, false, m),
                new Batch.Chunk(other, new int[] {5, 6}, false))));
        MropePositions.Plan p = rows.ropePositions();
        assertArrayEquals(new float[] {1, 1, 2, 0, 1}, p.t());
        assertArrayEquals(new float[] {2, 1, 2, 0, 1}, p.h());
        assertArrayEquals(new int[] {2, 3, 4, 0, 1}, rows.positions(), "cache indices");
        assertEquals(m, rows.media(0));
        assertTrue(rows.media(3).isEmpty());
        rows.reserve();
        rows.advance();
        assertEquals(-2f, cache.ropeDelta());
        assertEquals(0f, other.ropeDelta());
        // a decoded token: cache length + rope delta on every axis
        BatchRows decode = new BatchRows(Batch.of(cache, new int[] {3}, false));
        assertArrayEquals(new float[] {3}, decode.ropePositions().t());
        assertArrayEquals(new float[] {3}, decode.ropePositions().w());
        // reusing a prefix forgets the delta: what is kept of a prompt before its media has plain positions
        cache.truncate(1);
        assertEquals(0f, cache.ropeDelta());
    }

    @Test
    void aChunkMustBeItsPromptsSlice() {
        PromptMedia m = media(new int[] {7, 9, 9, 9, 8});
        KvCache cache = new KvCache(1, 4, 32);
        assertThrows(InvalidInputException.class, () -> new BatchRows(Batch.of(cache, new int[] {7, 8}, false, m)));
        assertThrows(InvalidInputException.class, () -> new BatchRows(Batch.of(cache, new int[] {7, 9, 9, 9, 8, 1}, false, m)));
        assertThrows(InvalidInputException.class, () -> new BatchRows(Batch.of(cache, new int[] {1}, false, m)).requireText("qwen3"));
    }

    @Test
    void mediaCacheKeysNameContentNotIds() {
        PromptMedia m = media(new int[] {7, 9, 9, 9, 8});
        assertArrayEquals(new int[] {7, -5, -5, -5, 8}, m.cacheKey(f -> f.equals("picture") ? -5 : -1));
        assertEquals(1, m.placeholder(2));
        assertEquals(-1, m.placeholder(4));
    }

    @Test
    void chunkTapsSplitATapByChunk() {
        Batch batch = new Batch(List.of(new Batch.Chunk(new KvCache(1, 4, 8), new int[] {1, 2}, false),
                new Batch.Chunk(new KvCache(1, 4, 8), new int[] {3}, false)));
        ChunkTaps taps = new ChunkTaps(batch, Set.of("inp_embd"));
        taps.record("inp_embd", FloatMatrix.of(3, 2, 1, 2, 3, 4, 5, 6));
        taps.record("result_norm", FloatMatrix.of(3, 2, 0, 0, 0, 0, 0, 0));
        assertArrayEquals(new float[] {5, 6}, taps.get(1, "inp_embd").orElseThrow().data());
        assertArrayEquals(new float[] {1, 2, 3, 4}, taps.get(0, "inp_embd").orElseThrow().data());
        assertTrue(taps.get(0, "result_norm").isEmpty());
    }
}
