package io.qwen4j.server.grammar;

import io.qwen4j.server.grammar.Schema.AnyOf;
import io.qwen4j.server.grammar.Schema.ArraySchema;
import io.qwen4j.server.grammar.Schema.Literals;
import io.qwen4j.server.grammar.Schema.NumberSchema;
import io.qwen4j.server.grammar.Schema.ObjectSchema;
import io.qwen4j.server.grammar.Schema.Property;
import io.qwen4j.server.grammar.Schema.Ref;
import io.qwen4j.server.grammar.Schema.StringSchema;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * A pushdown automaton over UTF-8 bytes that accepts exactly the JSON texts a {@link Schema} allows
 * (with bounded whitespace and digits). A position is a set of {@link Stack}s (several while a choice,
 * such as {@code anyOf}, is undecided); stacks are immutable linked frames, so stepping one byte
 * shares everything below the top and a mask can explore many tokens from the same position cheaply.
 *
 * <p>Frames pop themselves when their value ends; a number (which has no closing byte) ends when a byte
 * that cannot continue it arrives, and hands that byte to the frame below.
 */
public final class JsonGrammar {
    private JsonGrammar() {}

    /** An immutable stack of frames; {@code next} is null below the bottom frame. */
    public record Stack(Frame top, Stack next) {
        Stack push(Frame f) {
            return new Stack(f, this);
        }
    }

    /** One level of the automaton. */
    public sealed interface Frame {}

    /** Nothing may follow: the end of the output. */
    record End() implements Frame {}

    /** A value of {@code schema} is next, after at most {@code MAX_WHITESPACE - ws} whitespace bytes. */
    record Value(Schema schema, int ws) implements Frame {}

    /** Inside an object. {@code next}: index of the next declared property that may come. */
    record InObject(ObjectSchema schema, int next, int phase, int ws, Schema value) implements Frame {}

    /** Inside a declared key, {@code pos} bytes matched after the quote; {@code candidates}: property indices. */
    record InKey(ObjectSchema schema, int[] candidates, int pos) implements Frame {}

    /** Inside an array holding {@code count} items (counting one being written). */
    record InArray(ArraySchema schema, int count, int phase, int ws) implements Frame {}

    /**
     * Inside a string: {@code length} characters so far (when counted), an escape in progress ({@code
     * escape}: 1 after a backslash, 2 to 5 inside {@code \\uXXXX}), UTF-8 continuation bytes still
     * due ({@code cont}), the next of which must be in [lo, hi].
     */
    record InString(StringSchema schema, int length, int escape, int cont, int lo, int hi) implements Frame {}

    /** Inside a number; {@code digits} in the current part. */
    record InNumber(boolean integer, int phase, int digits) implements Frame {}

    /** Matching one of the {@code candidates}, {@code pos} bytes in. */
    record InLiteral(List<byte[]> candidates, int pos) implements Frame {}

    /** Free text up to and including {@code terminator} (a think block's end), {@code matched} of it seen. */
    record Until(byte[] terminator, int matched) implements Frame {}

    /** Up to {@code MAX_WHITESPACE - count} whitespace bytes, then what is below. */
    record Whitespace(int count) implements Frame {}

    /** After a complete item of a repetition: the end, or {@code separator} and another {@code item}. */
    record Repeat(byte[] separator, List<Frame> item) implements Frame {}

    // object phases
    private static final int OPEN = 0;     // after '{'
    private static final int COLON = 1;    // after a key
    private static final int AFTER = 2;    // after a value
    private static final int COMMA = 3;    // after ','
    // number phases
    private static final int SIGN = 0;
    private static final int ZERO = 1;
    private static final int INT = 2;
    private static final int DOT = 3;
    private static final int FRAC = 4;
    private static final int EXP = 5;
    private static final int EXP_SIGN = 6;
    private static final int EXP_DIGITS = 7;

    static final Stack END = new Stack(new End(), null);

    /** The stack that reads one value of {@code schema}, then ends. */
    public static Stack value(Schema schema) {
        return END.push(new Value(schema, 0));
    }

    /** A stack that reads the frames in order (the first on top), then {@code below}. */
    public static Stack sequence(List<Frame> frames, Stack below) {
        Stack s = below;
        for (int i = frames.size() - 1; i >= 0; i--) {
            s = s.push(frames.get(i));
        }
        return s;
    }

    public static Frame literal(String text) {
        return new InLiteral(List.of(text.getBytes(StandardCharsets.UTF_8)), 0);
    }

    public static Frame valueFrame(Schema schema) {
        return new Value(schema, 0);
    }

    public static Frame until(String terminator) {
        return new Until(terminator.getBytes(StandardCharsets.UTF_8), 0);
    }

