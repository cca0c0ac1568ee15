package io.qwen4j.server.grammar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import io.qwen4j.common.InvalidInputException;
import io.qwen4j.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The JSON grammar against the reference validator (networknt's JSON Schema 2020-12): documents the
 * validator accepts are accepted byte by byte and those it refuses are refused; and random walks that
 * take any token the mask allows, on the demo tokenizer and on Qwen3's, always end in JSON that parses
 * and validates.
 */
class JsonGrammarTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final JsonSchemaFactory VALIDATORS = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);

    /** Schemas of the kinds structured outputs use (Pydantic's shapes among them). */
    static final List<String> SCHEMAS = List.of(
            """
            {"type": "object", "properties": {"city": {"type": "string", "maxLength": 12}, "days": {"type": "integer"},
             "unit": {"enum": ["celsius", "fahrenheit"]}}, "required": ["city", "days"], "additionalProperties": false}""",
            """
            {"type": "object", "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 8},
             "tags": {"type": "array", "items": {"type": "string", "maxLength": 4}, "minItems": 1, "maxItems": 3},
             "score": {"anyOf": [{"type": "number"}, {"type": "null"}]}, "ok": {"type": "boolean"}},
             "required": ["name", "tags", "score", "ok"]}""",
            """
            {"$defs": {"Node": {"type": "object", "properties": {"v": {"type": "integer"},
               "kids": {"type": "array", "items": {"$ref": "#/$defs/Node"}, "maxItems": 2}}, "required": ["v", "kids"]}},
             "$ref": "#/$defs/Node"}""",
            """
            {"type": ["array", "null"], "items": {"type": "object", "properties": {"k": {"const": "x\\"y"}, "n": {"type": "number"}},
             "required": ["k"], "additionalProperties": {"type": "integer"}}, "maxItems": 2}""",
            """
            {"type": "object", "properties": {"a": {"type": "object"}, "b": {"enum": [1, 12, "s", null, true, {"z": [1]}]}},
             "required": ["b"]}""");

    static Tokenizer demoTokenizer() {
        return Tokenizer.load(Path.of(System.getProperty("qwen4j.demoModel")));
    }

    static boolean accepts(Schema schema, String text) {
        List<JsonGrammar.Stack> states = List.of(Grammars.json(schema));
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            states = JsonGrammar.step(states, b & 0xff);
            if (states.isEmpty()) {
                return false;
            }
        }
        return states.stream().anyMatch(JsonGrammar::accepting);
    }

    static boolean valid(JsonSchema validator, String text) {
        try {
            return validator.validate(JSON.readTree(text)).isEmpty();
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void theGrammarAcceptsWhatTheValidatorAcceptsAndRefusesTheRest() {
        // candidate documents: compact, with properties in the declared order, whitespace where JSON allows it
        List<List<String>> candidates = List.of(
                List.of("{\"city\":\"Paris\",\"days\":3}", "{\"city\": \"Paris\", \"days\": 3, \"unit\": \"celsius\"}",
                        "{\"city\":\"Paris\"}", "{\"city\":\"Paris\",\"days\":3.5}", "{\"city\":\"ParisParisParisParis\",\"days\":3}",
                        "{\"city\":\"Paris\",\"days\":3,\"unit\":\"kelvin\"}", "{\"city\":\"Paris\",\"days\":3,\"x\":1}",
                        "{\"city\":\"\\u00e9t\\u00e9\",\"days\":-0}", "{\"city\":\"été\",\"days\":10}", "[]", "{\"city\":\"a\",\"days\":01}"),
                List.of("{\"name\":\"a\",\"tags\":[\"x\"],\"score\":null,\"ok\":true}", "{\"name\":\"\",\"tags\":[\"x\"],\"score\":1,\"ok\":true}",
                        "{\"name\":\"a\",\"tags\":[],\"score\":1e5,\"ok\":false}", "{\"name\":\"a\",\"tags\":[\"a\",\"b\",\"c\",\"d\"],\"score\":1,\"ok\":true}",
                        "{\"name\":\"a\",\"tags\":[\"abcde\"],\"score\":1,\"ok\":true}", "{\"name\":\"ab\",\"tags\":[\"ab\",\"cd\"],\"score\":-1.25E-3,\"ok\":false}"),
                List.of("{\"v\":1,\"kids\":[]}", "{\"v\":1,\"kids\":[{\"v\":2,\"kids\":[{\"v\":3,\"kids\":[]}]},{\"v\":4,\"kids\":[]}]}",
                        "{\"v\":1,\"kids\":[{\"v\":2}]}", "{\"v\":1,\"kids\":[{\"v\":2,\"kids\":[]},{\"v\":2,\"kids\":[]},{\"v\":2,\"kids\":[]}]}"),
                List.of("null", "[]", "[{\"k\":\"x\\\"y\"}]", "[{\"k\":\"x\\\"y\",\"n\":2.5,\"extra\":7}]", "[{\"k\":\"x\\\"y\",\"extra\":\"s\"}]",
                        "[{\"k\":\"xy\"}]", "[{\"k\":\"x\\\"y\"},{\"k\":\"x\\\"y\"},{\"k\":\"x\\\"y\"}]"),
                List.of("{\"b\":1}", "{\"b\":12}", "{\"b\":123}", "{\"b\":\"s\"}", "{\"b\":null}", "{\"b\":{\"z\":[1]}}", "{\"a\":{\"q\":[1,{}]},\"b\":true}",
                        "{\"a\":[],\"b\":1}", "{\"b\":false}"));
        int checked = 0;
        for (int i = 0; i < SCHEMAS.size(); i++) {
            JsonNode node = read(SCHEMAS.get(i));
            Schema schema = JsonSchemaCompiler.compile(node, "schema " + i);
            JsonSchema validator = VALIDATORS.getSchema(node);
            for (String doc : candidates.get(i)) {
                assertEquals(valid(validator, doc), accepts(schema, doc), "schema " + i + ", document " + doc);
                checked++;
            }
        }
        assertTrue(checked > 30);
    }

    @Test
    void randomWalksOnTheDemoVocabularyEndInValidJson() {
        Tokenizer tokenizer = demoTokenizer();
        walks(tokenizer, 2048, new int[] {2000, 2002}, 40, 400);
    }

    @Test
    void randomWalksOnQwen3sVocabularyEndInValidJson() {
        Tokenizer tokenizer = Tokenizer.load(Path.of(System.getProperty("qwen4j.fixtures"), "tokenizer", "qwen3", "tokenizer.json.gz"));
        int eos = tokenizer.tokenId("<|im_end|>").orElseThrow();
        walks(tokenizer, 151936, new int[] {eos}, 4, 300);
    }

    /** Draws tokens at random among those the mask allows (random logits), until a stop id or the step limit. */
    private static void walks(Tokenizer tokenizer, int modelVocab, int[] stops, int perSchema, int maxSteps) {
        Vocabulary vocabulary = new Vocabulary(tokenizer, modelVocab);
        SplittableRandom random = new SplittableRandom(7);
        int ended = 0;
        int walks = 0;
        long maskNanos = 0;
        long masks = 0;
        for (int i = 0; i < SCHEMAS.size(); i++) {
            JsonNode node = read(SCHEMAS.get(i));
            Schema schema = JsonSchemaCompiler.compile(node, "schema " + i);
            JsonSchema validator = VALIDATORS.getSchema(node);
            for (int w = 0; w < perSchema; w++) {
                walks++;
                GrammarConstraint c = new GrammarConstraint(vocabulary, stops, Grammars.start(Grammars.json(schema), Grammars.Reasoning.NONE));
                StringBuilder hex = new StringBuilder();
                java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
                float[] logits = new float[modelVocab];
                boolean stopped = false;
                for (int step = 0; step < maxSteps && !stopped; step++) {
                    for (int t = 0; t < modelVocab; t++) {
                        logits[t] = (float) (random.nextDouble() * 4);
                    }
                    // the end comes sooner when it is allowed: favour stop ids a little, as a model would
                    for (int s : stops) {
                        logits[s] += 3;
                    }
                    long t0 = System.nanoTime();
                    c.mask(logits, 0, modelVocab);
                    maskNanos += System.nanoTime() - t0;
                    masks++;
                    int best = -1;
                    for (int t = 0; t < modelVocab; t++) {
                        if (logits[t] != Float.NEGATIVE_INFINITY && (best < 0 || logits[t] > logits[best])) {
                            best = t;
                        }
                    }
                    assertTrue(best >= 0, "the mask allowed nothing after " + out.toString(StandardCharsets.UTF_8));
                    int token = best;
                    if (java.util.Arrays.stream(stops).anyMatch(s -> s == token)) {
                        stopped = true;
                    } else {
                        c.accept(token);
                        out.writeBytes(tokenizer.tokenBytes(token));
                        hex.append(token).append(' ');
                    }
                }
                if (stopped) {
                    ended++;
                    String text = out.toString(StandardCharsets.UTF_8);
                    assertTrue(valid(validator, text), "schema " + i + ": the walk ended with invalid JSON " + text + " (tokens " + hex + ")");
                }
            }
        }
        System.out.printf(java.util.Locale.ROOT, "%s: %d of %d random walks ended (the rest hit the step limit), every one valid JSON;"
                + " %d masks, %.2f ms each on average (cached ones included)%n", tokenizer, ended, walks, masks, maskNanos / 1e6 / masks);
        assertTrue(ended * 2 > walks, "most walks should end: " + ended + " of " + walks);
    }

    @Test
    void unsupportedKeywordsAreRefusedByName() {
        for (String kw : List.of("{\"type\": \"string\", \"pattern\": \"^a\"}", "{\"type\": \"string\", \"format\": \"email\"}",
                "{\"type\": \"integer\", \"minimum\": 0}", "{\"oneOf\": [{\"type\": \"string\"}]}",
                "{\"type\": \"object\", \"properties\": {\"a\": {\"not\": {}}}}")) {
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> JsonSchemaCompiler.compile(read(kw), "schema"));
            String name = read(kw).has("properties") ? "not" : read(kw).properties().stream().map(java.util.Map.Entry::getKey)
                    .filter(k -> !k.equals("type")).findFirst().orElseThrow();
            assertTrue(e.getMessage().contains("\"" + name + "\""), e.getMessage());
        }
        for (String bad : List.of("{\"type\": \"strin\"}", "{\"type\": \"object\", \"required\": [\"x\"], \"properties\": {}}",
                "{\"$ref\": \"#/$defs/Missing\"}", "[1]", "{\"type\": \"array\", \"minItems\": 3, \"maxItems\": 1}", "{\"enum\": []}",
                "{\"$ref\": \"#\"}", "{\"anyOf\": [{\"type\": \"null\"}, {\"$ref\": \"#/$defs/a\"}], \"$defs\": {\"a\": {\"$ref\": \"#\"}}}")) {
            assertThrows(InvalidInputException.class, () -> JsonSchemaCompiler.compile(read(bad), "schema"), bad);
        }
    }

    static JsonNode read(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
