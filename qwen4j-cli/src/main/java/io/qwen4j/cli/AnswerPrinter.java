package io.qwen4j.cli;

import io.qwen4j.common.Qwen4jException;
import io.qwen4j.engine.ChatListener;
import io.qwen4j.engine.ChatResult;
import io.qwen4j.tokenizer.chat.ToolCall;
import java.io.PrintWriter;

/**
 * Streams an answer to the terminal: reasoning dimmed (or to another stream), then the answer, tool
 * calls as the model wrote them. Called on the engine thread; writes are flushed as they come.
 */
final class AnswerPrinter implements ChatListener {
    static final String DIM = "\u001b[2m";
    static final String RESET = "\u001b[0m";

    private final PrintWriter content;
    private final PrintWriter reasoning; // null: reasoning is not shown
    private final boolean color;
    private boolean inReasoning;
    private boolean wroteContent;
    volatile Qwen4jException error;

    AnswerPrinter(PrintWriter content, PrintWriter reasoning, boolean color) {
        this.content = content;
        this.reasoning = reasoning;
        this.color = color;
    }

    @Override
    public synchronized void onReasoning(String delta) {
        if (reasoning == null) {
            return;
        }
        if (!inReasoning) {
            inReasoning = true;
            reasoning.print(color ? DIM + "Thinking: " : "<think>");
        }
        reasoning.print(delta);
        reasoning.flush();
    }

    private void endReasoning() {
        if (inReasoning) {
            inReasoning = false;
            reasoning.print(color ? RESET : "</think>");
            reasoning.println();
            reasoning.flush();
        }
    }

    @Override
    public synchronized void onContent(String delta) {
        endReasoning();
        if (!wroteContent) {
            delta = delta.stripLeading(); // the template's newlines after </think>
            if (delta.isEmpty()) {
                return;
            }
            wroteContent = true;
        }
        content.print(delta);
        content.flush();
    }

    @Override
    public synchronized void onToolCall(int index, ToolCall call) {
        endReasoning();
        content.println((wroteContent ? "\n" : "") + "<tool_call>{\"name\": \"" + call.name() + "\", \"arguments\": " + call.arguments() + "}</tool_call>");
        wroteContent = true;
        content.flush();
    }

    @Override
    public void onError(Qwen4jException e) {
        error = e;
    }

    @Override
    public synchronized void onFinish(ChatResult result) {
        endReasoning();
        if (wroteContent) {
            content.println();
        }
        content.flush();
    }
}
