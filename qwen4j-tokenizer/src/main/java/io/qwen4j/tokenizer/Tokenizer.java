package io.qwen4j.tokenizer;

import io.qwen4j.common.InvalidInputException;
import io.qwen4j.common.ModelFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.BiConsumer;

/**
 * The Qwen2/Qwen3 tokenizer: byte-level BPE exactly as Hugging Face tokenizers runs a Qwen
 * {@code tokenizer.json} (spec: shared/spec/tokenizer.md §1-4). Immutable and safe to share between
 * threads.
 *
 * <p>{@link #encode} takes text to ids in four steps: added tokens are cut out of the raw text first
 * ({@code <|im_start|>}, {@code <think>}...: leftmost, then longest), the text between them is NFC
 * normalised ({@link Nfc}), split into pieces by the Qwen2 regex ({@link Qwen2PreTokenizer}), and each
 * piece's UTF-8 bytes are merged by BPE ({@link BytePairEncoder}). No BOS or EOS is added.
 */
public final class Tokenizer {
    private final String source;
    /** Token strings by id: byte-level text for BPE tokens, the content for added tokens; null in gaps. */
    private final String[] tokens;
    /** The bytes each id decodes to (tokenizers' ByteLevel decoder), by id. */
    private final byte[][] tokenBytes;
    private final boolean[] special;
    /** Byte-level BPE token strings to ids. */
    private final Map<String, Integer> vocab;
    /** Added tokens' contents to ids (they win over vocab entries with the same text). */
    private final Map<String, Integer> addedIds = new HashMap<>();
    private final List<AddedToken> addedTokens;
    private final AddedTokenMatcher rawTokens;
    private final AddedTokenMatcher normalizedTokens;
    private final BytePairEncoder bpe;

    private Tokenizer(String source, Map<String, Integer> vocab, List<Merge> merges, List<AddedToken> addedTokens) {
        this.source = source;
        this.addedTokens = List.copyOf(addedTokens);
        int size = 0;
        for (int id : vocab.values()) {
            if (id < 0) {
                throw new ModelFileException(source + ": negative token id " + id + " in the vocabulary");
            }
            size = Math.max(size, id + 1);
        }
        for (AddedToken t : addedTokens) {
            if (t.id() < 0) {
                throw new ModelFileException(source + ": added token " + t.content() + " has negative id " + t.id());
            }
            size = Math.max(size, t.id() + 1);
        }
        if (size > 2 * (vocab.size() + addedTokens.size()) + 1024) {
            throw new ModelFileException(source + ": token id " + (size - 1) + " is far beyond the "
                    + (vocab.size() + addedTokens.size()) + " tokens of the file");
        }
        tokens = new String[size];
        special = new boolean[size];
        this.vocab = vocab;
        vocab.forEach((token, id) -> tokens[id] = token);
        for (AddedToken t : addedTokens) {
            tokens[t.id()] = t.content();
            special[t.id()] = t.special();
            addedIds.put(t.content(), t.id());
        }
        tokenBytes = new byte[size][];
        for (int id = 0; id < size; id++) {
            tokenBytes[id] = tokens[id] == null ? null : ByteLevel.tokenBytes(tokens[id]);
        }
        rawTokens = new AddedTokenMatcher(addedTokens.stream().filter(t -> !t.normalized()).toList());
        normalizedTokens = new AddedTokenMatcher(addedTokens.stream().filter(AddedToken::normalized).toList());
        bpe = new BytePairEncoder(byteIds(vocab), mergeTable(vocab, merges));
    }

    /**
     * Reads a Hugging Face {@code tokenizer.json}, a gzipped one ({@code tokenizer.json.gz}), or a model
     * folder holding either. Anything but a Qwen2-style byte-level BPE file is a {@link ModelFileException}.
     */
    public static Tokenizer load(Path path) {
        TokenizerJson json = TokenizerJson.read(path);
        return new Tokenizer(json.file().toString(), json.vocab(), json.merges(), json.addedTokens());
    }

    /**
     * A tokenizer from the pieces a tokenizer file holds, with Qwen's normalisation (NFC) and
     * pre-tokenizer.
     *
     * @param vocab byte-level token strings (as in tokenizer.json's {@code model.vocab}) to ids
     * @param merges merge rules, highest priority first
     * @param addedTokens tokens matched whole in the text, with ids of their own or of the vocabulary
     * @param source names the origin in error messages (a file name)
     */
    public static Tokenizer of(Map<String, Integer> vocab, List<Merge> merges, List<AddedToken> addedTokens, String source) {
        return new Tokenizer(source, Map.copyOf(vocab), List.copyOf(merges), addedTokens);
    }

