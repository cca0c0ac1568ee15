package io.qwen4j.tokenizer.chat.jinja;

import java.math.BigDecimal;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Template values and the Python semantics Jinja2 gives them. Values are: {@code null} (None),
 * {@link Undefined}, {@code Boolean}, {@code Long}, {@code Double}, {@code String}, {@code List} (a
 * {@link Tuple} prints as a tuple), {@code Map} (insertion-ordered), {@link Namespace} and {@link Fn}.
 */
final class Py {
    private Py() {
    }

    /** Jinja2's default {@code Undefined}: prints as nothing, is false, iterates as empty, fails on use. */
    static final class Undefined {
        final String hint;

        Undefined(String hint) {
            this.hint = hint;
        }

        JinjaException error() {
            return JinjaException.runtime(hint);
        }

        @Override
        public String toString() {
            return "";
        }
    }

    /** An immutable list that prints as a Python tuple. */
    static final class Tuple extends AbstractList<Object> {
        private final List<Object> items;

        Tuple(List<Object> items) {
            this.items = List.copyOf(nullsAsNone(items));
        }

        private static List<Object> nullsAsNone(List<Object> items) {
            List<Object> copy = new ArrayList<>(items.size());
            for (Object o : items) {
                copy.add(o == null ? NONE_IN_TUPLE : o);
            }
            return copy;
        }

        @Override
        public Object get(int index) {
            Object o = items.get(index);
            return o == NONE_IN_TUPLE ? null : o;
        }

        @Override
        public int size() {
            return items.size();
        }
    }

    private static final Object NONE_IN_TUPLE = new Object();

    /** {@code namespace(...)}: the one mutable object templates may assign attributes to. */
    static final class Namespace {
        final Map<String, Object> attributes = new LinkedHashMap<>();
    }

    /** Anything callable from a template: globals, macros, bound methods. */
    @FunctionalInterface
    interface Fn {
        Object call(List<Object> args, Map<String, Object> kwargs);
    }

    static Undefined undefinedName(String name) {
        return new Undefined("'" + name + "' is undefined");
    }

    static Undefined missingAttribute(Object obj, Object name) {
        if (obj == null) {
            return new Undefined("'None' has no attribute '" + name + "'");
        }
        return new Undefined("'" + typeName(obj) + " object' has no attribute '" + name + "'");
    }

    static String typeName(Object o) {
        return switch (o) {
            case null -> "NoneType";
            case Boolean b -> "bool";
            case Long l -> "int";
            case Double d -> "float";
            case String s -> "str";
            case Tuple t -> "tuple";
            case List<?> l -> "list";
            case Map<?, ?> m -> "dict";
            case Namespace n -> "Namespace";
            case Undefined u -> "Undefined";
            case Fn f -> "function";
            default -> o.getClass().getSimpleName();
        };
    }

    static boolean truthy(Object o) {
        return switch (o) {
            case null -> false;
            case Undefined u -> false;
            case Boolean b -> b;
            case Long l -> l != 0;
            case Double d -> d != 0.0;
            case String s -> !s.isEmpty();
            case List<?> l -> !l.isEmpty();
            case Map<?, ?> m -> !m.isEmpty();
            default -> true;
        };
    }

    static boolean isNumber(Object o) {
        return o instanceof Long || o instanceof Double || o instanceof Boolean;
    }

    static boolean isInt(Object o) {
        return o instanceof Long || o instanceof Boolean;
    }

    static long toLong(Object o) {
        return o instanceof Boolean b ? (b ? 1 : 0) : (Long) o;
    }

    static double toDouble(Object o) {
        return switch (o) {
            case Boolean b -> b ? 1 : 0;
            case Long l -> l;
            case Double d -> d;
            case null, default -> throw JinjaException.runtime("expected a number, got " + typeName(o));
        };
    }

    // ---- str() and repr() ----------------------------------------------------------------------

    static String str(Object o) {
        return switch (o) {
            case null -> "None";
            case String s -> s;
            case Undefined u -> "";
            default -> repr(o);
        };
    }

