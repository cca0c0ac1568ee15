package io.qwen4j.engine;

import io.qwen4j.common.Qwen4jException;
import io.qwen4j.tokenizer.chat.ToolCall;

/**
 * A listener that passes every call on to another one; a subclass overrides the calls it adds to (and calls
 * {@code super} to pass them on too).
 */
public class ForwardingChatListener implements ChatListener {
    private final ChatListener next;

    public ForwardingChatListener(ChatListener next) {
        this.next = next;
    }

    @Override
    public void onReasoning(String delta) {
        next.onReasoning(delta);
    }

    @Override
    public void onContent(String delta) {
        next.onContent(delta);
    }

    @Override
    public void onToolCall(int index, ToolCall call) {
        next.onToolCall(index, call);
    }

    @Override
    public void onToken(TokenEvent token, String text) {
        next.onToken(token, text);
    }

    @Override
    public void onError(Qwen4jException error) {
        next.onError(error);
    }

    @Override
    public void onFinish(ChatResult result) {
        next.onFinish(result);
    }
}
