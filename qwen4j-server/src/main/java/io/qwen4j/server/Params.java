package io.qwen4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.engine.GenerationDefaults;
import io.qwen4j.engine.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Typed reads of a request body's fields. A field that is absent or {@code null} takes its default; one
 * of the wrong type or out of range is a 400 naming it. Fields the server does not know are ignored,
 * as vLLM does.
 */
final class Params {
    private final ObjectNode body;

    Params(JsonNode body) {
        if (!body.isObject()) {
            throw ApiException.invalid("the request body must be a JSON object, got " + kind(body), null);
        }
        this.body = (ObjectNode) body;
    }

    ObjectNode body() {
        return body;
    }

    /** The field, or null when absent or JSON null. */
    JsonNode get(String name) {
        JsonNode v = body.get(name);
        return v == null || v.isNull() ? null : v;
    }

    boolean has(String name) {
        return get(name) != null;
    }

    static String kind(JsonNode v) {
        JsonNodeType t = v.getNodeType();
        return switch (t) {
            case OBJECT, POJO -> "an object";
            case ARRAY -> "an array";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            default -> t.name().toLowerCase(Locale.ROOT);
        };
    }

    static ApiException wrongType(String param, String expected, JsonNode got) {
        return ApiException.invalid("'" + param + "' must be " + expected + ", got " + kind(got), param);
    }

    String string(String name, String otherwise) {
        JsonNode v = get(name);
        if (v == null) {
            return otherwise;
        }
        if (!v.isTextual()) {
            throw wrongType(name, "a string", v);
        }
        return v.textValue();
    }

    boolean bool(String name, boolean otherwise) {
        JsonNode v = get(name);
        if (v == null) {
            return otherwise;
        }
        if (!v.isBoolean()) {
            throw wrongType(name, "a boolean", v);
        }
        return v.booleanValue();
    }

    /**
     * A boolean inside an object field, such as {@code stream_options.include_usage}: false when the object or the
     * boolean is absent or null.
     */
    boolean boolInObject(String object, String name) {
        JsonNode o = get(object);
        if (o == null) {
            return false;
        }
        if (!o.isObject()) {
            throw wrongType(object, "an object", o);
        }
        JsonNode v = o.get(name);
        if (v != null && !v.isNull() && !v.isBoolean()) {
            throw wrongType(object + "." + name, "a boolean", v);
        }
        return v != null && v.asBoolean();
    }

    /** An integer in [min, max], or {@code otherwise} when absent. */
    int integer(String name, int otherwise, int min, int max) {
        JsonNode v = get(name);
        if (v == null) {
            return otherwise;
        }
        return integer(v, name, min, max);
    }

    static int integer(JsonNode v, String name, int min, int max) {
        if (!v.isIntegralNumber() && !(v.isNumber() && v.asDouble() == Math.rint(v.asDouble()))) {
            throw wrongType(name, "an integer", v);
        }
        if (!v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
            throw ApiException.invalid("'" + name + "' must be between " + min + " and " + max + ", got " + v.asText(), name);
        }
        return (int) v.asLong();
    }

    /** A number in [min, max], or null when absent. */
    Double number(String name, double min, double max) {
        JsonNode v = get(name);
        if (v == null) {
            return null;
        }
        if (!v.isNumber()) {
            throw wrongType(name, "a number", v);
        }
        double d = v.asDouble();
        if (!(d >= min && d <= max)) {
            throw ApiException.invalid("'" + name + "' must be between " + fmt(min) + " and " + fmt(max) + ", got " + v.asText(), name);
        }
        return d;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    /** {@code stop}: a string or a list of up to 16 strings. */
    List<String> stop() {
        JsonNode v = get("stop");
        List<String> out = new ArrayList<>();
        if (v == null) {
            return out;
        }
        if (v.isTextual()) {
            out.add(v.textValue());
        } else if (v.isArray()) {
            if (v.size() > 16) {
                throw ApiException.invalid("'stop' may hold at most 16 strings, got " + v.size(), "stop");
            }
            for (JsonNode s : v) {
                if (!s.isTextual()) {
                    throw wrongType("stop", "a string or a list of strings", v);
                }
                out.add(s.textValue());
            }
        } else {
            throw wrongType("stop", "a string or a list of strings", v);
        }
        return out;
    }

    /**
     * The sampling parameters: the checkpoint's defaults overridden by {@code temperature},
     * {@code top_p}, {@code presence_penalty}, {@code frequency_penalty}, {@code seed} and the extras
     * {@code top_k}, {@code min_p}, {@code repetition_penalty}. The n-th choice gets seed + n.
     */
    SamplingParams sampling(GenerationDefaults defaults, long seed) {
        SamplingParams.Builder b = defaults.toBuilder();
        Double t = number("temperature", 0, 2);
        if (t != null) {
            b.temperature(t.floatValue());
        }
        Double p = number("top_p", 0, 1);
        if (p != null) {
            b.topP(p == 0 ? Float.MIN_NORMAL : p.floatValue()); // OpenAI accepts 0: keep only the top token
        }
        if (has("top_k")) {
            int k = integer("top_k", 0, -1, Integer.MAX_VALUE);
            b.topK(Math.max(0, k)); // vLLM's -1 means all, as 0 does here
        }
        Double minP = number("min_p", 0, 1);
        if (minP != null) {
            b.minP(minP.floatValue());
        }
        Double rep = number("repetition_penalty", Double.MIN_NORMAL, 100);
        if (rep != null) {
            b.repetitionPenalty(rep.floatValue());
        }
        Double pres = number("presence_penalty", -2, 2);
        if (pres != null) {
            b.presencePenalty(pres.floatValue());
        }
        Double freq = number("frequency_penalty", -2, 2);
        if (freq != null) {
            b.frequencyPenalty(freq.floatValue());
        }
        b.seed(seed);
        return b.build();
    }

    /** The request's {@code seed}, or a random one. */
    long seed() {
        JsonNode v = get("seed");
        if (v == null) {
            return ThreadLocalRandom.current().nextLong();
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw wrongType("seed", "an integer", v);
        }
        return v.asLong();
    }

    /** {@code max_completion_tokens} or its older name {@code max_tokens}; 0 when neither is given. */
    int maxTokens() {
        String name = has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
        return integer(name, 0, 1, Integer.MAX_VALUE);
    }

    String maxTokensName() {
        return has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
    }
}
