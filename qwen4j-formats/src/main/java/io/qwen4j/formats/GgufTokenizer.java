package io.qwen4j.formats;

import io.qwen4j.common.ModelFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The tokenizer a GGUF file carries in its metadata, as llama.cpp's converter writes it: the model kind
 * ({@code tokenizer.ggml.model}, "gpt2" for byte-level BPE), the pre-tokenizer ({@code pre}, "qwen2"), the
 * vocabulary in id order (byte-level unicode strings), token types (1 normal, 3 control, 4 user-defined,
 * …), merges as "a b" strings, the special ids and the chat template.
 */
public record GgufTokenizer(String model, Optional<String> pre, List<String> tokens, int[] tokenTypes, List<String> merges,
                            OptionalInt bosTokenId, OptionalInt eosTokenId, OptionalInt padTokenId, OptionalInt eotTokenId,
                            Optional<Boolean> addBosToken, Optional<String> chatTemplate) {

    static Optional<GgufTokenizer> from(GgufFile f) {
        Optional<String> model = f.string("tokenizer.ggml.model");
        if (model.isEmpty()) {
            return Optional.empty();
        }
        List<String> tokens = strings(f, "tokenizer.ggml.tokens");
        List<Object> types = f.array("tokenizer.ggml.token_type").orElse(List.of());
        int[] tokenTypes = new int[types.size()];
        for (int i = 0; i < tokenTypes.length; i++) {
            tokenTypes[i] = ((Number) types.get(i)).intValue();
        }
        if (tokenTypes.length != 0 && tokenTypes.length != tokens.size()) {
            throw new ModelFileException(f.path().getFileName() + ": tokenizer.ggml.token_type has " + tokenTypes.length
                    + " entries for " + tokens.size() + " tokens");
        }
        return Optional.of(new GgufTokenizer(model.get(), f.string("tokenizer.ggml.pre"), tokens, tokenTypes,
                strings(f, "tokenizer.ggml.merges"), id(f, "tokenizer.ggml.bos_token_id"), id(f, "tokenizer.ggml.eos_token_id"),
                id(f, "tokenizer.ggml.padding_token_id"), id(f, "tokenizer.ggml.eot_token_id"),
                f.bool("tokenizer.ggml.add_bos_token"), f.string("tokenizer.chat_template")));
    }

    private static List<String> strings(GgufFile f, String key) {
        List<Object> items = f.array(key).orElse(List.of());
        List<String> out = new ArrayList<>(items.size());
        for (Object o : items) {
            if (!(o instanceof String s)) {
                throw new ModelFileException(f.path().getFileName() + ": " + key + " should hold strings, got " + o);
            }
            out.add(s);
        }
        return List.copyOf(out);
    }

    private static OptionalInt id(GgufFile f, String key) {
        return f.integer(key).map(v -> OptionalInt.of(Math.toIntExact(v))).orElse(OptionalInt.empty());
    }
}
