package io.qwen4j.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.common.ModelFileException;
import io.qwen4j.formats.Json;
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
        JsonNode root = parse(file);
        String where = file.toString();
        checkPipeline(root, where);
        JsonNode model = root.path("model");
        return new TokenizerJson(file, vocab(model.path("vocab"), where), merges(model.path("merges"), where),
                addedTokens(root.path("added_tokens"), where));
    }

    private static JsonNode parse(Path file) {
        try (InputStream in = open(file)) {
            JsonNode root = Json.MAPPER.readTree(in);
            if (root == null || !root.isObject()) {
                throw new ModelFileException(file + " is not a JSON object");
            }
            return root;
        } catch (NoSuchFileException e) {
            throw new ModelFileException(file + " does not exist");
        } catch (IOException e) {
            String message = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            throw new ModelFileException(file + " is not a readable tokenizer.json: " + message);
        }
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

    private static Map<String, Integer> vocab(JsonNode vocab, String where) {
        require(vocab.isObject() && !vocab.isEmpty(), where, "model.vocab is missing or empty");
        Map<String, Integer> out = new HashMap<>(vocab.size() * 2);
        for (Map.Entry<String, JsonNode> e : vocab.properties()) {
            require(e.getValue().canConvertToInt(), where, "vocab entry \"" + e.getKey() + "\" has no integer id");
            out.put(e.getKey(), e.getValue().asInt());
        }
        return out;
    }

    /** Merges as {@code "left right"} strings (older files) or {@code ["left", "right"]} pairs (tokenizers >= 0.20). */
    private static List<Merge> merges(JsonNode merges, String where) {
        require(merges.isArray(), where, "model.merges is missing");
        List<Merge> out = new ArrayList<>(merges.size());
        for (JsonNode m : merges) {
            if (m.isTextual()) {
                out.add(Merge.parse(m.asText(), where));
            } else {
                require(m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual(), where,
                        "merge " + out.size() + " is neither \"a b\" nor [\"a\", \"b\"]: " + m);
                out.add(new Merge(m.get(0).asText(), m.get(1).asText()));
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