    public static Frame whitespace() {
        return new Whitespace(0);
    }

    public static Frame repeat(String separator, List<Frame> item) {
        return new Repeat(separator.getBytes(StandardCharsets.UTF_8), List.copyOf(item));
    }

    /** The positions after one more byte from any of {@code states}; empty when the byte is not allowed. */
    public static List<Stack> step(List<Stack> states, int b) {
        if (states.size() == 1) {
            List<Stack> out = new ArrayList<>(1);
            step(states.getFirst(), b, out);
            return out.size() > 1 ? dedupe(out) : out;
        }
        List<Stack> out = new ArrayList<>(states.size());
        for (Stack s : states) {
            step(s, b, out);
        }
        return out.size() > 1 ? dedupe(out) : out;
    }

    private static List<Stack> dedupe(List<Stack> out) {
        return new ArrayList<>(new LinkedHashSet<>(out));
    }

    /** Whether the output may end here. */
    public static boolean accepting(Stack s) {
        while (true) {
            switch (s.top()) {
                case End e -> {
                    return true;
                }
                case Repeat r -> {
                    return true;
                }
                case Whitespace w -> { }
                case InNumber n -> {
                    if (!numberComplete(n)) {
                        return false;
                    }
                }
                case InLiteral l -> {
                    if (!literalComplete(l)) {
                        return false;
                    }
                }
                default -> {
                    return false;
                }
            }
            s = s.next();
        }
    }

    /** Whether nothing but the end may follow. */
    public static boolean finished(Stack s) {
        return s.top() instanceof End;
    }

    private static boolean ws(int b) {
        return b == ' ' || b == '\n' || b == '\t' || b == '\r';
    }

    private static void step(Stack s, int b, List<Stack> out) {
        Stack below = s.next();
        switch (s.top()) {
            case End e -> { }
            case Value v -> {
                if (ws(b)) {
                    if (v.ws() < Schema.MAX_WHITESPACE) {
                        out.add(below.push(new Value(v.schema(), v.ws() + 1)));
                    }
                } else {
                    start(v.schema(), b, below, out);
                }
            }
            case InObject o -> object(o, b, below, out);
            case InKey k -> key(k, b, below, out);
            case InArray a -> array(a, b, below, out);
            case InString str -> string(str, b, below, out);
            case InNumber n -> number(n, b, below, out);
            case InLiteral l -> literal(l, b, below, out);
            case Until u -> {
                int m = u.matched();
                byte[] t = u.terminator();
                if (b == (t[m] & 0xff)) {
                    m++;
                } else {
                    m = b == (t[0] & 0xff) ? 1 : 0; // terminators here do not overlap themselves
                }
                out.add(m == t.length ? below : below.push(new Until(t, m)));
            }
            case Whitespace w -> {
                if (ws(b) && w.count() < Schema.MAX_WHITESPACE) {
                    out.add(below.push(new Whitespace(w.count() + 1)));
                } else {
                    step(below, b, out);
                }
            }
            case Repeat r -> {
                Stack again = below.push(r);
                for (int i = r.item().size() - 1; i >= 0; i--) {
                    again = again.push(r.item().get(i));
                }
                step(again.push(new InLiteral(List.of(r.separator()), 0)), b, out);
            }
        }
    }

    /** Begins a value of {@code schema} whose first byte is {@code b} (not whitespace). */
    private static void start(Schema schema, int b, Stack below, List<Stack> out) {
        switch (schema) {
            case Ref r -> start(r.target(), b, below, out);
            case AnyOf a -> {
                for (Schema o : a.options()) {
                    start(o, b, below, out);
                }
            }
            case ObjectSchema o -> {
                if (b == '{') {
                    out.add(below.push(new InObject(o, 0, OPEN, 0, null)));
                }
            }
            case ArraySchema a -> {
                if (b == '[') {
                    out.add(below.push(new InArray(a, 0, OPEN, 0)));
                }
            }
            case StringSchema str -> {
                if (b == '"') {
                    out.add(below.push(new InString(str, 0, 0, 0, 0, 0)));
                }
            }
            case NumberSchema n -> {
                if (b == '-') {
                    out.add(below.push(new InNumber(n.integer(), SIGN, 0)));
                } else if (b == '0') {
                    out.add(below.push(new InNumber(n.integer(), ZERO, 1)));
                } else if (b >= '1' && b <= '9') {
                    out.add(below.push(new InNumber(n.integer(), INT, 1)));
                }
            }
            case Literals l -> literal(new InLiteral(l.values(), 0), b, below, out);
        }
    }

