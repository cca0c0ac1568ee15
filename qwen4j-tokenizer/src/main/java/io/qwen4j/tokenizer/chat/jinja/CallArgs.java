package io.qwen4j.tokenizer.chat.jinja;

import java.util.List;
import java.util.Map;

/** Evaluated arguments of a call, filter or test, bound to Python-style parameters by position or name. */
record CallArgs(List<Object> positional, Map<String, Object> kwargs) {
    static final CallArgs NONE = new CallArgs(List.of(), Map.of());

    /** The argument at {@code index} (after the filtered value) or named {@code name}, else {@code fallback}. */
    Object get(int index, String name, Object fallback) {
        if (index < positional.size()) {
            return positional.get(index);
        }
        return kwargs.containsKey(name) ? kwargs.get(name) : fallback;
    }

    boolean has(int index, String name) {
        return index < positional.size() || kwargs.containsKey(name);
    }

    /** Fails like Python on more positional arguments than {@code params} or an unknown keyword. */
    CallArgs check(String function, String... params) {
        if (positional.size() > params.length) {
            throw JinjaException.runtime(function + "() takes at most " + params.length + " argument(s) ("
                    + positional.size() + " given)");
        }
        for (String k : kwargs.keySet()) {
            if (!List.of(params).contains(k)) {
                throw JinjaException.runtime(function + "() got an unexpected keyword argument '" + k + "'");
            }
        }
        return this;
    }

    String string(int index, String name, String fallback) {
        Object v = get(index, name, fallback);
        if (v != null && !(v instanceof String)) {
            throw JinjaException.runtime("argument '" + name + "' must be a string, not " + Py.typeName(v));
        }
        return (String) v;
    }

    long integer(int index, String name, long fallback) {
        Object v = get(index, name, fallback);
        if (!Py.isInt(v)) {
            throw JinjaException.runtime("argument '" + name + "' must be an integer, not " + Py.typeName(v));
        }
        return Py.toLong(v);
    }

    boolean flag(int index, String name, boolean fallback) {
        return Py.truthy(get(index, name, fallback));
    }
}
