package io.qwen4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * NFC against tokenizers' own on every c1 string of Unicode's NormalizationTest.txt (15.0), from
 * hf_nfc_normalizationtest.jsonl.gz: {"line", "c1", "hf_nfc", ...}.
 */
class NfcParityTest {
    private final List<JsonNode> lines = TokenizerFixtures.jsonl(TokenizerFixtures.dir().resolve("corpus/hf_nfc_normalizationtest.jsonl.gz"));

    @Test
    void everyNormalizationTestLineAgreesWithTokenizers() {
        List<String> disagreements = new ArrayList<>();
        int plainJavaDisagreements = 0;
        for (JsonNode line : lines) {
            String c1 = line.path("c1").asText();
            String expected = line.path("hf_nfc").asText();
            if (!Nfc.normalize(c1).equals(expected)) {
                disagreements.add("line " + line.path("line").asInt() + ": " + codePoints(c1));
            }
            if (!Normalizer.normalize(c1, Normalizer.Form.NFC).equals(expected)) {
                plainJavaDisagreements++;
                // The explanation of the whole difference: only characters tokenizers' Unicode 9.0 tables lack.
                assertTrue(c1.codePoints().anyMatch(cp -> !Unicode9.isAssigned(cp)),
                        "java.text.Normalizer differs from tokenizers on a line with only Unicode 9.0 characters: "
                                + codePoints(c1));
            }
        }
        System.out.printf("NFC parity on NormalizationTest: %d/%d lines agree with tokenizers (%d disagree);"
                        + " java.text.Normalizer alone disagrees on %d, each holding a character assigned after Unicode 9.0%n",
                lines.size() - disagreements.size(), lines.size(), disagreements.size(), plainJavaDisagreements);
        assertTrue(lines.size() > 19_000, "the whole file: " + lines.size());
        assertTrue(plainJavaDisagreements > 0, "the file should exercise characters newer than Unicode 9.0");
        assertEquals(List.of(), disagreements, "disagreements with no known explanation");
    }

    private static String codePoints(String s) {
        return s.codePoints().mapToObj(cp -> String.format("U+%04X", cp)).toList().toString();
    }
}
