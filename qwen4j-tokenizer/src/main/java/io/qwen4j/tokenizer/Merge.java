package io.qwen4j.tokenizer;

import io.qwen4j.common.ModelFileException;

/** One BPE merge rule: two adjacent byte-level token strings that become one. */
public record Merge(String left, String right) {
    /**
     * Parses the {@code "left right"} form of tokenizer.json's older files, merges.txt and GGUF's
     * {@code tokenizer.ggml.merges}; like tokenizers, exactly one space must separate the two.
     */
    public static Merge parse(String line, String source) {
        int space = line.indexOf(' ');
        if (space <= 0 || space == line.length() - 1 || line.indexOf(' ', space + 1) >= 0) {
            throw new ModelFileException(source + ": merge \"" + line + "\" is not two tokens separated by one space");
        }
        return new Merge(line.substring(0, space), line.substring(space + 1));
    }
}
