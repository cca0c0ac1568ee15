package io.qwen4j.tokenizer;

/**
 * A token matched as a whole in the text before any other processing (tokenizers' {@code added_tokens}),
 * such as {@code <|im_start|>} or {@code <think>}.
 *
 * @param id its id
 * @param content the exact text it stands for
 * @param special whether {@code decode(ids, true)} drops it (control tokens such as {@code <|im_end|>})
 * @param normalized whether it is matched in the NFC-normalised text rather than the raw text (false for
 *     every Qwen token)
 */
public record AddedToken(int id, String content, boolean special, boolean normalized) {
    public AddedToken {
        if (content.isEmpty()) {
            throw new IllegalArgumentException("added token " + id + " has empty content");
        }
    }

    /** A token matched in the raw text, as every Qwen and every GGUF added token is. */
    public static AddedToken of(int id, String content, boolean special) {
        return new AddedToken(id, content, special, false);
    }
}
