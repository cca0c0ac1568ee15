package io.qwen4j.server.grammar;

import java.util.List;

/**
 * A JSON Schema compiled to what the grammar enforces: one node per schema, each a kind of JSON value
 * (or a choice between several). Made by {@link JsonSchemaCompiler}; stepped through by {@link JsonGrammar}.
 * Nodes compare by identity: they are shared, possibly recursive, trees, and grammar states that hold
 * them are compared and hashed often.
 */
public sealed interface Schema {
    /** Whitespace bytes allowed in a row between tokens (bounded, so a model cannot pad forever). */
    int MAX_WHITESPACE = 16;
    /** Digits of an integer part or a fraction: bounded, so numbers end. */
    int MAX_DIGITS = 16;
    int MAX_EXPONENT_DIGITS = 3;

    /** An object: the declared properties in their order (optional ones may be left out), then extra keys if allowed. */
    final class ObjectSchema implements Schema {
        private final List<Property> properties;
        private final Schema additional; // null: no other keys

        ObjectSchema(List<Property> properties, Schema additional) {
            this.properties = List.copyOf(properties);
            this.additional = additional;
        }

        List<Property> properties() {
            return properties;
        }

        Schema additional() {
            return additional;
        }

        /** Index of the first required property at or after {@code from}, or -1. */
        int nextRequired(int from) {
            for (int i = from; i < properties.size(); i++) {
                if (properties.get(i).required()) {
                    return i;
                }
            }
            return -1;
        }
    }

    /**
     * @param key the property name as JSON text without its opening quote, with its closing one
     *            ({@code name"}), the bytes the grammar matches after {@code "}
     */
    record Property(String name, byte[] key, Schema value, boolean required) {}

    /** An array of {@code items}, between {@code min} and {@code max} of them. */
    final class ArraySchema implements Schema {
        private final Schema items;
        private final int min;
        private final int max;

        ArraySchema(Schema items, int min, int max) {
            this.items = items;
            this.min = min;
            this.max = max;
        }

        Schema items() {
            return items;
        }

        int min() {
            return min;
        }

        int max() {
            return max;
        }
    }

    /** A string of {@code min} to {@code max} characters; lengths are tracked only when bounded. */
    record StringSchema(int min, int max) implements Schema {
        boolean counts() {
            return min > 0 || max < Integer.MAX_VALUE;
        }
    }

    /** A number; {@code integer}: without fraction or exponent. */
    record NumberSchema(boolean integer) implements Schema {}

    /** One of these exact JSON texts (enum, const, booleans, null), compact as Jackson writes them. */
    final class Literals implements Schema {
        private final List<byte[]> values;

        Literals(List<byte[]> values) {
            this.values = List.copyOf(values);
        }

        List<byte[]> values() {
            return values;
        }
    }

    /** Any one of the options (anyOf, a list of types). */
    final class AnyOf implements Schema {
        private final List<Schema> options;

        AnyOf(List<Schema> options) {
            this.options = List.copyOf(options);
        }

        List<Schema> options() {
            return options;
        }
    }

    /** A schema resolved later: {@code $ref} targets and recursive schemas. */
    final class Ref implements Schema {
        private Schema target;

        Schema target() {
            return target;
        }

        void resolve(Schema s) {
            target = s;
        }
    }
}
