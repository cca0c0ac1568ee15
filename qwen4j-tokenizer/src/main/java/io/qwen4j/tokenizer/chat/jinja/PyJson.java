package io.qwen4j.tokenizer.chat.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps} over template values, as transformers' {@code tojson} filter calls it
 * ({@code ensure_ascii=False} by default, separators {@code ", "} and {@code ": "}, or {@code ","} and
 * {@code ": "} with an indent, keys in insertion order unless sorted).
 */
public final class PyJson {
    private PyJson() {
    }

    /** {@code json.dumps(value, ensure_ascii=False)}: what {@code {{ value | tojson }}} prints. */
    public static String dumps(Object value) {
        return dumps(value, false, null, null, null, false);
    }

    static String dumps(Object value, boolean ensureAscii, String indent, String itemSep, String keySep, boolean sortKeys) {
        String item = itemSep != null ? itemSep : indent == null ? ", " : ",";
        String key = keySep != null ? keySep : ": ";
        StringBuilder out = new StringBuilder();
        new Writer(out, ensureAscii, indent, item, key, sortKeys).write(value, 0);
        return out.toString();
    }

    private record Writer(StringBuilder out, boolean ensureAscii, String indent, String itemSep, String keySep,
                          boolean sortKeys) {
        void write(Object v, int level) {
            switch (v) {
                case null -> out.append("null");
                case Boolean b -> out.append(b ? "true" : "false");
                case Long l -> out.append(l);
                case Double d -> out.append(floatJson(d));
                case String s -> string(s);
                case List<?> l -> {
                    if (l.isEmpty()) {
                        out.append("[]");
                        return;
                    }
                    out.append('[');
                    for (int i = 0; i < l.size(); i++) {
                        out.append(i > 0 ? itemSep : "");
                        newline(level + 1);
                        write(l.get(i), level + 1);
                    }
                    newline(level);
                    out.append(']');
                }
                case Map<?, ?> m -> {
                    if (m.isEmpty()) {
                        out.append("{}");
                        return;
                    }
                    List<Map.Entry<?, ?>> entries = new ArrayList<>(m.entrySet());
                    if (sortKeys) {
                        entries.sort((x, y) -> Py.compare(x.getKey(), y.getKey(), "<"));
                    }
                    out.append('{');
                    boolean first = true;
                    for (Map.Entry<?, ?> e : entries) {
                        out.append(first ? "" : itemSep);
                        first = false;
                        newline(level + 1);
                        string(key(e.getKey()));
                        out.append(keySep);
                        write(e.getValue(), level + 1);
                    }
                    newline(level);
                    out.append('}');
                }
                default -> throw JinjaException.runtime("Object of type " + Py.typeName(v) + " is not JSON serializable");
            }
        }

        private static String key(Object k) {
            return switch (k) {
                case String s -> s;
                case null -> "null";
                case Boolean b -> b ? "true" : "false";
                case Long l -> l.toString();
                case Double d -> floatJson(d);
                default -> throw JinjaException.runtime("keys must be str, int, float, bool or None, not " + Py.typeName(k));
            };
        }

        private void newline(int level) {
            if (indent != null) {
                out.append('\n').append(indent.repeat(level));
            }
        }

        private void string(String s) {
            out.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"' -> out.append("\\\"");
                    case '\\' -> out.append("\\\\");
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    case '\t' -> out.append("\\t");
                    case '\b' -> out.append("\\b");
                    case '\f' -> out.append("\\f");
                    default -> {
                        if (c < 0x20 || (ensureAscii && c > 0x7e)) {
                            out.append(String.format("\\u%04x", (int) c));
                        } else {
                            out.append(c);
                        }
                    }
                }
            }
            out.append('"');
        }
    }

    private static String floatJson(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        return Py.floatRepr(d);
    }
}
