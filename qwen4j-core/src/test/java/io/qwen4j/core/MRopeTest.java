package io.qwen4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qwen4j.tensor.FloatMatrix;
import org.junit.jupiter.api.Test;

/** TM-RoPE against plain RoPE: with t = h = w every slot turns with the same position (omni.md §6.2). */
class MRopeTest {
    @Test
    void equalComponentsGiveTheOrdinaryRopeTable() {
        int headDim = 128;
        MRope mrope = new MRope(headDim, 1e6, new int[] {24, 20, 20});
        Rope rope = new Rope(headDim, 1e6);
        int[] positions = {0, 1, 7, 1000, 65535};
        float[] p = new float[positions.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = positions[i];
        }
        FloatMatrix cos = new FloatMatrix(p.length, headDim / 2);
        FloatMatrix sin = new FloatMatrix(p.length, headDim / 2);
        FloatMatrix cos1 = new FloatMatrix(p.length, headDim / 2);
        FloatMatrix sin1 = new FloatMatrix(p.length, headDim / 2);
        mrope.table(p, p, p, cos, sin);
        rope.table(positions, cos1, sin1);
        assertArrayEquals(cos1.data(), cos.data());
        assertArrayEquals(sin1.data(), sin.data());
    }

    @Test
    void slotsInterleaveHeightAndWidthBelowThreeSections() {
        // [24, 20, 20]: slots 1, 4, …, 58 are h; 2, 5, …, 59 are w; 0, 3, …, 57 and 60..63 are t
        MRope mrope = new MRope(128, 1e6, new int[] {24, 20, 20});
        int[] counts = new int[3];
        for (int i = 0; i < mrope.half(); i++) {
            int expected = i < 60 ? i % 3 : 0;
            assertEquals(expected, mrope.axis(i), "slot " + i);
            counts[mrope.axis(i)]++;
        }
        assertArrayEquals(new int[] {24, 20, 20}, counts);
    }
}
