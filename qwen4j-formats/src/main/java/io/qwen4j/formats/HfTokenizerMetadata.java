package io.qwen4j.formats;

import io.qwen4j.common.ModelFileException;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code tokenizer.ggml.*} keys of a byte-level BPE tokenizer, read straight from {@code tokenizer.json}
 * and {@code tokenizer_config.json} with Jackson (no tokenizer needed), as llama.cpp's
 * {@code convert_hf_to_gguf.py} writes them for Qwen: tokens in id order up to the config's vocab_size
 * (missing ids become {@code [PADi]}, type 5 unused), type 3 (control) for special added tokens and
 * {@code <|…|>}-looking ones, 4 (user-defined) for other added tokens, 1 otherwise; merges as "a b".
 */
final class HfTokenizerMetadata {
    private static final int NORMAL = 1;
    private static final int CONTROL = 3;
    private static final int USER_DEFINED = 4;
    private static final int UNUSED = 5;

    private HfTokenizerMetadata() {}

    /** Adds the tokenizer keys to {@code w} when {@code dir} holds a BPE tokenizer.json; false when it has none. */
    static boolean write(Path dir, ConfigJson config, GgufWriter w) {
        Path file = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            return false;
        }
        JsonNode root = Json.read(file);
        JsonNode model = root.path("model");
        if (!"BPE".equals(model.path("type").asText())) {
            return false;
        }
        Map<Integer, String> byId = new HashMap<>();
        model.path("vocab").properties().forEach(e -> byId.put(e.getValue().asInt(), e.getKey()));
        Map<Integer, Boolean> added = new HashMap<>(); // id → special
        Map<String, Integer> idOf = new HashMap<>();
        byId.forEach((id, tok) -> idOf.put(tok, id));
        for (JsonNode t : root.path("added_tokens")) {
            int id = t.path("id").asInt();
            byId.put(id, t.path("content").asText());
            idOf.put(t.path("content").asText(), id);
            added.put(id, t.path("special").asBoolean(false));
        }
        int maxId = byId.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1);
        int vocab = config.intOr(maxId + 1, "vocab_size");
        if (maxId >= vocab) {
            // convert_hf_to_gguf.py asserts the same: the token list is cut at vocab_size
            throw new ModelFileException(file + " has token ids up to " + maxId + " but config.json's vocab_size is " + vocab
                    + "; the tokenizer does not belong to these weights");
        }
        List<String> tokens = new ArrayList<>(vocab);
        List<Integer> types = new ArrayList<>(vocab);
        for (int i = 0; i < vocab; i++) {
            String tok = byId.get(i);
            if (tok == null) {
                tokens.add("[PAD" + i + "]");
                types.add(UNUSED);
            } else if (added.containsKey(i)) {
                boolean control = added.get(i) || looksSpecial(tok);
                tokens.add(control ? tok : tok.replace("\u2581", " "));
                types.add(control ? CONTROL : USER_DEFINED);
            } else {
                tokens.add(tok);
                types.add(NORMAL);
            }
        }
        List<String> merges = new ArrayList<>();
        for (JsonNode m : model.path("merges")) {
            merges.add(m.isArray() ? m.get(0).asText() + " " + m.get(1).asText() : m.asText());
        }
        w.put("tokenizer.ggml.model", GgufValue.string("gpt2"));
        w.put("tokenizer.ggml.pre", GgufValue.string("qwen2"));
        w.put("tokenizer.ggml.tokens", GgufValue.array(GgufType.STRING, tokens));
        w.put("tokenizer.ggml.token_type", GgufValue.array(GgufType.INT32, types));
        w.put("tokenizer.ggml.merges", GgufValue.array(GgufType.STRING, merges));
        Path tcFile = dir.resolve("tokenizer_config.json");
        ConfigJson tc = Files.isRegularFile(tcFile) ? ConfigJson.read(tcFile) : ConfigJson.empty("tokenizer_config.json");
        special(tc, config, idOf, "eos").ifPresent(id -> w.put("tokenizer.ggml.eos_token_id", GgufValue.uint32(id)));
        special(tc, config, idOf, "pad").ifPresent(id -> w.put("tokenizer.ggml.padding_token_id", GgufValue.uint32(id)));
        special(tc, config, idOf, "bos").ifPresent(id -> w.put("tokenizer.ggml.bos_token_id", GgufValue.uint32(id)));
        if (tc.has("add_bos_token")) {
            w.put("tokenizer.ggml.add_bos_token", GgufValue.bool(tc.boolOr(false, "add_bos_token")));
        }
        Path jinja = dir.resolve("chat_template.jinja");
        Optional<String> template = tc.string("chat_template");
        if (template.isEmpty() && Files.isRegularFile(jinja)) {
            try {
                template = Optional.of(Files.readString(jinja));
            } catch (java.io.IOException e) {
                throw new io.qwen4j.common.ModelFileException("cannot read " + jinja + ": " + e.getMessage(), e);
            }
        }
        template.ifPresent(t -> w.put("tokenizer.chat_template", GgufValue.string(t)));
        return true;
    }

    /** convert_hf_to_gguf's {@code does_token_look_special}. */
    private static boolean looksSpecial(String t) {
        return t.equals("<pad>") || t.equals("<mask>") || t.equals("<2mass>") || t.equals("[@BOS@]")
                || (t.startsWith("<|") && t.endsWith("|>")) || (t.startsWith("<\uff5c") && t.endsWith("\uff5c>"))
                || (t.startsWith("<unused") && t.endsWith(">"));
    }

    /** gguf-py's SpecialVocab: the token named in tokenizer_config.json, else config.json's {@code <kind>_token_id}. */
    private static Optional<Integer> special(ConfigJson tc, ConfigJson config, Map<String, Integer> idOf, String kind) {
        JsonNode v = tc.node().get(kind + "_token");
        String content = v == null || v.isNull() ? null : v.isObject() ? v.path("content").asText(null) : v.asText();
        if (content != null && idOf.containsKey(content)) {
            return Optional.of(idOf.get(content));
        }
        int[] ids = config.intList(kind + "_token_id");
        return ids.length > 0 ? Optional.of(ids[0]) : Optional.empty();
    }
}
