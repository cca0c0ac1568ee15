package io.qwen4j.server.grammar;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import io.qwen4j.common.InvalidInputException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compiles the JSON Schema subset that structured outputs use into a {@link Schema}: {@code type}
 * (one or a list), {@code properties}, {@code required}, {@code additionalProperties}, {@code items},
 * {@code minItems}/{@code maxItems}, {@code minLength}/{@code maxLength}, {@code enum}, {@code const},
 * {@code anyOf}, and {@code $ref} to {@code #}, {@code #/$defs/...} or {@code #/definitions/...}
 * (recursion allowed). Annotations ({@code title}, {@code description}, {@code default}, ...) are
 * ignored. Any other keyword ({@code pattern}, {@code format}, {@code minimum}, {@code oneOf}, ...) is
 * refused with an {@link InvalidInputException} naming it and where it is, since the output could not
 * be guaranteed to satisfy it.
 *
 * <p>Objects: properties come in the order they are declared; optional ones may be left out. Without
 * {@code additionalProperties}, an object with {@code properties} takes no other keys (as OpenAI's
 * strict mode requires) and one without takes any; {@code true} or a schema allows extra keys after the
 * declared ones.
 */
public final class JsonSchemaCompiler {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> ANNOTATIONS = Set.of("title", "description", "default", "examples", "$schema", "$id",
            "$comment", "deprecated", "readOnly", "writeOnly", "$defs", "definitions");
    private static final Set<String> KEYWORDS = Set.of("type", "properties", "required", "additionalProperties", "items",
            "minItems", "maxItems", "minLength", "maxLength", "enum", "const", "anyOf", "$ref");
    private static final Set<String> TYPES = Set.of("object", "array", "string", "number", "integer", "boolean", "null");

    /** Any JSON value. */
    public static final Schema ANY = any();

    private final JsonNode root;
    private final String where;
    private final Map<String, Schema.Ref> refs = new HashMap<>();

    private JsonSchemaCompiler(JsonNode root, String where) {
        this.root = root;
        this.where = where;
    }

    /**
     * Compiles {@code schema}; {@code where} names it in error messages (e.g. {@code response_format.json_schema.schema}).
     *
     * @throws InvalidInputException when the schema is malformed or uses an unsupported keyword
     */
    public static Schema compile(JsonNode schema, String where) {
        JsonSchemaCompiler c = new JsonSchemaCompiler(schema, where);
        Schema s = c.node(schema, "");
        c.refuseLeftRecursion(s, new java.util.HashSet<>());
        return s;
    }

    /**
     * A schema that is one of its own options before any byte is read ({@code {"$ref": "#"}},
     * {@code {"anyOf": [{"$ref": "#"}, ...]}}) would send the automaton round in circles: refused. Recursion
     * through an object or an array is fine (a '{' or '[' comes first).
     */
    private void refuseLeftRecursion(Schema s, Set<Schema> path) {
        switch (s) {
            case Schema.Ref r -> {
                if (!path.add(r)) {
                    throw error("", "the schema refers to itself through $ref/anyOf with no object or array in between");
                }
                refuseLeftRecursion(r.target(), path);
                path.remove(r);
            }
            case Schema.AnyOf a -> a.options().forEach(o -> refuseLeftRecursion(o, path));
            default -> { }
        }
    }

    private static Schema any() {
        Schema.Ref any = new Schema.Ref();
        any.resolve(new Schema.AnyOf(List.of(
                new Schema.ObjectSchema(List.of(), any),
                new Schema.ArraySchema(any, 0, Integer.MAX_VALUE),
                new Schema.StringSchema(0, Integer.MAX_VALUE),
                new Schema.NumberSchema(false),
                literals("true", "false", "null"))));
        return any;
    }

    private static Schema.Literals literals(String... texts) {
        List<byte[]> values = new ArrayList<>();
        for (String t : texts) {
            values.add(t.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return new Schema.Literals(values);
    }

    private InvalidInputException error(String path, String problem) {
        return new InvalidInputException(where + (path.isEmpty() ? "" : " at " + path) + ": " + problem);
    }

    private Schema node(JsonNode s, String path) {
        if (s.isBoolean()) {
            if (s.booleanValue()) {
                return ANY;
            }
            throw error(path, "the schema false allows no value");
        }
        if (!s.isObject()) {
            throw error(path, "a schema must be a JSON object, got " + s.getNodeType().toString().toLowerCase(java.util.Locale.ROOT));
        }
        for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!KEYWORDS.contains(k) && !ANNOTATIONS.contains(k)) {
                throw error(path, "the keyword \"" + k + "\" is not supported by constrained decoding (supported: "
                        + String.join(", ", new java.util.TreeSet<>(KEYWORDS)) + ")");
            }
        }
        if (s.has("$ref")) {
            if (s.size() > 1 && has(s, KEYWORDS, "$ref")) {
                throw error(path, "\"$ref\" next to other keywords is not supported");
            }
            return ref(s.get("$ref"), path);
        }
        if (s.has("const")) {
            return new Schema.Literals(List.of(bytes(s.get("const"))));
        }
        if (s.has("enum")) {
            JsonNode e = s.get("enum");
            if (!e.isArray() || e.isEmpty()) {
                throw error(path + "/enum", "\"enum\" must be a non-empty array");
            }
            Set<String> seen = new LinkedHashSet<>();
            List<byte[]> values = new ArrayList<>();
            for (JsonNode v : e) {
                byte[] b = bytes(v);
                if (seen.add(new String(b, java.nio.charset.StandardCharsets.UTF_8))) {
                    values.add(b);
                }
            }
            return new Schema.Literals(values);
        }
        if (s.has("anyOf")) {
            JsonNode a = s.get("anyOf");
            if (!a.isArray() || a.isEmpty()) {
                throw error(path + "/anyOf", "\"anyOf\" must be a non-empty array of schemas");
            }
            if (has(s, KEYWORDS, "anyOf")) {
                throw error(path, "\"anyOf\" next to other keywords is not supported: put them inside each option");
            }
            List<Schema> options = new ArrayList<>();
            for (int i = 0; i < a.size(); i++) {
                options.add(node(a.get(i), path + "/anyOf/" + i));
            }
            return options.size() == 1 ? options.getFirst() : new Schema.AnyOf(options);
        }
        List<String> types = types(s, path);
        if (types.isEmpty()) {
            if (s.has("properties") || s.has("additionalProperties") || s.has("required")) {
                types = List.of("object");
            } else if (s.has("items") || s.has("minItems") || s.has("maxItems")) {
                types = List.of("array");
            } else if (s.has("minLength") || s.has("maxLength")) {
                types = List.of("string");
            } else {
                return ANY;
            }
        }
        List<Schema> options = new ArrayList<>();
        for (String t : types) {
            options.add(switch (t) {
                case "object" -> object(s, path);
                case "array" -> array(s, path);
                case "string" -> new Schema.StringSchema(count(s, "minLength", 0, path), count(s, "maxLength", Integer.MAX_VALUE, path));
                case "number" -> new Schema.NumberSchema(false);
                case "integer" -> new Schema.NumberSchema(true);
                case "boolean" -> literals("true", "false");
                case "null" -> literals("null");
                default -> throw new IllegalStateException(t);
            });
        }
        return options.size() == 1 ? options.getFirst() : new Schema.AnyOf(options);
    }

    private static boolean has(JsonNode s, Set<String> keywords, String except) {
        for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!k.equals(except) && keywords.contains(k)) {
                return true;
            }
        }
        return false;
    }

    private List<String> types(JsonNode s, String path) {
        JsonNode t = s.get("type");
        if (t == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (t.isTextual()) {
            out.add(t.textValue());
        } else if (t.isArray() && !t.isEmpty()) {
            t.forEach(x -> out.add(x.isTextual() ? x.textValue() : String.valueOf(x)));
        } else {
            throw error(path + "/type", "\"type\" must be a type name or a non-empty list of them");
        }
        for (String name : out) {
            if (!TYPES.contains(name)) {
                throw error(path + "/type", "unknown type \"" + name + "\" (JSON Schema's types: " + String.join(", ", new java.util.TreeSet<>(TYPES)) + ")");
            }
        }
        return out;
    }

    private Schema object(JsonNode s, String path) {
        JsonNode props = s.path("properties");
        if (!props.isMissingNode() && !props.isObject()) {
            throw error(path + "/properties", "\"properties\" must be an object of schemas");
        }
        Set<String> required = new HashSet<>();
        JsonNode req = s.path("required");
        if (!req.isMissingNode()) {
            if (!req.isArray()) {
                throw error(path + "/required", "\"required\" must be an array of property names");
            }
            for (JsonNode r : req) {
                if (!r.isTextual()) {
                    throw error(path + "/required", "\"required\" must be an array of property names");
                }
                if (!props.has(r.textValue())) {
                    throw error(path + "/required", "required property \"" + r.textValue() + "\" is not in \"properties\"");
                }
                required.add(r.textValue());
            }
        }
        List<Schema.Property> list = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : props.properties()) {
            byte[] quoted = bytes(TextNode.valueOf(e.getKey()));
            list.add(new Schema.Property(e.getKey(), java.util.Arrays.copyOfRange(quoted, 1, quoted.length),
                    node(e.getValue(), path + "/properties/" + e.getKey()), required.contains(e.getKey())));
        }
        JsonNode add = s.get("additionalProperties");
        Schema additional;
        if (add == null) {
            additional = props.isMissingNode() ? ANY : null;
        } else if (add.isBoolean()) {
            additional = add.booleanValue() ? ANY : null;
        } else {
            additional = node(add, path + "/additionalProperties");
        }
        return new Schema.ObjectSchema(List.copyOf(list), additional);
    }

    private Schema array(JsonNode s, String path) {
        Schema items = s.has("items") ? node(s.get("items"), path + "/items") : ANY;
        int min = count(s, "minItems", 0, path);
        int max = count(s, "maxItems", Integer.MAX_VALUE, path);
        if (min > max) {
            throw error(path, "minItems " + min + " is above maxItems " + max);
        }
        return new Schema.ArraySchema(items, min, max);
    }

    private int count(JsonNode s, String key, int absent, String path) {
        JsonNode v = s.get(key);
        if (v == null) {
            return absent;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.intValue() < 0) {
            throw error(path + "/" + key, "\"" + key + "\" must be a non-negative integer");
        }
        return v.intValue();
    }

    private Schema ref(JsonNode r, String path) {
        if (!r.isTextual() || !r.textValue().startsWith("#")) {
            throw error(path + "/$ref", "only local references (\"#\", \"#/$defs/Name\") are supported");
        }
        String pointer = r.textValue().substring(1);
        Schema.Ref ref = refs.get(pointer);
        if (ref != null) {
            return ref;
        }
        JsonNode target;
        try {
            target = pointer.isEmpty() ? root : root.at(pointer);
        } catch (IllegalArgumentException e) {
            target = com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        }
        if (target.isMissingNode()) {
            throw error(path + "/$ref", "the reference \"" + r.textValue() + "\" points at nothing");
        }
        ref = new Schema.Ref();
        refs.put(pointer, ref);
        ref.resolve(node(target, pointer));
        return ref;
    }

    private static byte[] bytes(JsonNode value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
