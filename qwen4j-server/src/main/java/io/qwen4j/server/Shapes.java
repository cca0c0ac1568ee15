package io.qwen4j.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.engine.ChatResult;
import io.qwen4j.engine.TokenEvent;
import io.qwen4j.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;

/** Pieces of OpenAI's response objects that both endpoints use. */
final class Shapes {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private Shapes() {}

    /** An id such as {@code chatcmpl-Ab3...} (24 random letters and digits). */
    static String id(String prefix) {
        StringBuilder b = new StringBuilder(prefix);
        for (int i = 0; i < 24; i++) {
            b.append(ALPHABET[RANDOM.nextInt(ALPHABET.length)]);
        }
        return b.toString();
    }

    static long now() {
        return System.currentTimeMillis() / 1000;
    }

    /** The response's head: id, object, created, model. */
    static ObjectNode head(String id, String object, long created, String model) {
        ObjectNode o = Json.object();
        o.put("id", id);
        o.put("object", object);
        o.put("created", created);
        o.put("model", model);
        return o;
    }

    /** The last chunk of a stream asked for with {@code stream_options.include_usage}: no choices, the usage. */
    static ObjectNode usageChunk(String id, String object, long created, String model, ObjectNode usage) {
        ObjectNode last = head(id, object, created, model);
        last.putArray("choices");
        last.set("usage", usage);
        return last;
    }

    /**
     * {@code usage}: the prompt counted once (as OpenAI does for n > 1), completion tokens summed;
     * {@code prompt_tokens_details.cached_tokens} are the prompt tokens served from the prefix cache.
     */
    static ObjectNode usage(List<ChatResult> results) {
        int prompt = 0;
        int cached = 0;
        int completion = 0;
        for (ChatResult r : results) {
            if (r == null) {
                continue;
            }
            prompt = r.promptTokens();
            cached = r.generation().cachedTokens();
            completion += r.completionTokens();
        }
        return usage(prompt, cached, completion);
    }

    static ObjectNode usage(int prompt, int cached, int completion) {
        ObjectNode u = Json.object();
        u.put("prompt_tokens", prompt);
        u.put("completion_tokens", completion);
        u.put("total_tokens", prompt + completion);
        u.putObject("prompt_tokens_details").put("cached_tokens", cached);
        return u;
    }

    /** The text a token shows alone (its bytes as UTF-8; a partial character becomes U+FFFD, as vLLM shows it). */
    static String tokenText(Tokenizer tokenizer, int id) {
        return new String(tokenizer.tokenBytes(id), StandardCharsets.UTF_8);
    }

    /** Chat's log-probability entry: {@code {token, logprob, bytes, top_logprobs: [{token, logprob, bytes}]}}. */
    static ObjectNode chatLogprob(Tokenizer tokenizer, TokenEvent e) {
        ObjectNode o = logprob(tokenizer, e.token(), e.logprob());
        ArrayNode top = o.putArray("top_logprobs");
        for (int i = 0; i < e.topTokens().length; i++) {
            top.add(logprob(tokenizer, e.topTokens()[i], e.topLogprobs()[i]));
        }
        return o;
    }

    private static ObjectNode logprob(Tokenizer tokenizer, int id, float logprob) {
        ObjectNode o = Json.object();
        byte[] bytes = tokenizer.tokenBytes(id);
        o.put("token", new String(bytes, StandardCharsets.UTF_8));
        o.put("logprob", logprob);
        ArrayNode b = o.putArray("bytes");
        for (byte x : bytes) {
            b.add(x & 0xff);
        }
        return o;
    }

    /** Chat's {@code logprobs} object: {@code {"content": [...]}}. */
    static ObjectNode chatLogprobs(Tokenizer tokenizer, List<TokenEvent> events) {
        ObjectNode o = Json.object();
        ArrayNode content = o.putArray("content");
        for (TokenEvent e : events) {
            content.add(chatLogprob(tokenizer, e));
        }
        return o;
    }

    /**
     * The legacy completions' {@code logprobs}: {@code {tokens, token_logprobs, top_logprobs: [{token: logprob}], text_offset}};
     * {@code offset} is where the first token's text starts in the choice's text.
     */
    static ObjectNode completionLogprobs(Tokenizer tokenizer, List<TokenEvent> events, int offset) {
        ObjectNode o = Json.object();
        ArrayNode tokens = o.putArray("tokens");
        ArrayNode lps = o.putArray("token_logprobs");
        ArrayNode tops = o.putArray("top_logprobs");
        ArrayNode offsets = o.putArray("text_offset");
        int at = offset;
        for (TokenEvent e : events) {
            String text = tokenText(tokenizer, e.token());
            tokens.add(text);
            lps.add(e.logprob());
            ObjectNode top = tops.addObject();
            for (int i = 0; i < e.topTokens().length; i++) {
                top.put(tokenText(tokenizer, e.topTokens()[i]), e.topLogprobs()[i]);
            }
            offsets.add(at);
            at += text.length();
        }
        return o;
    }

    /**
     * One streamed chunk: the head and a single choice, {@code fields} (index and delta, or text and
     * index) then {@code logprobs} and {@code finish_reason}, null until there are some; {@code usage}
     * null in every chunk but the last when the client asked for it.
     */
    static ObjectNode chunk(String id, String object, long created, String model, ObjectNode fields, ObjectNode logprobs,
                            String finish, boolean includeUsage) {
        ObjectNode o = head(id, object, created, model);
        ObjectNode c = o.putArray("choices").addObject();
        c.setAll(fields);
        if (logprobs == null) {
            c.putNull("logprobs");
        } else {
            c.set("logprobs", logprobs);
        }
        if (finish == null) {
            c.putNull("finish_reason");
        } else {
            c.put("finish_reason", finish);
        }
        if (includeUsage) {
            o.putNull("usage");
        }
        return o;
    }

    /** The log-probabilities of the tokens not yet sent, shaped by {@code shape}, and forgets them; null when none (or not asked for). */
    static ObjectNode takeLogprobs(List<TokenEvent> pending, boolean on, java.util.function.Function<List<TokenEvent>, ObjectNode> shape) {
        if (!on || pending.isEmpty()) {
            return null;
        }
        ObjectNode lp = shape.apply(pending);
        pending.clear();
        return lp;
    }
}