    static String repr(Object o) {
        return switch (o) {
            case null -> "None";
            case Undefined u -> "";
            case Boolean b -> b ? "True" : "False";
            case Long l -> l.toString();
            case Double d -> floatRepr(d);
            case String s -> stringRepr(s);
            case Tuple t -> {
                StringBuilder b = new StringBuilder("(");
                for (int i = 0; i < t.size(); i++) {
                    b.append(i > 0 ? ", " : "").append(repr(t.get(i)));
                }
                yield b.append(t.size() == 1 ? ",)" : ")").toString();
            }
            case List<?> l -> {
                StringBuilder b = new StringBuilder("[");
                for (int i = 0; i < l.size(); i++) {
                    b.append(i > 0 ? ", " : "").append(repr(l.get(i)));
                }
                yield b.append(']').toString();
            }
            case Map<?, ?> m -> {
                StringBuilder b = new StringBuilder("{");
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    b.append(first ? "" : ", ").append(repr(e.getKey())).append(": ").append(repr(e.getValue()));
                    first = false;
                }
                yield b.append('}').toString();
            }
            case Namespace n -> "<Namespace " + repr(n.attributes) + ">";
            default -> "<" + typeName(o) + ">";
        };
    }

    /** Python's {@code repr(float)}: the shortest digits that round-trip, scientific below 1e-4 and from 1e16. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return 1 / d < 0 ? "-0.0" : "0.0";
        }
        BigDecimal bd = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = bd.unscaledValue().toString();
        int exp = digits.length() - 1 - bd.scale(); // value = d.ddd * 10^exp
        StringBuilder b = new StringBuilder(d < 0 ? "-" : "");
        if (exp < -4 || exp >= 16) {
            b.append(digits.charAt(0));
            if (digits.length() > 1) {
                b.append('.').append(digits, 1, digits.length());
            }
            b.append('e').append(exp < 0 ? '-' : '+');
            int a = Math.abs(exp);
            b.append(a < 10 ? "0" : "").append(a);
        } else if (exp >= digits.length() - 1) {
            b.append(digits).append("0".repeat(exp - digits.length() + 1)).append(".0");
        } else if (exp >= 0) {
            b.append(digits, 0, exp + 1).append('.').append(digits, exp + 1, digits.length());
        } else {
            b.append("0.").append("0".repeat(-exp - 1)).append(digits);
        }
        return b.toString();
    }

    static String stringRepr(String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder b = new StringBuilder().append(quote);
        s.codePoints().forEach(cp -> {
            switch (cp) {
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (cp == quote) {
                        b.append('\\').append((char) cp);
                    } else if (cp < 0x20 || cp == 0x7f) {
                        b.append(String.format("\\x%02x", cp));
                    } else if (!isPrintable(cp)) {
                        b.append(cp <= 0xff ? String.format("\\x%02x", cp)
                                : cp <= 0xffff ? String.format("\\u%04x", cp) : String.format("\\U%08x", cp));
                    } else {
                        b.appendCodePoint(cp);
                    }
                }
            }
        });
        return b.append(quote).toString();
    }

    private static boolean isPrintable(int cp) {
        if (cp == ' ') {
            return true;
        }
        int type = Character.getType(cp);
        return !(type == Character.CONTROL || type == Character.FORMAT || type == Character.SURROGATE
                || type == Character.PRIVATE_USE || type == Character.UNASSIGNED || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR || type == Character.SPACE_SEPARATOR);
    }

    // ---- comparisons -----------------------------------------------------------------------------

    static boolean eq(Object a, Object b) {
        if (a == b) {
            return true;
        }
        if (a == null || b == null) {
            return false;
        }
        if (isNumber(a) && isNumber(b)) {
            if (isInt(a) && isInt(b)) {
                return toLong(a) == toLong(b);
            }
            return toDouble(a) == toDouble(b);
        }
        if (a instanceof Undefined || b instanceof Undefined) {
            return a instanceof Undefined && b instanceof Undefined;
        }
        if (a instanceof List<?> la && b instanceof List<?> lb) {
            if ((a instanceof Tuple) != (b instanceof Tuple) || la.size() != lb.size()) {
                return false;
            }
            for (int i = 0; i < la.size(); i++) {
                if (!eq(la.get(i), lb.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
            if (ma.size() != mb.size()) {
                return false;
            }
            for (Map.Entry<?, ?> e : ma.entrySet()) {
                if (!mb.containsKey(e.getKey()) || !eq(e.getValue(), mb.get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    /** Python's ordering: numbers, strings (by code point), lists (lexicographic); anything else is a TypeError. */
    static int compare(Object a, Object b, String op) {
        if (isNumber(a) && isNumber(b)) {
            if (isInt(a) && isInt(b)) {
                return Long.compare(toLong(a), toLong(b));
            }
            return Double.compare(toDouble(a), toDouble(b));
        }
        if (a instanceof String sa && b instanceof String sb) {
            return compareCodePoints(sa, sb);
        }
        if (a instanceof List<?> la && b instanceof List<?> lb) {
            for (int i = 0; i < Math.min(la.size(), lb.size()); i++) {
                if (!eq(la.get(i), lb.get(i))) {
                    return compare(la.get(i), lb.get(i), op);
                }
            }
            return Integer.compare(la.size(), lb.size());
        }
        if (a instanceof Undefined u) {
            throw u.error();
        }
        if (b instanceof Undefined u) {
            throw u.error();
        }
        throw JinjaException.runtime("'" + op + "' not supported between instances of '" + typeName(a)
                + "' and '" + typeName(b) + "'");
    }

    static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    /** {@code needle in haystack}. */
    static boolean contains(Object haystack, Object needle) {
        return switch (haystack) {
            case null -> throw JinjaException.runtime("argument of type 'NoneType' is not iterable");
            case String s -> {
                if (!(needle instanceof String n)) {
                    throw JinjaException.runtime("'in <string>' requires string as left operand, not " + typeName(needle));
                }
                yield s.contains(n);
            }
            case List<?> l -> {
                for (Object o : l) {
                    if (eq(o, needle)) {
                        yield true;
                    }
                }
                yield false;
            }
            case Map<?, ?> m -> m.containsKey(needle) || (needle instanceof Long || needle instanceof Double)
                    && m.keySet().stream().anyMatch(k -> eq(k, needle));
            case Undefined u -> false;
            case Namespace n -> throw JinjaException.runtime("argument of type 'Namespace' is not iterable");
            default -> throw JinjaException.runtime("argument of type '" + typeName(haystack) + "' is not iterable");
        };
    }

    // ---- iteration and length --------------------------------------------------------------------

    static List<Object> iterate(Object o) {
        return switch (o) {
            case Undefined u -> List.of();
            case List<?> l -> new ArrayList<>(l);
            case Map<?, ?> m -> new ArrayList<>(m.keySet());
            case String s -> {
                List<Object> chars = new ArrayList<>();
                s.codePoints().forEach(cp -> chars.add(Character.toString(cp)));
                yield chars;
            }
            case null -> throw JinjaException.runtime("'NoneType' object is not iterable");
            default -> throw JinjaException.runtime("'" + typeName(o) + "' object is not iterable");
        };
    }

    static long length(Object o) {
        return switch (o) {
            case null -> throw JinjaException.runtime("object of type 'NoneType' has no len()");
            case Undefined u -> 0;
            case String s -> s.codePointCount(0, s.length());
            case List<?> l -> l.size();
            case Map<?, ?> m -> m.size();
            default -> throw JinjaException.runtime("object of type '" + typeName(o) + "' has no len()");
        };
    }

    // ---- whitespace and strip, as str.isspace() and str.strip() --------------------------------

    static boolean isWhitespace(int cp) {
        return Character.isWhitespace(cp) || cp == 0x85 || cp == 0xa0 || cp == 0x2007 || cp == 0x202f
                || Character.getType(cp) == Character.SPACE_SEPARATOR;
    }

    static boolean isAllWhitespace(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            if (!isWhitespace(s.charAt(i))) {
                return false;
            }
        }
        return from < s.length();
    }

    private static boolean stripped(int cp, String chars) {
        return chars == null ? isWhitespace(cp) : chars.indexOf(cp) >= 0 || chars.codePoints().anyMatch(c -> c == cp);
    }

    static String lstrip(String s, String chars) {
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            if (!stripped(cp, chars)) {
                break;
            }
            i += Character.charCount(cp);
        }
        return s.substring(i);
    }

    static String rstrip(String s, String chars) {
        int i = s.length();
        while (i > 0) {
            int cp = s.codePointBefore(i);
            if (!stripped(cp, chars)) {
                break;
            }
            i -= Character.charCount(cp);
        }
        return s.substring(0, i);
    }

    static String strip(String s, String chars) {
        return lstrip(rstrip(s, chars), chars);
    }

    /** Code points of {@code s}, so that indexing and slicing count characters as Python does. */
    static int[] codePoints(String s) {
        return s.codePoints().toArray();
    }
}
