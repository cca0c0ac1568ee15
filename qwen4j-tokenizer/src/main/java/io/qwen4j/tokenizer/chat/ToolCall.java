package io.qwen4j.tokenizer.chat;

/**
 * A function call: its name and its arguments as JSON text (as the OpenAI API carries them).
 * Parsed calls spell the arguments as Python's {@code json.dumps} does ({@code ", "} and {@code ": "}), so a
 * call fed back into a conversation renders as the template would render the same arguments given as an object.
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
