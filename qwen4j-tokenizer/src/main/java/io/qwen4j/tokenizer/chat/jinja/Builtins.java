package io.qwen4j.tokenizer.chat.jinja;

import io.qwen4j.tokenizer.chat.jinja.Interpreter.LoopInfo;
import io.qwen4j.tokenizer.chat.jinja.Py.Fn;
import io.qwen4j.tokenizer.chat.jinja.Py.Namespace;
import io.qwen4j.tokenizer.chat.jinja.Py.Tuple;
import io.qwen4j.tokenizer.chat.jinja.Py.Undefined;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Jinja2's filters, tests and globals (plus transformers' {@code raise_exception}, {@code strftime_now}
 * and {@code tojson}), attribute and item lookup, and the Python {@code str}/{@code dict} methods that
 * chat templates call. Mutating methods ({@code append}, {@code update}, ...) are absent, as in the
 * immutable sandbox transformers renders with.
 */
final class Builtins {
    private Builtins() {
    }

    /** Jinja2's sandbox refuses {@code range()} longer than this (MAX_RANGE). */
    private static final long MAX_RANGE = 100_000;

    private static final Map<String, BiFunction<Object, CallArgs, Object>> FILTERS = new HashMap<>();
    private static final Map<String, BiFunction<Object, CallArgs, Boolean>> TESTS = new HashMap<>();

    static boolean hasFilter(String name) {
        return FILTERS.containsKey(name);
    }

    static boolean hasTest(String name) {
        return TESTS.containsKey(name);
    }

    static Object filter(String name, Object value, CallArgs args) {
        return FILTERS.get(name).apply(value, args);
    }

    static boolean test(String name, Object value, CallArgs args) {
        BiFunction<Object, CallArgs, Boolean> test = TESTS.get(name);
        if (test == null) {
            throw JinjaException.runtime("no test named '" + name + "'");
        }
        return test.apply(value, args);
    }

    static Map<String, Object> globals() {
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("range", (Fn) Builtins::range);
        g.put("namespace", (Fn) (args, kwargs) -> {
            Namespace ns = new Namespace();
            for (Object a : args) {
                if (!(a instanceof Map<?, ?> m)) {
                    throw JinjaException.runtime("namespace() takes mappings and keyword arguments");
                }
                m.forEach((k, v) -> ns.attributes.put(Py.str(k), v));
            }
            ns.attributes.putAll(kwargs);
            return ns;
        });
        g.put("dict", (Fn) (args, kwargs) -> new LinkedHashMap<Object, Object>(kwargs));
        g.put("raise_exception", (Fn) (args, kwargs) -> {
            throw JinjaException.raised(args.isEmpty() ? "" : Py.str(args.getFirst()), 0);
        });
        g.put("strftime_now", (Fn) (args, kwargs) -> strftime(Py.str(args.isEmpty() ? "" : args.getFirst()),
                LocalDateTime.now()));
        return g;
    }

