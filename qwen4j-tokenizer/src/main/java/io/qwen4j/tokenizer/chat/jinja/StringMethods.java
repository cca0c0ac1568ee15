package io.qwen4j.tokenizer.chat.jinja;

import io.qwen4j.tokenizer.chat.jinja.Py.Fn;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The methods of Python's {@code str} that templates call ({@code s.split(...)}, {@code s.startswith(...)}, ...). */
final class StringMethods {
    private StringMethods() {
    }

    /** {@code s.name} as a callable, or null when str has no such (non-mutating) method. */
    static Fn bind(String s, String name) {
        return switch (name) {
            case "split" -> (args, kw) -> split(s, sep(args, kw), maxsplit(args, kw), false);
            case "rsplit" -> (args, kw) -> split(s, sep(args, kw), maxsplit(args, kw), true);
            case "splitlines" -> (args, kw) -> new ArrayList<Object>(splitlines(s));
            case "strip" -> (args, kw) -> Py.strip(s, chars(args));
            case "lstrip" -> (args, kw) -> Py.lstrip(s, chars(args));
            case "rstrip" -> (args, kw) -> Py.rstrip(s, chars(args));
            case "startswith" -> (args, kw) -> affix(s, args, true);
            case "endswith" -> (args, kw) -> affix(s, args, false);
            case "upper" -> (args, kw) -> s.toUpperCase(Locale.ROOT);
            case "lower" -> (args, kw) -> s.toLowerCase(Locale.ROOT);
            case "title" -> (args, kw) -> title(s);
            case "capitalize" -> (args, kw) -> capitalize(s);
            case "swapcase" -> (args, kw) -> swapcase(s);
            case "replace" -> (args, kw) -> replace(s, string(args, 0), string(args, 1),
                    args.size() > 2 ? Py.toLong(args.get(2)) : -1);
            case "find" -> (args, kw) -> find(s, string(args, 0), false, false);
            case "rfind" -> (args, kw) -> find(s, string(args, 0), true, false);
            case "index" -> (args, kw) -> find(s, string(args, 0), false, true);
            case "rindex" -> (args, kw) -> find(s, string(args, 0), true, true);
            case "count" -> (args, kw) -> count(s, string(args, 0));
            case "join" -> (args, kw) -> join(s, args.isEmpty() ? List.of() : Py.iterate(args.getFirst()));
            case "format" -> (args, kw) -> format(s, args, kw);
            case "removeprefix" -> (args, kw) -> s.startsWith(string(args, 0)) ? s.substring(string(args, 0).length()) : s;
            case "removesuffix" -> (args, kw) -> !string(args, 0).isEmpty() && s.endsWith(string(args, 0))
                    ? s.substring(0, s.length() - string(args, 0).length()) : s;
            case "center" -> (args, kw) -> center(s, (int) Py.toLong(args.getFirst()));
            case "zfill" -> (args, kw) -> zfill(s, (int) Py.toLong(args.getFirst()));
            case "isdigit", "isnumeric", "isdecimal" -> (args, kw) -> !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
            case "isalpha" -> (args, kw) -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
            case "isalnum" -> (args, kw) -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit);
            case "isspace" -> (args, kw) -> !s.isEmpty() && s.codePoints().allMatch(Py::isWhitespace);
            case "islower" -> (args, kw) -> isLower(s);
            case "isupper" -> (args, kw) -> isUpper(s);
            default -> null;
        };
    }

    private static String string(List<Object> args, int i) {
        if (i >= args.size() || !(args.get(i) instanceof String s)) {
            throw JinjaException.runtime("expected a string argument at position " + (i + 1));
        }
        return s;
    }

    private static String sep(List<Object> args, Map<String, Object> kw) {
        Object v = !args.isEmpty() ? args.getFirst() : kw.get("sep");
        if (v != null && !(v instanceof String)) {
            throw JinjaException.runtime("must be str or None, not " + Py.typeName(v));
        }
        return (String) v;
    }

    private static long maxsplit(List<Object> args, Map<String, Object> kw) {
        Object v = args.size() > 1 ? args.get(1) : kw.getOrDefault("maxsplit", -1L);
        return Py.toLong(v);
    }

    private static String chars(List<Object> args) {
        if (args.isEmpty() || args.getFirst() == null) {
            return null;
        }
        if (!(args.getFirst() instanceof String s)) {
            throw JinjaException.runtime("strip arg must be None or str");
        }
        return s;
    }

    static List<Object> split(String s, String sep, long maxsplit, boolean fromRight) {
        List<Object> out = new ArrayList<>();
        if (sep == null) {
            // runs of whitespace; leading and trailing whitespace ignored
            String rest = fromRight ? Py.rstrip(s, null) : Py.lstrip(s, null);
            while (!rest.isEmpty()) {
                if (maxsplit >= 0 && out.size() == maxsplit) {
                    out.add(fromRight ? Py.rstrip(rest, null) : Py.lstrip(rest, null));
                    break;
                }
                if (fromRight) {
                    int end = rest.length();
                    int i = end;
                    while (i > 0 && !Py.isWhitespace(rest.codePointBefore(i))) {
                        i -= Character.charCount(rest.codePointBefore(i));
                    }
                    out.add(rest.substring(i, end));
                    rest = Py.rstrip(rest.substring(0, i), null);
                } else {
                    int i = 0;
                    while (i < rest.length() && !Py.isWhitespace(rest.codePointAt(i))) {
                        i += Character.charCount(rest.codePointAt(i));
                    }
                    out.add(rest.substring(0, i));
                    rest = Py.lstrip(rest.substring(i), null);
                }
            }
            if (fromRight) {
                Collections.reverse(out);
            }
            return out;
        }
        if (sep.isEmpty()) {
            throw JinjaException.runtime("empty separator");
        }
        if (fromRight) {
            int end = s.length();
            while (maxsplit < 0 || out.size() < maxsplit) {
                int i = s.lastIndexOf(sep, end - sep.length());
                if (i < 0 || end - sep.length() < 0) {
                    break;
                }
                out.add(s.substring(i + sep.length(), end));
                end = i;
            }
            out.add(s.substring(0, end));
            Collections.reverse(out);
            return out;
        }
        int start = 0;
        while (maxsplit < 0 || out.size() < maxsplit) {
            int i = s.indexOf(sep, start);
            if (i < 0) {
                break;
            }
            out.add(s.substring(start, i));
            start = i + sep.length();
        }
        out.add(s.substring(start));
        return out;
    }

    /** Python's str.splitlines(): every line boundary Python knows, without the line ends. */
    static List<String> splitlines(String s) {
        List<String> out = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            boolean boundary = c == '\n' || c == '\r' || c == '\u000b' || c == '\f' || c == '\u001c' || c == '\u001d'
                    || c == '\u001e' || c == '\u0085' || c == '\u2028' || c == '\u2029';
            if (boundary) {
                out.add(s.substring(start, i));
                i += c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n' ? 2 : 1;
                start = i;
            } else {
                i++;
            }
        }
        if (start < s.length()) {
            out.add(s.substring(start));
        }
        return out;
    }

    private static boolean affix(String s, List<Object> args, boolean prefix) {
        if (args.isEmpty()) {
            throw JinjaException.runtime((prefix ? "startswith" : "endswith") + " takes at least 1 argument");
        }
        String target = s;
        if (args.size() > 1) { // s.startswith(prefix, start, end) looks at s[start:end]
            target = (String) Builtins.slice(s, args.get(1), args.size() > 2 ? args.get(2) : null, null);
        }
        List<Object> candidates = args.getFirst() instanceof List<?> l ? new ArrayList<>(l) : List.of(args.getFirst());
        for (Object c : candidates) {
            if (!(c instanceof String str)) {
                throw JinjaException.runtime((prefix ? "startswith" : "endswith")
                        + " first arg must be str or a tuple of str, not " + Py.typeName(c));
            }
            if (prefix ? target.startsWith(str) : target.endsWith(str)) {
                return true;
            }
        }
        return false;
    }

    static String capitalize(String s) {
        if (s.isEmpty()) {
            return s;
        }
        int cp = s.codePointAt(0);
        return Character.toString(Character.toTitleCase(cp)) + s.substring(Character.charCount(cp)).toLowerCase(Locale.ROOT);
    }

    private static boolean cased(int cp) {
        return Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
    }

    private static String title(String s) {
        StringBuilder b = new StringBuilder();
        boolean previousCased = false;
        for (int cp : Py.codePoints(s)) {
            b.appendCodePoint(previousCased ? Character.toLowerCase(cp) : Character.toTitleCase(cp));
            previousCased = cased(cp);
        }
        return b.toString();
    }

    private static String swapcase(String s) {
        StringBuilder b = new StringBuilder();
        for (int cp : Py.codePoints(s)) {
            b.appendCodePoint(Character.isUpperCase(cp) ? Character.toLowerCase(cp) : Character.toUpperCase(cp));
        }
        return b.toString();
    }

    static boolean isLower(String s) {
        return s.codePoints().anyMatch(StringMethods::cased)
                && s.codePoints().noneMatch(cp -> Character.isUpperCase(cp) || Character.isTitleCase(cp));
    }

    static boolean isUpper(String s) {
        return s.codePoints().anyMatch(StringMethods::cased)
                && s.codePoints().noneMatch(cp -> Character.isLowerCase(cp) || Character.isTitleCase(cp));
    }

    static String replace(String s, String old, String replacement, long count) {
        if (count < 0) {
            return s.replace(old, replacement);
        }
        StringBuilder b = new StringBuilder();
        int start = 0;
        for (long n = 0; n < count; n++) {
            int i = old.isEmpty() ? (start <= s.length() ? start : -1) : s.indexOf(old, start);
            if (i < 0) {
                break;
            }
            b.append(s, start, i).append(replacement);
            if (old.isEmpty()) {
                if (i < s.length()) {
                    b.appendCodePoint(s.codePointAt(i));
                }
                start = i + (i < s.length() ? Character.charCount(s.codePointAt(i)) : 1);
            } else {
                start = i + old.length();
            }
        }
        if (start <= s.length()) {
            b.append(s.substring(start));
        }
        return b.toString();
    }

    private static long find(String s, String sub, boolean last, boolean raise) {
        int i = last ? s.lastIndexOf(sub) : s.indexOf(sub);
        if (i < 0) {
            if (raise) {
                throw JinjaException.runtime("substring not found");
            }
            return -1;
        }
        return s.codePointCount(0, i);
    }

    private static long count(String s, String sub) {
        if (sub.isEmpty()) {
            return s.codePointCount(0, s.length()) + 1L;
        }
        long n = 0;
        for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) {
            n++;
        }
        return n;
    }

    private static String join(String sep, List<Object> items) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < items.size(); i++) {
            if (!(items.get(i) instanceof String item)) {
                throw JinjaException.runtime("sequence item " + i + ": expected str instance, "
                        + Py.typeName(items.get(i)) + " found");
            }
            b.append(i > 0 ? sep : "").append(item);
        }
        return b.toString();
    }

    static String center(String s, int width) {
        int len = s.codePointCount(0, s.length());
        if (width <= len) {
            return s;
        }
        int pad = width - len;
        int left = pad / 2 + (pad & width & 1); // CPython's rule for odd padding
        return " ".repeat(left) + s + " ".repeat(pad - left);
    }

    private static String zfill(String s, int width) {
        int len = s.codePointCount(0, s.length());
        if (width <= len) {
            return s;
        }
        boolean sign = !s.isEmpty() && (s.charAt(0) == '+' || s.charAt(0) == '-');
        return (sign ? s.substring(0, 1) : "") + "0".repeat(width - len) + (sign ? s.substring(1) : s);
    }

    private static final Pattern FIELD = Pattern.compile("\\{\\{|}}|\\{([^{}!:]*)(?:![rs])?(?::[^{}]*)?}");

    /** str.format with plain fields: {@code {}}, {@code {0}}, {@code {name}} (conversions and specs ignored). */
    private static String format(String s, List<Object> args, Map<String, Object> kwargs) {
        Matcher m = FIELD.matcher(s);
        StringBuilder b = new StringBuilder();
        int auto = 0;
        int last = 0;
        while (m.find()) {
            b.append(s, last, m.start());
            last = m.end();
            String token = m.group();
            if (token.equals("{{") || token.equals("}}")) {
                b.append(token.charAt(0));
                continue;
            }
            String field = m.group(1);
            Object value;
            if (field.isEmpty()) {
                value = index(args, auto++);
            } else if (field.chars().allMatch(Character::isDigit)) {
                value = index(args, Integer.parseInt(field));
            } else if (kwargs.containsKey(field)) {
                value = kwargs.get(field);
            } else {
                throw JinjaException.runtime("KeyError: '" + field + "'");
            }
            b.append(Py.str(value));
        }
        return b.append(s.substring(last)).toString();
    }

    private static Object index(List<Object> args, int i) {
        if (i >= args.size()) {
            throw JinjaException.runtime("Replacement index " + i + " out of range for positional args tuple");
        }
        return args.get(i);
    }
}
