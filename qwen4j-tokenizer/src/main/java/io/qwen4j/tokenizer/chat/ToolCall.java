package io.qwen4j.tokenizer.chat;

/**
 * A function call: its name and its arguments as JSON text (as the OpenAI API carries them). Parsed
 * calls keep the arguments exactly as the model wrote them, so a call fed back into the conversation
 * ({@link ChatMessage.Builder#toolCall(ToolCall)}) renders as the model produced it.
 *
 * @param name      the function's name
 * @param arguments the arguments, JSON text (normally an object)
 */
public record ToolCall(String name, String arguments) {
    public ToolCall {
        if (name == null || arguments == null) {
            throw new IllegalArgumentException("a tool call needs a name and arguments");
        }
    }
}
