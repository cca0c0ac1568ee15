package io.qwen4j.tokenizer.chat.jinja;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a template into tokens the way Jinja2's lexer does with transformers' settings
 * ({@code trim_blocks=True, lstrip_blocks=True}, {@code keep_trailing_newline=False}): newlines are
 * normalised to {@code \n}, one trailing newline is dropped, {@code -}/{@code +} whitespace control and
 * {@code {% raw %}} blocks are applied here, so the parser only sees text and expression tokens.
 */
final class Lexer {
    enum Kind { TEXT, VAR_BEGIN, VAR_END, BLOCK_BEGIN, BLOCK_END, NAME, STRING, INT, FLOAT, OP, EOF }

    record Token(Kind kind, String value, int line) {
        boolean is(Kind k, String v) {
            return kind == k && value.equals(v);
        }

        boolean isName(String v) {
            return is(Kind.NAME, v);
        }

        boolean isOp(String v) {
            return is(Kind.OP, v);
        }

        String describe() {
            return switch (kind) {
                case EOF -> "end of template";
                case TEXT -> "template data";
                case VAR_END, BLOCK_END, VAR_BEGIN, BLOCK_BEGIN -> "'" + value + "'";
                default -> "'" + value + "'";
            };
        }
    }

    private static final String[] OPERATORS = {
        "//", "**", "==", "!=", ">=", "<=", "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}",
        ">", "<", "=", ".", ":", "|", ",", ";"};

    private final String src;
    private final List<Token> out = new ArrayList<>();
    private int pos;
    private int line = 1;

    private Lexer(String source) {
        String s = source.replace("\r\n", "\n").replace('\r', '\n');
        if (s.endsWith("\n")) {
            s = s.substring(0, s.length() - 1); // keep_trailing_newline=False
        }
        this.src = s;
    }

    static List<Token> tokenize(String source) {
        Lexer lexer = new Lexer(source);
        lexer.run();
        return lexer.out;
    }

    private void run() {
        while (pos < src.length()) {
            int tag = nextTagStart(pos);
            if (tag < 0) {
                text(src.substring(pos));
                pos = src.length();
                break;
            }
            char kind = src.charAt(tag + 1);
            char sign = tag + 2 < src.length() ? src.charAt(tag + 2) : 0;
            String text = src.substring(pos, tag);
            if (sign == '-') {
                text = Py.rstrip(text, null);
            } else if (sign != '+' && kind != '{') {
                // lstrip_blocks: drop the indentation before a block or comment tag alone on its line
                int lineStart = text.lastIndexOf('\n') + 1;
                boolean lineStarting = pos == 0 || src.charAt(pos - 1) == '\n';
                if ((lineStart > 0 || lineStarting) && lineStart < text.length()
                        && Py.isAllWhitespace(text, lineStart)) {
                    text = text.substring(0, lineStart);
                }
            }
            text(text);
            line += countNewlines(src, pos + text.length(), tag); // stripped whitespace still counts
            pos = tag + 2 + (sign == '-' || sign == '+' ? 1 : 0);
            switch (kind) {
                case '#' -> comment();
                case '{' -> expressionTokens(Kind.VAR_BEGIN, "{{", Kind.VAR_END, "}}");
                default -> {
                    if (!raw(tag)) {
                        expressionTokens(Kind.BLOCK_BEGIN, "{%", Kind.BLOCK_END, "%}");
                    }
                }
            }
        }
        out.add(new Token(Kind.EOF, "", line));
    }

