package io.qwen4j.tokenizer.chat.jinja;

/** A template that does not parse, that called {@code raise_exception}, or that failed while rendering. */
public final class JinjaException extends RuntimeException {
    /** What went wrong, which decides who is to blame: the template (syntax) or the input (the others). */
    public enum Kind { SYNTAX, RAISED, RUNTIME }

    private final Kind kind;
    private final int line;

    private JinjaException(Kind kind, String message, int line) {
        super(message, null, false, false);
        this.kind = kind;
        this.line = line;
    }

    static JinjaException syntax(String message, int line) {
        return new JinjaException(Kind.SYNTAX, message, line);
    }

    static JinjaException raised(String message, int line) {
        return new JinjaException(Kind.RAISED, message, line);
    }

    static JinjaException runtime(String message, int line) {
        return new JinjaException(Kind.RUNTIME, message, line);
    }

    /** A runtime error raised below the interpreter, before the line is known (0). */
    static JinjaException runtime(String message) {
        return new JinjaException(Kind.RUNTIME, message, 0);
    }

    JinjaException atLine(int newLine) {
        return line > 0 || newLine <= 0 ? this : new JinjaException(kind, getMessage(), newLine);
    }

    public Kind kind() {
        return kind;
    }

    /** 1-based template line, 0 when unknown. */
    public int line() {
        return line;
    }
}
