package io.qwen4j.formats;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.common.ModelFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Typed, read-only access to a {@code config.json} (or a nested section of one). Getters take several
 * spellings of a field because transformers renamed some between 4.x and 5.x ({@code num_experts} /
 * {@code num_local_experts}, {@code rope_theta} / {@code rope_parameters.rope_theta}); the first present
 * one wins. A required field that is absent or of the wrong type is an error naming the file.
 */
public final class ConfigJson {
    private final JsonNode node;
    private final String where;

    public ConfigJson(JsonNode node, String where) {
        this.node = node;
        this.where = where;
    }

    public static ConfigJson read(Path file) {
        JsonNode root = Json.read(file);
        if (!root.isObject()) {
            throw new ModelFileException(file + " is not a JSON object");
        }
        return new ConfigJson(root, file.getFileName().toString());
    }

    /** A config with no fields, for an optional file that is absent. */
    public static ConfigJson empty(String where) {
        return new ConfigJson(Json.MAPPER.createObjectNode(), where);
    }

    public JsonNode node() {
        return node;
    }

    /** Where this section comes from, e.g. {@code config.json} or {@code config.json:thinker_config}. */
    public String where() {
        return where;
    }

    /** The keys of this object, in file order. */
    public java.util.List<String> keys() {
        java.util.List<String> keys = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    public boolean has(String name) {
        JsonNode v = node.get(name);
        return v != null && !v.isNull();
    }

    /** A nested object, if present. */
    public Optional<ConfigJson> section(String name) {
        JsonNode v = node.get(name);
        return v != null && v.isObject() ? Optional.of(new ConfigJson(v, where + ":" + name)) : Optional.empty();
    }

    private Optional<JsonNode> first(String... names) {
        for (String n : names) {
            JsonNode v = node.get(n);
            if (v != null && !v.isNull()) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }

    private ModelFileException missing(String... names) {
        return new ModelFileException(where + " has no " + String.join(" or ", names));
    }

    public Optional<String> string(String... names) {
        return first(names).map(JsonNode::asText);
    }

    public int requireInt(String... names) {
        return optionalInt(names).orElseThrow(() -> missing(names));
    }

    public Optional<Integer> optionalInt(String... names) {
        return first(names).map(v -> {
            if (!v.canConvertToInt() || !(v.isIntegralNumber() || (v.isNumber() && v.asDouble() == Math.rint(v.asDouble())))) {
                throw new ModelFileException(where + ": " + names[0] + " should be an integer, got " + v);
            }
            return v.asInt();
        });
    }

    public int intOr(int fallback, String... names) {
        return optionalInt(names).orElse(fallback);
    }

    public double requireDouble(String... names) {
        return optionalDouble(names).orElseThrow(() -> missing(names));
    }

    public Optional<Double> optionalDouble(String... names) {
        return first(names).map(v -> {
            if (!v.isNumber()) {
                throw new ModelFileException(where + ": " + names[0] + " should be a number, got " + v);
            }
            return v.asDouble();
        });
    }

    public double doubleOr(double fallback, String... names) {
        return optionalDouble(names).orElse(fallback);
    }

    public boolean boolOr(boolean fallback, String... names) {
        return first(names).map(v -> {
            if (!v.isBoolean()) {
                throw new ModelFileException(where + ": " + names[0] + " should be true or false, got " + v);
            }
            return v.asBoolean();
        }).orElse(fallback);
    }

    /** An integer or a list of integers (e.g. {@code eos_token_id}) as an array; empty when absent. */
    public int[] intList(String... names) {
        return first(names).map(v -> {
            if (v.isArray()) {
                int[] out = new int[v.size()];
                for (int i = 0; i < out.length; i++) {
                    out[i] = v.get(i).asInt();
                }
                return out;
            }
            return new int[] {v.asInt()};
        }).orElse(new int[0]);
    }
}