    private static void object(InObject o, int b, Stack below, List<Stack> out) {
        ObjectSchema schema = o.schema();
        if (ws(b)) {
            if (o.ws() < Schema.MAX_WHITESPACE) {
                out.add(below.push(new InObject(schema, o.next(), o.phase(), o.ws() + 1, o.value())));
            }
            return;
        }
        switch (o.phase()) {
            case OPEN, COMMA -> {
                if (b == '}' && o.phase() == OPEN && schema.nextRequired(o.next()) < 0) {
                    out.add(below);
                } else if (b == '"') {
                    int[] candidates = keyCandidates(schema, o.next());
                    if (candidates.length > 0) {
                        out.add(below.push(new InKey(schema, candidates, 0)));
                    }
                    if (schema.additional() != null && schema.nextRequired(o.next()) < 0) {
                        Stack afterKey = below.push(new InObject(schema, schema.properties().size(), COLON, 0, schema.additional()));
                        out.add(afterKey.push(new InString(new StringSchema(0, Integer.MAX_VALUE), 0, 0, 0, 0, 0)));
                    }
                }
            }
            case COLON -> {
                if (b == ':') {
                    Stack after = below.push(new InObject(schema, o.next(), AFTER, 0, null));
                    out.add(after.push(new Value(o.value(), 0)));
                }
            }
            case AFTER -> {
                boolean noneRequired = schema.nextRequired(o.next()) < 0;
                if (b == '}' && noneRequired) {
                    out.add(below);
                } else if (b == ',' && (o.next() < schema.properties().size() || schema.additional() != null)) {
                    out.add(below.push(new InObject(schema, o.next(), COMMA, 0, null)));
                }
            }
            default -> throw new IllegalStateException("object phase " + o.phase());
        }
    }

    /** The declared properties that may come next: from {@code next} up to and including the first required one. */
    private static int[] keyCandidates(ObjectSchema schema, int next) {
        int required = schema.nextRequired(next);
        int end = required < 0 ? schema.properties().size() : required + 1;
        int[] c = new int[Math.max(0, end - next)];
        for (int i = 0; i < c.length; i++) {
            c[i] = next + i;
        }
        return c;
    }

    private static void key(InKey k, int b, Stack below, List<Stack> out) {
        List<Property> props = k.schema().properties();
        int pos = k.pos();
        int survivors = 0;
        int[] kept = new int[k.candidates().length];
        for (int c : k.candidates()) {
            byte[] key = props.get(c).key();
            if (key.length > pos && (key[pos] & 0xff) == b) {
                if (key.length == pos + 1) { // the closing quote: this key is complete, and no other can be
                    out.add(below.push(new InObject(k.schema(), c + 1, COLON, 0, props.get(c).value())));
                    return;
                }
                kept[survivors++] = c;
            }
        }
        if (survivors > 0) {
            out.add(below.push(new InKey(k.schema(), java.util.Arrays.copyOf(kept, survivors), pos + 1)));
        }
    }

    private static void array(InArray a, int b, Stack below, List<Stack> out) {
        ArraySchema schema = a.schema();
        if (ws(b)) {
            if (a.ws() < Schema.MAX_WHITESPACE) {
                out.add(below.push(new InArray(schema, a.count(), a.phase(), a.ws() + 1)));
            }
            return;
        }
        switch (a.phase()) {
            case OPEN -> {
                if (b == ']') {
                    if (schema.min() == 0) {
                        out.add(below);
                    }
                } else if (schema.max() > 0) {
                    start(schema.items(), b, below.push(new InArray(schema, 1, AFTER, 0)), out);
                }
            }
            case AFTER -> {
                if (b == ']' && a.count() >= schema.min()) {
                    out.add(below);
                } else if (b == ',' && a.count() < schema.max()) {
                    out.add(below.push(new InArray(schema, a.count(), COMMA, 0)));
                }
            }
            case COMMA -> start(schema.items(), b, below.push(new InArray(schema, a.count() + 1, AFTER, 0)), out);
            default -> throw new IllegalStateException("array phase " + a.phase());
        }
    }