    /** GGUF's {@code tokenizer.ggml.token_type} for a control token: a special added token. */
    public static final int TOKEN_TYPE_CONTROL = 3;
    /** GGUF's {@code tokenizer.ggml.token_type} for a user-defined token: an added token that is not special. */
    public static final int TOKEN_TYPE_USER_DEFINED = 4;

    /**
     * A tokenizer from a GGUF file's token list: {@code tokenizer.ggml.tokens} (index = id),
     * {@code tokenizer.ggml.merges} ({@code "left right"} strings, highest priority first) and
     * {@code tokenizer.ggml.token_type}. Control tokens (type 3) become special added tokens,
     * user-defined ones (type 4) added tokens that are not special; all others (normal, byte, unused)
     * are BPE vocabulary.
     */
    public static Tokenizer fromTokenList(List<String> tokens, List<String> merges, int[] tokenTypes, String source) {
        if (tokenTypes.length != tokens.size()) {
            throw new ModelFileException(source + ": " + tokens.size() + " tokens but " + tokenTypes.length + " token types");
        }
        Map<String, Integer> vocab = new HashMap<>(tokens.size() * 2);
        List<AddedToken> added = new ArrayList<>();
        for (int id = 0; id < tokens.size(); id++) {
            boolean isAdded = tokenTypes[id] == TOKEN_TYPE_CONTROL || tokenTypes[id] == TOKEN_TYPE_USER_DEFINED;
            if (isAdded && tokens.get(id).isEmpty()) {
                throw new ModelFileException(source + ": token " + id + " is a control or user-defined token with no text");
            }
            switch (tokenTypes[id]) {
                case TOKEN_TYPE_CONTROL -> added.add(AddedToken.of(id, tokens.get(id), true));
                case TOKEN_TYPE_USER_DEFINED -> added.add(AddedToken.of(id, tokens.get(id), false));
                default -> vocab.putIfAbsent(tokens.get(id), id);
            }
        }
        return new Tokenizer(source, vocab, merges.stream().map(m -> Merge.parse(m, source)).toList(), added);
    }

    /**
     * A byte-level tokenizer without merges, as the tiny test checkpoints have (tools/golden/make_tiny_omni.py): ids
     * 0..255 are the 256 bytes (GPT-2's byte-to-unicode characters), {@code specialTokens} are special added tokens at
     * their ids, and every other id below {@code vocabSize} is an {@code <unusedN>} token that decodes but that
     * encoding never produces.
     */
    public static Tokenizer bytePerToken(int vocabSize, Map<String, Integer> specialTokens, String source) {
        List<String> tokens = new ArrayList<>(vocabSize);
        int[] types = new int[vocabSize];
        for (int id = 0; id < vocabSize; id++) {
            tokens.add(id < 256 ? String.valueOf(ByteLevel.toChar(id)) : "<unused" + id + ">");
            types[id] = 1; // normal
        }
        specialTokens.forEach((text, id) -> {
            if (id < 256 || id >= vocabSize) {
                throw new IllegalArgumentException(source + ": special token " + text + " has id " + id + ", outside 256.." + (vocabSize - 1));
            }
            tokens.set(id, text);
            types[id] = TOKEN_TYPE_CONTROL;
        });
        return fromTokenList(tokens, List.of(), types, source);
    }

    private int[] byteIds(Map<String, Integer> vocab) {
        int[] out = new int[256];
        for (int b = 0; b < 256; b++) {
            Integer id = vocab.get(String.valueOf(ByteLevel.toChar(b)));
            if (id == null) {
                throw new ModelFileException(source + ": the vocabulary lacks the byte-level token for byte " + b
                        + " ('" + ByteLevel.toChar(b) + "'); is this a byte-level BPE tokenizer?");
            }
            out[b] = id;
        }
        return out;
    }

    private MergeTable mergeTable(Map<String, Integer> vocab, List<Merge> merges) {
        MergeTable table = new MergeTable(merges.size());
        for (int rank = 0; rank < merges.size(); rank++) {
            Merge m = merges.get(rank);
            Integer left = vocab.get(m.left());
            Integer right = vocab.get(m.right());
            Integer merged = vocab.get(m.left() + m.right());
            if (left == null || right == null || merged == null) {
                throw new ModelFileException(source + ": merge " + rank + " (\"" + m.left() + " " + m.right()
                        + "\") uses a token that is not in the vocabulary");
            }
            table.put(left, right, rank, merged);
        }
        return table;
    }

    /** The ids of {@code text}; special-token text in it becomes those tokens, and no BOS/EOS is added. */
    public int[] encode(String text) {
        IntList out = new IntList(text.length() / 3 + 4);
        cutAddedTokens(text, rawTokens, out, this::encodeUnnormalized);
        return out.toArray();
    }

