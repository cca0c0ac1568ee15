package io.qwen4j.engine;

import io.qwen4j.core.PromptMedia;

/**
 * A conversation rendered by the chat template and tokenized: what {@link ChatEngine#submit} feeds the
 * model. Made by {@link ChatEngine#prompt}, so that a caller can check its length or derive a
 * constraint from it, then submit it (several times, for several choices) without rendering again.
 *
 * @param text  the rendered prompt, ending with the generation prompt
 * @param ids   its token ids, media placeholders expanded
 * @param media the prompt's images, audio and video, ready for the model ({@link PromptMedia#NONE} for text)
 */
public record ChatPrompt(String text, int[] ids, PromptMedia media) {
    public ChatPrompt {
        ids = ids.clone();
    }

    @Override
    public int[] ids() {
        return ids.clone();
    }

    public int length() {
        return ids.length;
    }

    /** Whether the prompt leaves a think block open, so the answer starts inside the reasoning. */
    public boolean opensReasoning() {
        return io.qwen4j.tokenizer.chat.StreamingChatParser.opensReasoning(text);
    }
}
