package io.qwen4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.common.InvalidInputException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the planner refuses, and properties that follow from omni.md §6.3 (the values themselves are checked
 * against transformers in qwen4j-models' Qwen3OmniPositionsGoldenTest).
 */
class MropePositionsTest {
    private static final int IMG = 5;
    private static final int VID = 6;
    private static final int AUD = 7;
    private static final int VS = 8;
    private static final int VE = 9;
    private static final int AS = 10;
    private static final int AE = 11;
    private final MropePositions planner = new MropePositions(new MropePositions.TokenIds(IMG, VID, AUD, VS, AS), 2, 13f, 50);

    @Test
    void everyFullChunkOfAudioIsThirteenTokens() {
        // omni.md §3.2 step 5 (other lengths are checked against transformers by the golden tests)
        for (int chunks = 1; chunks <= 4; chunks++) {
            assertEquals(13 * chunks, MropePositions.audioTokens(100 * chunks, 50));
        }
    }

    @Test
    void textOnlyPromptsHavePlainPositions() {
        MropePositions.Plan plan = planner.plan(new int[] {1, 2, 3, 4}, MropePositions.Media.none());
        assertEquals(0f, plan.ropeDelta());
        for (int i = 0; i < 4; i++) {
            assertEquals(i, plan.t()[i]);
            assertEquals(i, plan.h()[i]);
            assertEquals(i, plan.w()[i]);
        }
        assertEquals(9f, plan.decodePosition(9));
    }

    @Test
    void anImageBlockUsesFewerPositionsThanTokens() {
        // a 4x4 patch grid is 2x2 tokens: positions (b, b+i, b+j), so the block spans 2 values for 4 tokens
        int[] prompt = {1, VS, IMG, IMG, IMG, IMG, VE, 2};
        MropePositions.Plan plan = planner.plan(prompt, new MropePositions.Media(List.of(new int[] {1, 4, 4}), List.of(), new float[0],
                new int[0], false));
        assertEquals(prompt.length, plan.length());
        assertTrue(plan.ropeDelta() < 0, "delta " + plan.ropeDelta());
    }

    @Test
    void mediaThatDoesNotMatchThePlaceholdersIsAnError() {
        int[] prompt = {1, VS, IMG, IMG, IMG, VE, 2}; // three pads for a grid of four tokens
        MropePositions.Media oneImage = new MropePositions.Media(List.of(new int[] {1, 4, 4}), List.of(), new float[0], new int[0], false);
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> planner.plan(prompt, oneImage));
        assertTrue(e.getMessage().contains("3 <|image_pad|> tokens but its image grids make 4"), e.getMessage());
        int[] twoImages = {VS, IMG, IMG, IMG, IMG, VE, VS, IMG, IMG, IMG, IMG, VE};
        e = assertThrows(InvalidInputException.class, () -> planner.plan(twoImages, oneImage));
        assertTrue(e.getMessage().contains("8 <|image_pad|> tokens"), e.getMessage());
        int[] audio = {AS, AUD, AUD, AE, VS, IMG, IMG, IMG, IMG, VE};
        e = assertThrows(InvalidInputException.class, () -> planner.plan(audio, oneImage));
        assertTrue(e.getMessage().contains("2 <|audio_pad|> tokens but its audio feature lengths make 0"), e.getMessage());
    }
}
