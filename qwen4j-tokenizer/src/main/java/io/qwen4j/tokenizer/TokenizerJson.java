package io.qwen4j.tokenizer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.common.ModelFileException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * What qwen4j reads from a Hugging Face {@code tokenizer.json} (plain or gzipped): the BPE vocabulary,
 * merges and added tokens. The rest of the file must describe the Qwen2 pipeline (NFC, the Qwen2 split
 * regex, byte-level BPE, ByteLevel decoder); anything else is refused with a message naming the file,
 * rather than tokenised differently from the reference.
 */
record TokenizerJson(Path file, Map<String, Integer> vocab, List<Merge> merges, List<AddedToken> addedTokens) {
    /**
     * Jackson without field-name canonicalisation: the 150k vocabulary keys are each seen once, so
     * interning them costs more than it saves (a third of the load time).
     */
    private static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
                    .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
                    .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
                    .build())
            .build();

    /** The file itself, or the tokenizer.json (or tokenizer.json.gz) of a model folder. */
    static Path resolve(Path path) {
        if (!Files.isDirectory(path)) {
            return path;
        }
        for (String name : new String[] {"tokenizer.json", "tokenizer.json.gz"}) {
            if (Files.isRegularFile(path.resolve(name))) {
                return path.resolve(name);
            }
        }
        throw new ModelFileException(path + " has no tokenizer.json");
    }

    static TokenizerJson read(Path path) {
        Path file = resolve(path);
        String where = file.toString();
        try (InputStream in = open(file); JsonParser parser = MAPPER.createParser(in)) {
            return parse(parser, file, where);
        } catch (NoSuchFileException e) {
            throw new ModelFileException(file + " does not exist");
        } catch (IOException e) {
            String message = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            throw new ModelFileException(file + " is not a readable tokenizer.json: " + message);
        }
    }

    /**
     * Streams through the file: the large vocab and merges go straight into their collections, every
     * other part becomes a small JSON tree for the checks.
     */
    private static TokenizerJson parse(JsonParser p, Path file, String where) throws IOException {
        require(p.nextToken() == JsonToken.START_OBJECT, where, "not a JSON object");
        ObjectNode root = MAPPER.createObjectNode();
        ObjectNode model = MAPPER.createObjectNode();
        Map<String, Integer> vocab = Map.of();
        List<Merge> merges = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            if (name.equals("model") && value == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    p.nextToken();
                    switch (field) {
                        case "vocab" -> vocab = vocab(p, where);
                        case "merges" -> merges = merges(p, where);
                        default -> model.set(field, p.readValueAsTree());
                    }
                }
                root.set("model", model);
            } else {
                root.set(name, p.readValueAsTree());
            }
        }
        checkPipeline(root, where);
        require(!vocab.isEmpty(), where, "model.vocab is missing or empty");
        require(merges != null, where, "model.merges is missing");
        return new TokenizerJson(file, vocab, merges, addedTokens(root.path("added_tokens"), where));
    }

    /** Reads gzip when the file starts with the gzip magic bytes, whatever its name. */
    private static InputStream open(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        return b0 == 0x1F && b1 == 0x8B ? new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16) : in;
    }

    private static void checkPipeline(JsonNode root, String where) {
        JsonNode model = root.path("model");
        require(model.path("type").asText("BPE").equals("BPE"), where, "model.type is " + model.path("type") + ", not BPE");
        require(model.path("dropout").isNull() || model.path("dropout").isMissingNode(), where, "BPE dropout is not supported");
        require(model.path("continuing_subword_prefix").asText("").isEmpty()
                && model.path("end_of_word_suffix").asText("").isEmpty(), where,
                "BPE subword prefixes/suffixes are not byte-level BPE");
        require(!model.path("byte_fallback").asBoolean(false), where, "byte_fallback BPE is not supported");
        require(!model.path("ignore_merges").asBoolean(false), where, "ignore_merges BPE is not supported");
        require(root.path("normalizer").path("type").asText("").equals("NFC"), where,
                "normalizer is " + root.path("normalizer") + ", qwen4j reads the NFC one of Qwen tokenizers");
        require(isQwen2PreTokenizer(root.path("pre_tokenizer")), where,
                "pre_tokenizer is not Qwen2's (Split on the Qwen2 regex, then ByteLevel without prefix space)");
        require(root.path("decoder").path("type").asText("").equals("ByteLevel"), where,
                "decoder is " + root.path("decoder") + ", not ByteLevel");
    }

    private static boolean isQwen2PreTokenizer(JsonNode pre) {
        JsonNode steps = pre.path("pretokenizers");
        if (!pre.path("type").asText().equals("Sequence") || steps.size() != 2) {
            return false;
        }
        JsonNode split = steps.get(0);
        JsonNode byteLevel = steps.get(1);
        return split.path("type").asText().equals("Split")
                && split.path("pattern").path("Regex").asText().equals(Qwen2PreTokenizer.PATTERN)
                && split.path("behavior").asText().equals("Isolated")
                && !split.path("invert").asBoolean(false)
                && byteLevel.path("type").asText().equals("ByteLevel")
                && !byteLevel.path("add_prefix_space").asBoolean(false)
                && !byteLevel.path("use_regex").asBoolean(true);
    }

    private static void require(boolean condition, String where, String problem) {
        if (!condition) {
            throw new ModelFileException(where + ": " + problem);
        }
    }

    private static Map<String, Integer> vocab(JsonParser p, String where) throws IOException {
        require(p.currentToken() == JsonToken.START_OBJECT, where, "model.vocab is not an object");
        Map<String, Integer> out = new HashMap<>(1 << 18);
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String token = p.currentName();
            require(p.nextToken() == JsonToken.VALUE_NUMBER_INT, where, "vocab entry \"" + token + "\" has no integer id");
            out.put(token, p.getIntValue());
        }
        return out;
    }

    /** Merges as {@code "left right"} strings (older files) or {@code ["left", "right"]} pairs (tokenizers >= 0.20). */
    private static List<Merge> merges(JsonParser p, String where) throws IOException {
        require(p.currentToken() == JsonToken.START_ARRAY, where, "model.merges is not an array");
        List<Merge> out = new ArrayList<>(1 << 18);
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (t == JsonToken.VALUE_STRING) {
                out.add(Merge.parse(p.getText(), where));
            } else {
                boolean pair = t == JsonToken.START_ARRAY && p.nextToken() == JsonToken.VALUE_STRING;
                String left = pair ? p.getText() : "";
                pair = pair && p.nextToken() == JsonToken.VALUE_STRING;
                String right = pair ? p.getText() : "";
                require(pair && p.nextToken() == JsonToken.END_ARRAY, where,
                        "merge " + out.size() + " is neither \"a b\" nor [\"a\", \"b\"]");
                out.add(new Merge(left, right));
            }
        }
        return out;
    }

    private static List<AddedToken> addedTokens(JsonNode added, String where) {
        List<AddedToken> out = new ArrayList<>();
        for (JsonNode t : added) {
            String content = t.path("content").asText("");
            require(t.path("id").canConvertToInt() && !content.isEmpty(), where, "added token without id or content: " + t);
            for (String flag : new String[] {"single_word", "lstrip", "rstrip"}) {
                require(!t.path(flag).asBoolean(false), where, "added token " + content + " has " + flag
                        + "=true, which qwen4j does not support (no Qwen tokenizer uses it)");
            }
            out.add(new AddedToken(t.path("id").asInt(), content, t.path("special").asBoolean(false),
                    t.path("normalized").asBoolean(!t.path("special").asBoolean(false))));
        }
        return out;
    }
}
