package io.qwen4j.server.grammar;

import com.fasterxml.jackson.databind.node.TextNode;
import io.qwen4j.server.grammar.JsonGrammar.Frame;
import io.qwen4j.server.grammar.JsonGrammar.Stack;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The grammars the server constrains answers with: a JSON value of a schema ({@code response_format}),
 * or Qwen3's tool calls ({@code tool_choice} required or named), each optionally after a think block.
 */
public final class Grammars {
    private Grammars() {}

    /** Whether the answer may start with reasoning. */
    public enum Reasoning {
        /** No think block (thinking off). */
        NONE,
        /** An optional {@code <think>...</think>} block first. */
        OPTIONAL,
        /** The prompt opened the think block: reasoning first, up to {@code </think>}. */
        OPEN
    }

    /** A function the model may call: its name and the schema of its arguments. */
    public record Tool(String name, Schema parameters) {}

    /** Any JSON object ({@code response_format: {"type": "json_object"}}). */
    public static Stack jsonObject() {
        return JsonGrammar.value(new Schema.ObjectSchema(List.of(), JsonSchemaCompiler.ANY));
    }

    /** One value of the schema. */
    public static Stack json(Schema schema) {
        return JsonGrammar.value(schema);
    }

    /**
     * Tool calls as Qwen3's chat template writes them: {@code <tool_call>\n{"name": ..., "arguments":
     * {...}}\n</tool_call>}, the name one of {@code tools} and the arguments valid for it; with {@code
     * parallel}, more calls may follow, one a line.
     */
    public static Stack toolCalls(List<Tool> tools, boolean parallel) {
        List<Schema> calls = new ArrayList<>();
        for (Tool t : tools) {
            byte[] name = jsonString(t.name()).getBytes(StandardCharsets.UTF_8);
            calls.add(new Schema.ObjectSchema(List.of(
                    new Schema.Property("name", "name\"".getBytes(StandardCharsets.UTF_8), new Schema.Literals(List.of(name)), true),
                    new Schema.Property("arguments", "arguments\"".getBytes(StandardCharsets.UTF_8), t.parameters(), true)), null));
        }
        Schema call = calls.size() == 1 ? calls.getFirst() : new Schema.AnyOf(calls);
        List<Frame> item = List.of(JsonGrammar.literal("<tool_call>\n"), JsonGrammar.valueFrame(call), JsonGrammar.literal("\n</tool_call>"));
        Stack below = parallel ? JsonGrammar.END.push(JsonGrammar.repeat("\n", item)) : JsonGrammar.END;
        return JsonGrammar.sequence(item, below);
    }

    /** The positions an answer starts from: {@code body}, after reasoning as {@code reasoning} says. */
    public static List<Stack> start(Stack body, Reasoning reasoning) {
        Stack afterThink = body.push(JsonGrammar.whitespace()).push(JsonGrammar.until("</think>"));
        return switch (reasoning) {
            case NONE -> List.of(body);
            case OPEN -> List.of(afterThink);
            case OPTIONAL -> List.of(body, afterThink.push(JsonGrammar.literal("<think>")));
        };
    }

    private static String jsonString(String s) {
        return TextNode.valueOf(s).toString();
    }
}