    private static void string(InString s, int b, Stack below, List<Stack> out) {
        StringSchema schema = s.schema();
        int len = s.length();
        int next = schema.counts() ? len + 1 : 0;
        if (s.cont() > 0) {
            if (b >= s.lo() && b <= s.hi()) {
                out.add(below.push(s.cont() == 1 ? new InString(schema, next, 0, 0, 0, 0)
                        : new InString(schema, len, 0, s.cont() - 1, 0x80, 0xbf)));
            }
            return;
        }
        if (s.escape() == 1) {
            if (b == '"' || b == '\\' || b == '/' || b == 'b' || b == 'f' || b == 'n' || b == 'r' || b == 't') {
                out.add(below.push(new InString(schema, next, 0, 0, 0, 0)));
            } else if (b == 'u') {
                out.add(below.push(new InString(schema, len, 2, 0, 0, 0)));
            }
            return;
        }
        if (s.escape() >= 2) {
            if ((b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F')) {
                out.add(below.push(s.escape() == 5 ? new InString(schema, next, 0, 0, 0, 0) : new InString(schema, len, s.escape() + 1, 0, 0, 0)));
            }
            return;
        }
        if (b == '"') {
            if (len >= schema.min() || !schema.counts()) {
                out.add(below);
            }
            return;
        }
        if (schema.counts() && len >= schema.max()) {
            return;
        }
        if (b == '\\') {
            out.add(below.push(new InString(schema, len, 1, 0, 0, 0)));
        } else if (b >= 0x20 && b < 0x80) {
            out.add(below.push(new InString(schema, next, 0, 0, 0, 0)));
        } else if (b >= 0xc2 && b <= 0xdf) {
            out.add(below.push(new InString(schema, len, 0, 1, 0x80, 0xbf)));
        } else if (b >= 0xe0 && b <= 0xef) {
            int lo = b == 0xe0 ? 0xa0 : 0x80;   // no overlong forms
            int hi = b == 0xed ? 0x9f : 0xbf;   // no surrogates
            out.add(below.push(new InString(schema, len, 0, 2, lo, hi)));
        } else if (b >= 0xf0 && b <= 0xf4) {
            int lo = b == 0xf0 ? 0x90 : 0x80;
            int hi = b == 0xf4 ? 0x8f : 0xbf;   // nothing above U+10FFFF
            out.add(below.push(new InString(schema, len, 0, 3, lo, hi)));
        }
    }

    private static boolean numberComplete(InNumber n) {
        return n.phase() == ZERO || n.phase() == INT || n.phase() == FRAC || n.phase() == EXP_DIGITS;
    }

    private static void number(InNumber n, int b, Stack below, List<Stack> out) {
        boolean digit = b >= '0' && b <= '9';
        boolean fractionOk = !n.integer();
        InNumber next = null;
        switch (n.phase()) {
            case SIGN -> next = b == '0' ? new InNumber(n.integer(), ZERO, 1) : digit ? new InNumber(n.integer(), INT, 1) : null;
            case ZERO, INT -> {
                if (digit && n.phase() == INT && n.digits() < Schema.MAX_DIGITS) {
                    next = new InNumber(n.integer(), INT, n.digits() + 1);
                } else if (b == '.' && fractionOk) {
                    next = new InNumber(false, DOT, 0);
                } else if ((b == 'e' || b == 'E') && fractionOk) {
                    next = new InNumber(false, EXP, 0);
                }
            }
            case DOT -> next = digit ? new InNumber(false, FRAC, 1) : null;
            case FRAC -> {
                if (digit && n.digits() < Schema.MAX_DIGITS) {
                    next = new InNumber(false, FRAC, n.digits() + 1);
                } else if (b == 'e' || b == 'E') {
                    next = new InNumber(false, EXP, 0);
                }
            }
            case EXP -> next = b == '+' || b == '-' ? new InNumber(false, EXP_SIGN, 0) : digit ? new InNumber(false, EXP_DIGITS, 1) : null;
            case EXP_SIGN -> next = digit ? new InNumber(false, EXP_DIGITS, 1) : null;
            case EXP_DIGITS -> next = digit && n.digits() < Schema.MAX_EXPONENT_DIGITS ? new InNumber(false, EXP_DIGITS, n.digits() + 1) : null;
            default -> throw new IllegalStateException("number phase " + n.phase());
        }
        if (next != null) {
            out.add(below.push(next));
        } else if (numberComplete(n) && !digit) {
            step(below, b, out); // the number ended; the byte belongs to what follows
        }
    }

    private static boolean literalComplete(InLiteral l) {
        for (byte[] c : l.candidates()) {
            if (c.length == l.pos()) {
                return true;
            }
        }
        return false;
    }

    private static void literal(InLiteral l, int b, Stack below, List<Stack> out) {
        int pos = l.pos();
        List<byte[]> survivors = null;
        boolean longer = false;
        for (byte[] c : l.candidates()) {
            if (c.length > pos && (c[pos] & 0xff) == b) {
                if (survivors == null) {
                    survivors = new ArrayList<>(l.candidates().size());
                }
                survivors.add(c);
                longer |= c.length > pos + 1;
            }
        }
        if (survivors == null) {
            if (literalComplete(l)) {
                step(below, b, out); // a number literal ended; the byte belongs to what follows
            }
            return;
        }
        out.add(longer ? below.push(new InLiteral(survivors.size() == l.candidates().size() ? l.candidates() : List.copyOf(survivors), pos + 1)) : below);
    }
}
