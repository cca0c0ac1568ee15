package io.qwen4j.tokenizer.chat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One part of a multimodal message content, as OpenAI and transformers spell it:
 * {@code {"type": "text", "text": ...}}, {@code {"type": "image"}}, {@code {"type": "audio", "audio": url}}, ...
 *
 * @param type   the part's {@code type}
 * @param fields the other keys, in order, as plain Java values or Jackson trees
 */
public record ContentPart(String type, Map<String, Object> fields) {
    public ContentPart {
        if (type == null || type.isEmpty()) {
            throw new IllegalArgumentException("a content part needs a type");
        }
        fields = fields == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    public static ContentPart text(String text) {
        return new ContentPart("text", Map.of("text", text));
    }

    public static ContentPart image() {
        return new ContentPart("image", Map.of());
    }

    /** An image given by URL or path, under the key {@code image} (as Qwen's processors read it). */
    public static ContentPart image(String url) {
        return new ContentPart("image", Map.of("image", url));
    }

    public static ContentPart audio() {
        return new ContentPart("audio", Map.of());
    }

    public static ContentPart audio(String url) {
        return new ContentPart("audio", Map.of("audio", url));
    }

    public static ContentPart video() {
        return new ContentPart("video", Map.of());
    }

    public static ContentPart video(String url) {
        return new ContentPart("video", Map.of("video", url));
    }

    /** The part's text when it is a text part. */
    public Optional<String> text() {
        return "text".equals(type) && fields.get("text") instanceof String s ? Optional.of(s) : Optional.empty();
    }

    static ContentPart fromJson(JsonNode node) {
        if (!node.isObject() || !node.path("type").isTextual()) {
            throw new IllegalArgumentException("a content part must be an object with a string \"type\"");
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        node.properties().forEach(e -> {
            if (!e.getKey().equals("type")) {
                fields.put(e.getKey(), Json.plain(e.getValue()));
            }
        });
        return new ContentPart(node.get("type").textValue(), fields);
    }

    Map<String, Object> toTemplateValue() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type);
        fields.forEach((k, v) -> m.put(k, Json.plainValue(v)));
        return m;
    }
}