    /** Text between raw-matched added tokens: NFC, then the added tokens matched after NFC, then BPE. */
    private void encodeUnnormalized(String raw, IntList out) {
        cutAddedTokens(Nfc.normalize(raw), normalizedTokens, out, this::encodePieces);
    }

    /**
     * Mirrors tokenizers' AddedVocabulary split: the ids of the added tokens that {@code matcher} finds
     * go to {@code out}, and each stretch of text around them to {@code between}.
     */
    private static void cutAddedTokens(String text, AddedTokenMatcher matcher, IntList out, BiConsumer<String, IntList> between) {
        int pos = 0;
        while (pos < text.length()) {
            long match = matcher.find(text, pos);
            int end = match == AddedTokenMatcher.NONE ? text.length() : AddedTokenMatcher.start(match);
            if (end > pos) {
                between.accept(text.substring(pos, end), out);
            }
            if (match == AddedTokenMatcher.NONE) {
                return;
            }
            AddedToken token = matcher.token(match);
            out.add(token.id());
            pos = end + token.content().length();
        }
    }

    private void encodePieces(String text, IntList out) {
        for (int i = 0; i < text.length(); ) {
            int end = Qwen2PreTokenizer.pieceEnd(text, i);
            bpe.encode(text, i, end, out);
            i = end;
        }
    }

    /** The text of {@code ids}, with added tokens as their literal text; same as {@code decode(ids, false)}. */
    public String decode(int[] ids) {
        return decode(ids, false);
    }

    /**
     * The text of {@code ids}, as tokenizers' decode: bytes of every token, decoded as UTF-8 with each
     * invalid sequence replaced by U+FFFD. With {@code skipSpecialTokens}, tokens flagged special (the
     * {@code <|...|>} control tokens) are left out; {@code <think>}, {@code <tool_call>} and the other
     * non-special added tokens stay.
     *
     * @throws InvalidInputException for an id outside the vocabulary (tokenizers would skip it silently)
     */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        int length = 0;
        for (int id : ids) {
            length += bytesOf(id).length;
        }
        byte[] bytes = new byte[length];
        int n = 0;
        for (int id : ids) {
            if (!(skipSpecialTokens && special[id])) {
                byte[] b = tokenBytes[id];
                System.arraycopy(b, 0, bytes, n, b.length);
                n += b.length;
            }
        }
        return Utf8.decode(bytes, 0, n);
    }

    /** A detokenizer for ids that come one at a time (generation), which never splits a character. */
    public StreamingDetokenizer streamingDetokenizer(boolean skipSpecialTokens) {
        return new StreamingDetokenizer(this, skipSpecialTokens);
    }

    /** The id of a token string (byte-level form for BPE tokens, e.g. {@code "Ġhello"}; content for added tokens). */
    public OptionalInt tokenId(String token) {
        Integer id = addedIds.getOrDefault(token, vocab.get(token));
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** The token string of an id: byte-level form for BPE tokens ({@code "Ġhello"}), the content for added tokens. */
    public String tokenText(int id) {
        bytesOf(id);
        return tokens[id];
    }

    /** Whether {@code decode(ids, true)} drops this id. */
    public boolean isSpecial(int id) {
        bytesOf(id);
        return special[id];
    }

    /** One more than the largest id: 151669 for Qwen3 (the model's embedding may have more rows). */
    public int vocabSize() {
        return tokens.length;
    }

    /** The added tokens, in the order of the file. */
    public List<AddedToken> addedTokens() {
        return addedTokens;
    }

    /**
     * The bytes an id decodes to (a copy): UTF-8 text for added tokens, the byte-level form's bytes for
     * BPE tokens, which may be part of a character. For constrained decoding and log-probability bytes.
     *
     * @throws InvalidInputException for an id outside the vocabulary
     */
    public byte[] tokenBytes(int id) {
        return bytesOf(id).clone();
    }

    /** Whether an id has a token (the vocabulary may have gaps). */
    public boolean hasToken(int id) {
        return id >= 0 && id < tokens.length && tokens[id] != null;
    }

    /** The bytes an id decodes to. */
    byte[] bytesOf(int id) {
        if (id < 0 || id >= tokens.length || tokens[id] == null) {
            throw new InvalidInputException("token id " + id + " is not in the vocabulary of " + source
                    + " (ids 0.." + (tokens.length - 1) + ")");
        }
        return tokenBytes[id];
    }

    /** Empties the per-piece BPE cache (benchmarks of a cold cache). */
    void clearCache() {
        bpe.clearCache();
    }

    @Override
    public String toString() {
        return "Tokenizer[" + source + ", " + tokens.length + " ids, " + addedTokens.size() + " added tokens]";
    }
}