    private static Object range(List<Object> args, Map<String, Object> kwargs) {
        if (args.isEmpty() || args.size() > 3 || !kwargs.isEmpty()) {
            throw JinjaException.runtime("range expected 1 to 3 integer arguments");
        }
        for (Object a : args) {
            if (!Py.isInt(a)) {
                throw JinjaException.runtime("'" + Py.typeName(a) + "' object cannot be interpreted as an integer");
            }
        }
        long start = args.size() == 1 ? 0 : Py.toLong(args.get(0));
        long stop = Py.toLong(args.get(args.size() == 1 ? 0 : 1));
        long step = args.size() == 3 ? Py.toLong(args.get(2)) : 1;
        if (step == 0) {
            throw JinjaException.runtime("range() arg 3 must not be zero");
        }
        List<Object> out = new ArrayList<>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
            if (out.size() >= MAX_RANGE) {
                throw JinjaException.runtime("range too big, maximum size for range is " + MAX_RANGE);
            }
            out.add(i);
        }
        return out;
    }

    // ---- lookups -----------------------------------------------------------------------------------

    /** {@code obj.name}: Python attributes (methods) first, then items, as Jinja2's getattr. */
    static Object getAttr(Object obj, String name) {
        return switch (obj) {
            case null -> Py.missingAttribute(null, name);
            case Undefined u -> throw u.error();
            case Map<?, ?> m -> {
                Fn method = dictMethod(m, name);
                if (method != null) {
                    yield method;
                }
                yield m.containsKey(name) ? m.get(name) : Py.missingAttribute(obj, name);
            }
            case String s -> {
                Fn method = StringMethods.bind(s, name);
                yield method != null ? method : Py.missingAttribute(obj, name);
            }
            case Namespace ns -> ns.attributes.containsKey(name) ? ns.attributes.get(name) : Py.missingAttribute(obj, name);
            case LoopInfo loop -> loop.attribute(name);
            default -> Py.missingAttribute(obj, name);
        };
    }

    /** {@code obj[key]}: items first, then attributes, as Jinja2's getitem. Missing gives undefined. */
    static Object getItem(Object obj, Object key) {
        switch (obj) {
            case null -> {
                return Py.missingAttribute(null, Py.str(key));
            }
            case Undefined u -> throw u.error();
            case Map<?, ?> m -> {
                if (m.containsKey(key)) {
                    return m.get(key);
                }
                if (key instanceof Long || key instanceof Double) {
                    for (Map.Entry<?, ?> e : m.entrySet()) {
                        if (Py.eq(e.getKey(), key)) {
                            return e.getValue();
                        }
                    }
                }
            }
            case List<?> l when Py.isInt(key) -> {
                long i = Py.toLong(key);
                long at = i < 0 ? i + l.size() : i;
                return at >= 0 && at < l.size() ? l.get((int) at) : new Undefined("list index out of range");
            }
            case String s when Py.isInt(key) -> {
                int[] cps = Py.codePoints(s);
                long i = Py.toLong(key);
                long at = i < 0 ? i + cps.length : i;
                return at >= 0 && at < cps.length ? Character.toString(cps[(int) at]) : new Undefined("string index out of range");
            }
            default -> {
            }
        }
        if (key instanceof String name) {
            Object attr = getAttr(obj, name);
            if (!(attr instanceof Undefined)) {
                return attr;
            }
        }
        return Py.missingAttribute(obj, Py.str(key));
    }

    /** {@code obj[start:stop:step]} with Python's index adjustment (PySlice_AdjustIndices). */
    static Object slice(Object obj, Object start, Object stop, Object step) {
        if (obj instanceof Undefined u) {
            throw u.error();
        }
        int[] cps = obj instanceof String s ? Py.codePoints(s) : null;
        List<?> list = obj instanceof List<?> l ? l : null;
        if (cps == null && list == null) {
            throw JinjaException.runtime("'" + Py.typeName(obj) + "' object is not subscriptable");
        }
        long n = cps != null ? cps.length : list.size();
        long st = step == null ? 1 : sliceIndex(step);
        if (st == 0) {
            throw JinjaException.runtime("slice step cannot be zero");
        }
        long from = start == null ? (st < 0 ? n - 1 : 0) : adjust(sliceIndex(start), n, st);
        long to = stop == null ? (st < 0 ? -1 : n) : adjust(sliceIndex(stop), n, st);
        List<Object> items = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        for (long i = from; st > 0 ? i < to : i > to; i += st) {
            if (cps != null) {
                text.appendCodePoint(cps[(int) i]);
            } else {
                items.add(list.get((int) i));
            }
        }
        if (cps != null) {
            return text.toString();
        }
        return obj instanceof Tuple ? new Tuple(items) : items;
    }

    private static long sliceIndex(Object o) {
        if (!Py.isInt(o)) {
            throw JinjaException.runtime("slice indices must be integers or None");
        }
        return Py.toLong(o);
    }

    private static long adjust(long i, long n, long step) {
        if (i < 0) {
            i += n;
            if (i < 0) {
                i = step < 0 ? -1 : 0;
            }
        } else if (i >= n) {
            i = step < 0 ? n - 1 : n;
        }
        return i;
    }

    private static Fn dictMethod(Map<?, ?> m, String name) {
        return switch (name) {
            case "items" -> (args, kwargs) -> {
                List<Object> items = new ArrayList<>();
                m.forEach((k, v) -> items.add(new Tuple(java.util.Arrays.asList(k, v))));
                return items;
            };
            case "keys" -> (args, kwargs) -> new ArrayList<Object>(m.keySet());
            case "values" -> (args, kwargs) -> new ArrayList<Object>(m.values());
            case "get" -> (args, kwargs) -> {
                if (args.isEmpty()) {
                    throw JinjaException.runtime("get expected at least 1 argument, got 0");
                }
                Object v = m.containsKey(args.get(0)) ? m.get(args.get(0)) : null;
                return v == null && !m.containsKey(args.get(0)) && args.size() > 1 ? args.get(1) : v;
            };
            default -> null;
        };
    }

    // ---- filters -----------------------------------------------------------------------------------

    private static void filter(String name, BiFunction<Object, CallArgs, Object> f) {
        FILTERS.put(name, f);
    }

    private static void stringFilter(String name, Function<String, Object> f) {
        filter(name, (v, a) -> f.apply(Py.str(v)));
    }

    static {
        filter("tojson", (v, a) -> {
            a.check("tojson", "ensure_ascii", "indent", "separators", "sort_keys");
            Object indent = a.get(1, "indent", null);
            String indentText = indent == null ? null : indent instanceof String s ? s : " ".repeat((int) Py.toLong(indent));
            Object seps = a.get(2, "separators", null);
            String itemSep = null;
            String keySep = null;
            if (seps != null) {
                List<Object> pair = Py.iterate(seps);
                itemSep = Py.str(pair.get(0));
                keySep = Py.str(pair.get(1));
            }
            return PyJson.dumps(v, a.flag(0, "ensure_ascii", false), indentText, itemSep, keySep,
                    a.flag(3, "sort_keys", false));
        });
        filter("length", (v, a) -> Py.length(v));
        filter("count", (v, a) -> Py.length(v));
        filter("default", Builtins::defaultFilter);
        filter("d", Builtins::defaultFilter);
        filter("string", (v, a) -> v instanceof String ? v : Py.str(v));
        stringFilter("upper", s -> s.toUpperCase(Locale.ROOT));
        stringFilter("lower", s -> s.toLowerCase(Locale.ROOT));
        stringFilter("capitalize", StringMethods::capitalize);
        stringFilter("title", Builtins::title);
        filter("trim", (v, a) -> Py.strip(Py.str(v), a.string(0, "chars", null)));
        filter("replace", (v, a) -> StringMethods.replace(Py.str(v), Py.str(a.get(0, "old", "")),
                Py.str(a.get(1, "new", "")), a.has(2, "count") ? a.integer(2, "count", -1) : -1));
        filter("join", (v, a) -> {
            List<Object> items = Py.iterate(v);
            Object attribute = a.get(1, "attribute", null);
            StringBuilder b = new StringBuilder();
            String sep = Py.str(a.get(0, "d", ""));
            for (int i = 0; i < items.size(); i++) {
                b.append(i > 0 ? sep : "").append(Py.str(attribute == null ? items.get(i) : attribute(items.get(i), attribute)));
            }
            return b.toString();
        });
        filter("first", (v, a) -> {
            List<Object> items = Py.iterate(v);
            return items.isEmpty() ? new Undefined("No first item, sequence was empty.") : items.getFirst();
        });
        filter("last", (v, a) -> {
            List<Object> items = Py.iterate(v);
            return items.isEmpty() ? new Undefined("No last item, sequence was empty.") : items.getLast();
        });
        filter("list", (v, a) -> Py.iterate(v));
        filter("reverse", (v, a) -> {
            if (v instanceof String s) {
                return new StringBuilder(s).reverse().toString();
            }
            List<Object> items = Py.iterate(v);
            Collections.reverse(items);
            return items;
        });
        filter("items", (v, a) -> {
            if (v instanceof Undefined) {
                return List.of();
            }
            if (!(v instanceof Map<?, ?> m)) {
                throw JinjaException.runtime("can only get item pairs from a mapping");
            }
            return dictMethod(m, "items").call(List.of(), Map.of());
        });
        filter("dictsort", (v, a) -> {
            if (!(v instanceof Map<?, ?> m)) {
                throw JinjaException.runtime("dictsort expects a mapping");
            }
            boolean caseSensitive = a.flag(0, "case_sensitive", false);
            String by = a.string(1, "by", "key");
            int pos = switch (by) {
                case "key" -> 0;
                case "value" -> 1;
                default -> throw JinjaException.runtime("You can only sort by either \"key\" or \"value\"");
            };
            @SuppressWarnings("unchecked")
            List<Object> items = (List<Object>) dictMethod(m, "items").call(List.of(), Map.of());
            items.sort((x, y) -> Py.compare(sortKey(((List<?>) x).get(pos), caseSensitive),
                    sortKey(((List<?>) y).get(pos), caseSensitive), "<"));
            if (a.flag(2, "reverse", false)) {
                Collections.reverse(items);
            }
            return items;
        });
        filter("sort", (v, a) -> {
            List<Object> items = Py.iterate(v);
            boolean caseSensitive = a.flag(1, "case_sensitive", false);
            Object attribute = a.get(2, "attribute", null);
            Comparator<Object> order = (x, y) -> Py.compare(
                    sortKey(attribute == null ? x : attribute(x, attribute), caseSensitive),
                    sortKey(attribute == null ? y : attribute(y, attribute), caseSensitive), "<");
            items.sort(a.flag(0, "reverse", false) ? order.reversed() : order);
            return items;
        });
        filter("unique", (v, a) -> {
            boolean caseSensitive = a.flag(0, "case_sensitive", false);
            Object attribute = a.get(1, "attribute", null);
            List<Object> out = new ArrayList<>();
            List<Object> seen = new ArrayList<>();
            for (Object item : Py.iterate(v)) {
                Object key = sortKey(attribute == null ? item : attribute(item, attribute), caseSensitive);
                if (!Py.contains(seen, key)) {
                    seen.add(key);
                    out.add(item);
                }
            }
            return out;
        });
        filter("min", (v, a) -> extreme(v, a, -1));
        filter("max", (v, a) -> extreme(v, a, 1));
        filter("sum", (v, a) -> {
            Object attribute = a.get(0, "attribute", null);
            Object total = a.get(1, "start", 0L);
            for (Object item : Py.iterate(v)) {
                total = Arithmetic.apply("+", total, attribute == null ? item : attribute(item, attribute));
            }
            return total;
        });
        filter("map", (v, a) -> {
            List<Object> out = new ArrayList<>();
            if (a.kwargs().containsKey("attribute")) {
                Object attribute = a.kwargs().get("attribute");
                Object fallback = a.kwargs().get("default");
                for (Object item : Py.iterate(v)) {
                    Object x = attribute(item, attribute);
                    out.add(x instanceof Undefined && a.kwargs().containsKey("default") ? fallback : x);
                }
                return out;
            }
            if (a.positional().isEmpty()) {
                throw JinjaException.runtime("map requires a filter argument");
            }
            String name = Py.str(a.positional().getFirst());
            if (!hasFilter(name)) {
                throw JinjaException.runtime("no filter named '" + name + "'");
            }
            CallArgs rest = new CallArgs(a.positional().subList(1, a.positional().size()), a.kwargs());
            for (Object item : Py.iterate(v)) {
                out.add(filter(name, item, rest));
            }
            return out;
        });
        filter("select", (v, a) -> select(v, a, false, false));
        filter("reject", (v, a) -> select(v, a, true, false));
        filter("selectattr", (v, a) -> select(v, a, false, true));
        filter("rejectattr", (v, a) -> select(v, a, true, true));
        filter("int", (v, a) -> toInt(v, a.get(0, "default", 0L), a.integer(1, "base", 10)));
        filter("float", (v, a) -> toFloat(v, a.get(0, "default", 0.0)));
        filter("abs", (v, a) -> switch (v) {
            case Long l -> Math.abs(l);
            case Double d -> Math.abs(d);
            case Boolean b -> b ? 1L : 0L;
            case null, default -> throw JinjaException.runtime("bad operand type for abs(): '" + Py.typeName(v) + "'");
        });
        filter("round", (v, a) -> {
            long precision = a.integer(0, "precision", 0);
            String method = a.string(1, "method", "common");
            if (method.equals("common")) {
                if (Py.isInt(v)) {
                    return Py.toLong(v);
                }
                return new BigDecimal(Py.toDouble(v)).setScale((int) precision, RoundingMode.HALF_EVEN).doubleValue();
            }
            double scale = Math.pow(10, precision);
            return switch (method) {
                case "ceil" -> Math.ceil(Py.toDouble(v) * scale) / scale;
                case "floor" -> Math.floor(Py.toDouble(v) * scale) / scale;
                default -> throw JinjaException.runtime("method must be common, ceil or floor");
            };
        });
        filter("indent", (v, a) -> {
            Object width = a.get(0, "width", 4L);
            String pad = width instanceof String s ? s : " ".repeat((int) Py.toLong(width));
            List<String> lines = StringMethods.splitlines(Py.str(v) + "\n");
            String result;
            if (a.flag(2, "blank", false)) {
                result = String.join("\n" + pad, lines);
            } else {
                StringBuilder b = new StringBuilder(lines.getFirst());
                for (int i = 1; i < lines.size(); i++) {
                    b.append('\n').append(lines.get(i).isEmpty() ? "" : pad + lines.get(i));
                }
                result = b.toString();
            }
            return a.flag(1, "first", false) ? pad + result : result;
        });
        filter("center", (v, a) -> StringMethods.center(Py.str(v), (int) a.integer(0, "width", 80)));
        filter("wordcount", (v, a) -> {
            Matcher m = Pattern.compile("\\w+", Pattern.UNICODE_CHARACTER_CLASS).matcher(Py.str(v));
            long n = 0;
            while (m.find()) {
                n++;
            }
            return n;
        });
        filter("batch", (v, a) -> {
            long size = a.integer(0, "linecount", 1);
            Object fill = a.get(1, "fill_with", null);
            boolean doFill = a.has(1, "fill_with") && fill != null;
            List<Object> out = new ArrayList<>();
            List<Object> current = new ArrayList<>();
            for (Object item : Py.iterate(v)) {
                current.add(item);
                if (current.size() == size) {
                    out.add(current);
                    current = new ArrayList<>();
                }
            }
            if (!current.isEmpty()) {
                while (doFill && current.size() < size) {
                    current.add(fill);
                }
                out.add(current);
            }
            return out;
        });
        filter("format", (v, a) -> printf(Py.str(v), a.positional()));
        filter("safe", (v, a) -> v);
        filter("escape", (v, a) -> escape(Py.str(v)));
        filter("e", (v, a) -> escape(Py.str(v)));
        filter("forceescape", (v, a) -> escape(Py.str(v)));
        filter("attr", (v, a) -> getAttr(v, Py.str(a.get(0, "name", ""))));
    }

    private static Object defaultFilter(Object v, CallArgs a) {
        boolean useDefault = v instanceof Undefined || (a.flag(1, "boolean", false) && !Py.truthy(v));
        return useDefault ? a.get(0, "default_value", "") : v;
    }

    private static Object sortKey(Object v, boolean caseSensitive) {
        return !caseSensitive && v instanceof String s ? s.toLowerCase(Locale.ROOT) : v;
    }

    private static Object extreme(Object v, CallArgs a, int sign) {
        boolean caseSensitive = a.flag(0, "case_sensitive", false);
        Object attribute = a.get(1, "attribute", null);
        Object best = null;
        boolean found = false;
        for (Object item : Py.iterate(v)) {
            Object key = sortKey(attribute == null ? item : attribute(item, attribute), caseSensitive);
            if (!found || Py.compare(key, sortKey(attribute == null ? best : attribute(best, attribute), caseSensitive),
                    "<") * sign > 0) {
                best = item;
                found = true;
            }
        }
        return found ? best : new Undefined("No aggregated item, sequence was empty.");
    }

    /** {@code attribute='a.b'} or an integer, as Jinja2's make_attrgetter. */
    private static Object attribute(Object item, Object attribute) {
        if (Py.isInt(attribute)) {
            return getItem(item, attribute);
        }
        Object v = item;
        for (String part : Py.str(attribute).split("\\.")) {
            v = getItem(v, part.chars().allMatch(Character::isDigit) && !part.isEmpty() ? (Object) Long.parseLong(part) : part);
        }
        return v;
    }

    private static Object select(Object v, CallArgs a, boolean reject, boolean byAttribute) {
        int first = byAttribute ? 1 : 0;
        Object attribute = byAttribute ? a.get(0, "attribute", null) : null;
        String testName = a.positional().size() > first ? Py.str(a.positional().get(first)) : null;
        CallArgs testArgs = new CallArgs(a.positional().size() > first + 1
                ? a.positional().subList(first + 1, a.positional().size()) : List.of(), Map.of());
        List<Object> out = new ArrayList<>();
        for (Object item : Py.iterate(v)) {
            Object x = byAttribute ? attribute(item, attribute) : item;
            boolean passed = testName == null ? Py.truthy(x) : test(testName, x, testArgs);
            if (passed != reject) {
                out.add(item);
            }
        }
        return out;
    }

    private static Object toInt(Object v, Object fallback, long base) {
        return switch (v) {
            case Long l -> l;
            case Boolean b -> b ? 1L : 0L;
            case Double d -> Double.isFinite(d) ? (Object) (long) d.doubleValue() : fallback;
            case String s -> {
                String t = Py.strip(s, null).replace("_", "");
                try {
                    yield Long.parseLong(t.startsWith("+") ? t.substring(1) : t, (int) base);
                } catch (NumberFormatException e) {
                    Object f = toFloat(s, null);
                    yield f instanceof Double d && Double.isFinite(d) ? (Object) (long) d.doubleValue() : fallback;
                }
            }
            case null, default -> fallback;
        };
    }

    private static Object toFloat(Object v, Object fallback) {
        return switch (v) {
            case Double d -> d;
            case Long l -> (double) l;
            case Boolean b -> b ? 1.0 : 0.0;
            case String s -> {
                String t = Py.strip(s, null).replace("_", "").toLowerCase(Locale.ROOT);
                switch (t) {
                    case "inf", "+inf", "infinity", "+infinity" -> {
                        yield Double.POSITIVE_INFINITY;
                    }
                    case "-inf", "-infinity" -> {
                        yield Double.NEGATIVE_INFINITY;
                    }
                    case "nan", "+nan", "-nan" -> {
                        yield Double.NaN;
                    }
                    default -> {
                        if (!t.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)(e[+-]?\\d+)?")) {
                            yield fallback;
                        }
                        yield Double.parseDouble(t);
                    }
                }
            }
            case null, default -> fallback;
        };
    }

    private static String title(String s) {
        StringBuilder b = new StringBuilder();
        Matcher m = Pattern.compile("([-\\s({\\[<]+)", Pattern.UNICODE_CHARACTER_CLASS).matcher(s);
        int last = 0;
        List<String> parts = new ArrayList<>();
        while (m.find()) {
            parts.add(s.substring(last, m.start()));
            parts.add(m.group());
            last = m.end();
        }
        parts.add(s.substring(last));
        for (String item : parts) {
            if (!item.isEmpty()) {
                int cp = item.codePointAt(0);
                b.append(Character.toString(cp).toUpperCase(Locale.ROOT))
                        .append(item.substring(Character.charCount(cp)).toLowerCase(Locale.ROOT));
            }
        }
        return b.toString();
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&#34;")
                .replace("'", "&#39;");
    }

    /** Python's {@code format % args} for the common conversions ({@code %s %r %d %i %f %x %%}). */
    static String printf(String format, List<Object> args) {
        StringBuilder b = new StringBuilder();
        int next = 0;
        Matcher m = Pattern.compile("%([-+ 0#]*)(\\d*)(?:\\.(\\d+))?([srdifxXeEgGc%])").matcher(format);
        int last = 0;
        while (m.find()) {
            b.append(format, last, m.start());
            last = m.end();
            char conv = m.group(4).charAt(0);
            if (conv == '%') {
                b.append('%');
                continue;
            }
            if (next >= args.size()) {
                throw JinjaException.runtime("not enough arguments for format string");
            }
            Object arg = args.get(next++);
            String spec = "%" + m.group(1) + m.group(2) + (m.group(3) != null ? "." + m.group(3) : "");
            b.append(switch (conv) {
                case 's' -> String.format(spec + "s", Py.str(arg));
                case 'r' -> String.format(spec + "s", Py.repr(arg));
                case 'd', 'i' -> String.format(spec.replaceAll("\\.\\d+", "") + "d", (long) Py.toDouble(arg));
                case 'x', 'X' -> String.format(spec + conv, Py.toLong(arg));
                case 'c' -> Py.isInt(arg) ? Character.toString((int) Py.toLong(arg)) : Py.str(arg);
                default -> String.format(Locale.ROOT, spec + (m.group(3) == null ? ".6" : "") + conv, Py.toDouble(arg));
            });
        }
        if (next < args.size()) {
            throw JinjaException.runtime("not all arguments converted during string formatting");
        }
        return b.append(format.substring(last)).toString();
    }

    /** Python's {@code time.strftime} for the directives chat templates use. */
    static String strftime(String format, LocalDateTime t) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 >= format.length()) {
                b.append(c);
                continue;
            }
            char d = format.charAt(++i);
            String month = t.getMonth().getDisplayName(java.time.format.TextStyle.FULL, Locale.ENGLISH);
            String day = t.getDayOfWeek().getDisplayName(java.time.format.TextStyle.FULL, Locale.ENGLISH);
            b.append(switch (d) {
                case 'Y' -> String.valueOf(t.getYear());
                case 'y' -> String.format("%02d", t.getYear() % 100);
                case 'm' -> String.format("%02d", t.getMonthValue());
                case 'd' -> String.format("%02d", t.getDayOfMonth());
                case 'e' -> String.format("%2d", t.getDayOfMonth());
                case 'H' -> String.format("%02d", t.getHour());
                case 'I' -> String.format("%02d", (t.getHour() + 11) % 12 + 1);
                case 'M' -> String.format("%02d", t.getMinute());
                case 'S' -> String.format("%02d", t.getSecond());
                case 'p' -> t.getHour() < 12 ? "AM" : "PM";
                case 'B' -> month;
                case 'b', 'h' -> month.substring(0, 3);
                case 'A' -> day;
                case 'a' -> day.substring(0, 3);
                case 'j' -> String.format("%03d", t.getDayOfYear());
                case '%' -> "%";
                default -> "%" + d;
            });
        }
        return b.toString();
    }

    // ---- tests -------------------------------------------------------------------------------------

    private static void test(String name, BiFunction<Object, CallArgs, Boolean> t) {
        TESTS.put(name, t);
    }

    static {
        test("defined", (v, a) -> !(v instanceof Undefined));
        test("undefined", (v, a) -> v instanceof Undefined);
        test("none", (v, a) -> v == null);
        test("boolean", (v, a) -> v instanceof Boolean);
        test("true", (v, a) -> Boolean.TRUE.equals(v));
        test("false", (v, a) -> Boolean.FALSE.equals(v));
        test("integer", (v, a) -> v instanceof Long);
        test("float", (v, a) -> v instanceof Double);
        test("number", (v, a) -> Py.isNumber(v));
        test("string", (v, a) -> v instanceof String);
        test("mapping", (v, a) -> v instanceof Map);
        test("iterable", (v, a) -> v instanceof String || v instanceof List || v instanceof Map || v instanceof Undefined);
        test("sequence", (v, a) -> v instanceof String || v instanceof List || v instanceof Map || v instanceof Undefined);
        test("callable", (v, a) -> v instanceof Fn);
        test("escaped", (v, a) -> false);
        test("lower", (v, a) -> v instanceof String s && StringMethods.isLower(s));
        test("upper", (v, a) -> v instanceof String s && StringMethods.isUpper(s));
        test("odd", (v, a) -> Math.floorMod(Py.toLong(v), 2) == 1);
        test("even", (v, a) -> Math.floorMod(Py.toLong(v), 2) == 0);
        test("divisibleby", (v, a) -> Math.floorMod(Py.toLong(v), a.integer(0, "num", 1)) == 0);
        test("sameas", (v, a) -> {
            Object other = a.get(0, "other", null);
            return v == other || (v instanceof Boolean && v.equals(other));
        });
        test("in", (v, a) -> Py.contains(a.get(0, "seq", List.of()), v));
        test("filter", (v, a) -> v instanceof String s && hasFilter(s));
        test("test", (v, a) -> v instanceof String s && hasTest(s));
        BiFunction<Object, CallArgs, Boolean> eq = (v, a) -> Py.eq(v, a.get(0, "other", null));
        BiFunction<Object, CallArgs, Boolean> ne = (v, a) -> !Py.eq(v, a.get(0, "other", null));
        BiFunction<Object, CallArgs, Boolean> lt = (v, a) -> Py.compare(v, a.get(0, "other", null), "<") < 0;
        BiFunction<Object, CallArgs, Boolean> le = (v, a) -> Py.compare(v, a.get(0, "other", null), "<=") <= 0;
        BiFunction<Object, CallArgs, Boolean> gt = (v, a) -> Py.compare(v, a.get(0, "other", null), ">") > 0;
        BiFunction<Object, CallArgs, Boolean> ge = (v, a) -> Py.compare(v, a.get(0, "other", null), ">=") >= 0;
        for (String n : List.of("eq", "equalto", "==")) {
            test(n, eq);
        }
        for (String n : List.of("ne", "!=")) {
            test(n, ne);
        }
        for (String n : List.of("lt", "lessthan", "<")) {
            test(n, lt);
        }
        for (String n : List.of("le", "<=")) {
            test(n, le);
        }
        for (String n : List.of("gt", "greaterthan", ">")) {
            test(n, gt);
        }
        for (String n : List.of("ge", ">=")) {
            test(n, ge);
        }
    }
}