    private int nextTagStart(int from) {
        int i = src.indexOf('{', from);
        while (i >= 0 && i + 1 < src.length()) {
            char c = src.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') {
                return i;
            }
            i = src.indexOf('{', i + 1);
        }
        return -1;
    }

    private void text(String text) {
        if (!text.isEmpty()) {
            out.add(new Token(Kind.TEXT, text, line));
            line += countNewlines(text, 0, text.length());
        }
    }

    private void comment() {
        int end = src.indexOf("#}", pos);
        if (end < 0) {
            throw JinjaException.syntax("missing end of comment tag", line);
        }
        line += countNewlines(src, pos, end);
        pos = afterTagEnd(end, end > pos && src.charAt(end - 1) == '-', end > pos && src.charAt(end - 1) == '+');
    }

    /** Position after a tag end at {@code end}: {@code -} strips all following whitespace, else trim_blocks eats one newline. */
    private int afterTagEnd(int end, boolean minus, boolean plus) {
        int p = end + 2;
        if (minus) {
            while (p < src.length() && Py.isWhitespace(src.charAt(p))) {
                if (src.charAt(p) == '\n') {
                    line++;
                }
                p++;
            }
        } else if (!plus && p < src.length() && src.charAt(p) == '\n') {
            line++;
            p++;
        }
        return p;
    }

    /** {@code {% raw %}...{% endraw %}}: the body is text, untouched. Returns false when the tag is not raw. */
    private boolean raw(int tag) {
        int p = skipSpaces(pos);
        if (!src.startsWith("raw", p)) {
            return false;
        }
        p = skipSpaces(p + 3);
        boolean minus = src.startsWith("-%}", p);
        if (!minus && !src.startsWith("%}", p)) {
            return false;
        }
        int bodyStart = p + (minus ? 3 : 2);
        if (minus) {
            while (bodyStart < src.length() && Py.isWhitespace(src.charAt(bodyStart))) {
                bodyStart++;
            }
        }
        int search = bodyStart;
        while (true) {
            int end = src.indexOf("{%", search);
            if (end < 0) {
                throw JinjaException.syntax("missing end of raw directive", line);
            }
            char sign = end + 2 < src.length() ? src.charAt(end + 2) : 0;
            int q = skipSpaces(end + 2 + (sign == '-' || sign == '+' ? 1 : 0));
            if (src.startsWith("endraw", q)) {
                q = skipSpaces(q + 6);
                boolean endMinus = src.startsWith("-%}", q);
                boolean endPlus = src.startsWith("+%}", q);
                if (endMinus || endPlus || src.startsWith("%}", q)) {
                    String body = src.substring(bodyStart, end);
                    if (sign == '-') {
                        body = Py.rstrip(body, null);
                    }
                    line += countNewlines(src, tag, bodyStart);
                    text(body);
                    line += countNewlines(src, bodyStart + body.length(), q);
                    pos = afterTagEnd(q + (endMinus || endPlus ? 1 : 0), endMinus, endPlus);
                    return true;
                }
            }
            search = end + 2;
        }
    }

    private int skipSpaces(int p) {
        while (p < src.length() && Py.isWhitespace(src.charAt(p))) {
            p++;
        }
        return p;
    }

    private void expressionTokens(Kind beginKind, String begin, Kind endKind, String end) {
        out.add(new Token(beginKind, begin, line));
        int depth = 0;
        while (true) {
            if (pos >= src.length()) {
                throw JinjaException.syntax("unexpected end of template, expected '" + end + "'", line);
            }
            char c = src.charAt(pos);
            if (depth == 0) {
                boolean minus = c == '-' && src.startsWith(end, pos + 1);
                boolean plus = c == '+' && src.startsWith(end, pos + 1) && endKind == Kind.BLOCK_END;
                if (minus || plus || src.startsWith(end, pos)) {
                    int at = pos + (minus || plus ? 1 : 0);
                    out.add(new Token(endKind, end, line));
                    if (endKind == Kind.BLOCK_END) {
                        pos = afterTagEnd(at, minus, plus);
                    } else {
                        pos = minus ? afterTagEnd(at, true, false) : at + 2;
                    }
                    return;
                }
            }
            if (Py.isWhitespace(c)) {
                if (c == '\n') {
                    line++;
                }
                pos++;
            } else if (c == '\'' || c == '"') {
                string(c);
            } else if (Character.isDigit(c)) {
                number();
            } else if (Character.isLetter(c) || c == '_') {
                int start = pos;
                while (pos < src.length() && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
                    pos++;
                }
                out.add(new Token(Kind.NAME, src.substring(start, pos), line));
            } else {
                String op = operator();
                if (op == null) {
                    throw JinjaException.syntax("unexpected char '" + c + "'", line);
                }
                switch (op) {
                    case "(", "[", "{" -> depth++;
                    case ")", "]", "}" -> {
                        if (depth == 0) {
                            throw JinjaException.syntax("unexpected '" + op + "'", line);
                        }
                        depth--;
                    }
                    default -> { }
                }
                out.add(new Token(Kind.OP, op, line));
                pos += op.length();
            }
        }
    }

    private String operator() {
        for (String op : OPERATORS) {
            if (src.startsWith(op, pos)) {
                return op;
            }
        }
        return null;
    }

    private void number() {
        int start = pos;
        digits();
        boolean isFloat = false;
        if (pos + 1 < src.length() && src.charAt(pos) == '.' && Character.isDigit(src.charAt(pos + 1))) {
            isFloat = true;
            pos++;
            digits();
        }
        if (pos < src.length() && (src.charAt(pos) == 'e' || src.charAt(pos) == 'E')) {
            int save = pos;
            pos++;
            if (pos < src.length() && (src.charAt(pos) == '+' || src.charAt(pos) == '-')) {
                pos++;
            }
            if (pos < src.length() && Character.isDigit(src.charAt(pos))) {
                isFloat = true;
                digits();
            } else {
                pos = save;
            }
        }
        String text = src.substring(start, pos).replace("_", "");
        out.add(new Token(isFloat ? Kind.FLOAT : Kind.INT, text, line));
    }

    private void digits() {
        while (pos < src.length() && (Character.isDigit(src.charAt(pos))
                || (src.charAt(pos) == '_' && pos + 1 < src.length() && Character.isDigit(src.charAt(pos + 1))))) {
            pos++;
        }
    }

    private void string(char quote) {
        int startLine = line;
        StringBuilder raw = new StringBuilder();
        int p = pos + 1;
        while (true) {
            if (p >= src.length()) {
                throw JinjaException.syntax("unterminated string", startLine);
            }
            char c = src.charAt(p);
            if (c == '\\' && p + 1 < src.length()) {
                raw.append(c).append(src.charAt(p + 1));
                p += 2;
                continue;
            }
            if (c == quote) {
                break;
            }
            raw.append(c);
            p++;
        }
        line += countNewlines(src, pos, p);
        pos = p + 1;
        out.add(new Token(Kind.STRING, unescape(raw.toString(), startLine), startLine));
    }

    /** Python's {@code unicode-escape} decoding, as Jinja2 applies it to string literals. */
    static String unescape(String s, int line) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 >= s.length()) {
                b.append(c);
                continue;
            }
            char e = s.charAt(++i);
            switch (e) {
                case '\n' -> { }
                case '\\' -> b.append('\\');
                case '\'' -> b.append('\'');
                case '"' -> b.append('"');
                case 'a' -> b.append('\u0007');
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'v' -> b.append('\u000b');
                case 'x', 'u', 'U' -> {
                    int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    if (i + n >= s.length()) {
                        throw JinjaException.syntax("truncated \\" + e + " escape in a string", line);
                    }
                    try {
                        int cp = Integer.parseInt(s.substring(i + 1, i + 1 + n), 16);
                        b.appendCodePoint(cp);
                    } catch (RuntimeException ex) {
                        throw JinjaException.syntax("bad \\" + e + " escape in a string", line);
                    }
                    i += n;
                }
                default -> {
                    if (e >= '0' && e <= '7') {
                        int j = i;
                        int v = 0;
                        while (j < s.length() && j < i + 3 && s.charAt(j) >= '0' && s.charAt(j) <= '7') {
                            v = v * 8 + (s.charAt(j) - '0');
                            j++;
                        }
                        b.append((char) v);
                        i = j - 1;
                    } else {
                        b.append('\\').append(e); // unknown escapes stay as they are
                    }
                }
            }
        }
        return b.toString();
    }

    private static int countNewlines(String s, int from, int to) {
        int n = 0;
        for (int i = from; i < to; i++) {
            if (s.charAt(i) == '\n') {
                n++;
            }
        }
        return n;
    }
}
