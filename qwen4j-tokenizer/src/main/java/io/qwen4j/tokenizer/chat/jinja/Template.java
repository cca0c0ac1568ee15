package io.qwen4j.tokenizer.chat.jinja;

import io.qwen4j.tokenizer.chat.jinja.Ast.Node;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed Jinja template, rendered as Jinja2 does with transformers' chat-template environment
 * ({@code ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)} with loop controls,
 * {@code tojson}, {@code raise_exception} and {@code strftime_now}). Covers the subset chat templates
 * use: output, {@code if/elif/else}, {@code for} (with {@code else}, a filter, {@code loop.*},
 * {@code break}/{@code continue}), {@code set} (names, tuples, namespace attributes, blocks),
 * {@code macro}, {@code filter}, {@code with}, {@code raw}, {@code generation}, comments and whitespace
 * control; the full expression grammar with Python-like values, Jinja2's filters and tests, and Python
 * {@code str}/{@code dict} methods. Not supported: {@code extends}, {@code block}, {@code include},
 * {@code import}, {@code call} blocks, recursive loops. Immutable and thread-safe.
 */
public final class Template {
    private final List<Node> body;

    private Template(List<Node> body) {
        this.body = body;
    }

    /** Parses the template text. @throws JinjaException (kind SYNTAX) with the line of the problem */
    public static Template parse(String text) {
        return new Template(Parser.parse(text));
    }

    /**
     * Renders with these top-level variables. Values are plain Java: {@code null}, {@code Boolean},
     * numbers, {@code String}, {@code List}, {@code Map} with string keys (insertion order is kept, as
     * Python dicts keep it). @throws JinjaException when the template raises or fails
     */
    public String render(Map<String, ?> variables) {
        Map<String, Object> values = new LinkedHashMap<>();
        variables.forEach((k, v) -> values.put(k, value(v)));
        return new Interpreter().render(body, values);
    }

    /** Converts a plain Java value to the interpreter's representation (Long, Double, lists, ordered maps). */
    static Object value(Object v) {
        return switch (v) {
            case null -> null;
            case String s -> s;
            case Boolean b -> b;
            case Long l -> l;
            case Integer i -> (long) i;
            case Short s -> (long) s;
            case Byte b -> (long) b;
            case BigInteger b -> b.bitLength() < 64 ? (Object) b.longValue() : (Object) b.doubleValue();
            case Double d -> d;
            case Float f -> (double) f;
            case BigDecimal d -> d.doubleValue();
            case Character c -> c.toString();
            case List<?> l -> {
                List<Object> out = new ArrayList<>(l.size());
                for (Object o : l) {
                    out.add(value(o));
                }
                yield out;
            }
            case Map<?, ?> m -> {
                Map<Object, Object> out = new LinkedHashMap<>();
                m.forEach((k, x) -> out.put(value(k), value(x)));
                yield out;
            }
            default -> throw new IllegalArgumentException("not a template value: " + v.getClass().getName());
        };
    }
}
