package io.qwen4j.tokenizer.chat;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.common.InvalidInputException;
import io.qwen4j.common.ModelFileException;
import io.qwen4j.tokenizer.chat.jinja.JinjaException;
import io.qwen4j.tokenizer.chat.jinja.Template;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A checkpoint's chat template, rendered exactly as transformers' {@code apply_chat_template(...,
 * tokenize=False)} renders it. The template text comes from the checkpoint, so a model with its own
 * template works: {@code chat_template.jinja} (plus {@code additional_chat_templates/*.jinja}), else the
 * {@code chat_template} of {@code tokenizer_config.json} (a string or a list of named templates), else
 * the processor's {@code chat_template.json} (as Qwen3-Omni ships it). The special tokens of
 * {@code tokenizer_config.json} ({@code eos_token}, ...) are template variables, as in transformers.
 *
 * <pre>{@code
 * ChatTemplate template = ChatTemplate.load(Path.of("Qwen3-8B"));
 * String prompt = template.render(List.of(ChatMessage.user("Hi")),
 *         RenderOptions.builder().addGenerationPrompt(true).enableThinking(false).build());
 * }</pre>
 *
 * Immutable and thread-safe.
 */
public final class ChatTemplate {
    /** transformers' SPECIAL_TOKENS_ATTRIBUTES, passed to every render. */
    private static final List<String> SPECIAL_TOKENS =
            List.of("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token");
    /** Variables render() sets itself; options may not override them. */
    private static final Set<String> RESERVED = Set.of("messages", "tools", "add_generation_prompt");

    private record Parsed(String text, Template template) {
    }

    private final String source;
    private final Map<String, Parsed> templates; // "default" alone for a single template
    private final boolean named;
    private final Map<String, String> specialTokens;

    private ChatTemplate(String source, Map<String, Parsed> templates, boolean named, Map<String, String> specialTokens) {
        this.source = source;
        this.templates = templates;
        this.named = named;
        this.specialTokens = Collections.unmodifiableMap(new LinkedHashMap<>(specialTokens));
    }

    /**
     * Loads the template of a checkpoint folder, or of one file ({@code .jinja}, {@code tokenizer_config.json},
     * {@code chat_template.json}). @throws ModelFileException when there is none or it does not parse
     */
    public static ChatTemplate load(Path modelDirOrFile) {
        if (Files.isDirectory(modelDirOrFile)) {
            return loadDirectory(modelDirOrFile);
        }
        if (!Files.isRegularFile(modelDirOrFile)) {
            throw new ModelFileException("no such file or folder: " + modelDirOrFile);
        }
        String name = modelDirOrFile.getFileName().toString();
        if (name.endsWith(".jinja")) {
            return build(modelDirOrFile.toString(), Map.of("default", read(modelDirOrFile)), false, Map.of());
        }
        JsonNode json = readJson(modelDirOrFile);
        if (!json.has("chat_template")) {
            throw new ModelFileException(modelDirOrFile + " has no \"chat_template\"; give the checkpoint folder or "
                    + "its chat_template.jinja");
        }
        return fromConfig(modelDirOrFile.toString(), json, specialTokens(json, null));
    }

    /** A template given as text (no special tokens; see {@link #withSpecialTokens}). @throws InvalidInputException when it does not parse */
    public static ChatTemplate of(String text) {
        try {
            return build("<string>", Map.of("default", text), false, Map.of());
        } catch (ModelFileException e) {
            throw new InvalidInputException(e.getMessage());
        }
    }

    /** The same template with these special tokens as variables ({@code eos_token} → {@code <|im_end|>}, ...). */
    public ChatTemplate withSpecialTokens(Map<String, String> tokens) {
        return new ChatTemplate(source, templates, named, tokens);
    }

    /** Renders with transformers' defaults (no generation prompt, no tools). */
    public String render(List<ChatMessage> messages) {
        return render(messages, RenderOptions.defaults());
    }

    /**
     * Renders the conversation. @throws InvalidInputException when the conversation is empty, names an
     * unknown template, or the template refuses it ({@code raise_exception}) or fails on it; the message
     * names the template's source and line
     */
    public String render(List<ChatMessage> messages, RenderOptions options) {
        if (messages.isEmpty()) {
            throw new InvalidInputException("cannot apply a chat template to an empty conversation: give at least one message");
        }
        String name = select(options);
        Map<String, Object> vars = new LinkedHashMap<>();
        List<Object> list = new ArrayList<>(messages.size());
        messages.forEach(m -> list.add(m.fields()));
        vars.put("messages", list);
        vars.put("tools", options.tools().orElse(null));
        vars.put("documents", null);
        vars.put("add_generation_prompt", options.addGenerationPrompt());
        vars.putAll(specialTokens);
        options.variables().forEach((k, v) -> {
            if (RESERVED.contains(k)) {
                throw new InvalidInputException("template variable '" + k + "' is set from the messages and options; "
                        + "do not pass it as a variable");
            }
            vars.put(k, v);
        });
        try {
            return templates.get(name).template().render(vars);
        } catch (JinjaException e) {
            throw new InvalidInputException(describe(e, name));
        }
    }

    /** The text of the template used by default (for a list of named templates, "default" when there is one). */
    public String text() {
        Parsed p = templates.getOrDefault("default", templates.values().iterator().next());
        return p.text();
    }

    /** The text of a named template. */
    public java.util.Optional<String> text(String name) {
        return java.util.Optional.ofNullable(templates.get(name)).map(Parsed::text);
    }

    /** The template names: {@code [default]} for a single template. */
    public Set<String> names() {
        return Collections.unmodifiableSet(templates.keySet());
    }

    /** Where the template came from (a file path, or {@code <string>}). */
    public String source() {
        return source;
    }

    public Map<String, String> specialTokens() {
        return specialTokens;
    }

    /** Mirrors PreTrainedTokenizerBase.get_chat_template. */
    private String select(RenderOptions options) {
        if (options.templateName().isPresent()) {
            String want = options.templateName().get();
            if (!templates.containsKey(want)) {
                throw new InvalidInputException("no chat template named '" + want + "' in " + source + "; it has "
                        + templates.keySet());
            }
            return want;
        }
        if (!named) {
            return "default";
        }
        if (options.tools().isPresent() && templates.containsKey("tool_use")) {
            return "tool_use";
        }
        if (templates.containsKey("default")) {
            return "default";
        }
        throw new InvalidInputException(source + " has several chat templates and no default: choose one of "
                + new TreeMap<>(templates).keySet() + " with RenderOptions.templateName");
    }

    private String describe(JinjaException e, String name) {
        String where = "chat template " + source + (named ? " (" + name + ")" : "")
                + (e.line() > 0 ? ", line " + e.line() : "");
        String message = oneLine(e.getMessage());
        return switch (e.kind()) {
            case RAISED -> where + " refused the conversation: " + message;
            case SYNTAX -> where + ": " + message;
            case RUNTIME -> where + " failed on this conversation: " + message;
        };
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replace("\r", "\\r").replace("\n", "\\n");
    }

    // ---- loading -----------------------------------------------------------------------------------

    private static ChatTemplate loadDirectory(Path dir) {
        Path config = dir.resolve("tokenizer_config.json");
        JsonNode configJson = Files.isRegularFile(config) ? readJson(config) : null;
        Path specialMap = dir.resolve("special_tokens_map.json");
        Map<String, String> tokens = specialTokens(configJson,
                Files.isRegularFile(specialMap) ? readJson(specialMap) : null);

        Map<String, String> texts = new LinkedHashMap<>();
        Path jinja = dir.resolve("chat_template.jinja");
        if (Files.isRegularFile(jinja)) {
            texts.put("default", read(jinja));
        }
        Path extra = dir.resolve("additional_chat_templates");
        if (Files.isDirectory(extra)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(extra, "*.jinja")) {
                List<Path> sorted = new ArrayList<>();
                files.forEach(sorted::add);
                Collections.sort(sorted);
                for (Path f : sorted) {
                    String fileName = f.getFileName().toString();
                    texts.put(fileName.substring(0, fileName.length() - ".jinja".length()), read(f));
                }
            } catch (IOException e) {
                throw new ModelFileException("cannot list " + extra + ": " + e.getMessage(), e);
            }
        }
        if (!texts.isEmpty()) {
            boolean isNamed = !(texts.size() == 1 && texts.containsKey("default"));
            return build(isNamed ? dir.toString() : jinja.toString(), texts, isNamed, tokens);
        }
        if (configJson != null && configJson.hasNonNull("chat_template")) {
            return fromConfig(config.toString(), configJson, tokens);
        }
        Path processor = dir.resolve("chat_template.json");
        if (Files.isRegularFile(processor)) {
            JsonNode json = readJson(processor);
            if (json.hasNonNull("chat_template")) {
                return fromConfig(processor.toString(), json, tokens);
            }
        }
        throw new ModelFileException("no chat template in " + dir + ": expected chat_template.jinja, a \"chat_template\" "
                + "in tokenizer_config.json, or chat_template.json");
    }

    private static ChatTemplate fromConfig(String source, JsonNode json, Map<String, String> tokens) {
        JsonNode t = json.get("chat_template");
        if (t.isTextual()) {
            return build(source, Map.of("default", t.textValue()), false, tokens);
        }
        if (t.isArray()) {
            Map<String, String> texts = new LinkedHashMap<>();
            for (JsonNode entry : t) {
                if (!entry.path("name").isTextual() || !entry.path("template").isTextual()) {
                    throw new ModelFileException(source + ": each entry of \"chat_template\" needs a string \"name\" "
                            + "and \"template\"");
                }
                texts.put(entry.get("name").textValue(), entry.get("template").textValue());
            }
            if (texts.isEmpty()) {
                throw new ModelFileException(source + ": \"chat_template\" is an empty list");
            }
            return build(source, texts, true, tokens);
        }
        throw new ModelFileException(source + ": \"chat_template\" must be a string or a list of {name, template}");
    }

    private static ChatTemplate build(String source, Map<String, String> texts, boolean named, Map<String, String> tokens) {
        Map<String, Parsed> parsed = new LinkedHashMap<>();
        texts.forEach((name, text) -> {
            try {
                parsed.put(name, new Parsed(text, Template.parse(text)));
            } catch (JinjaException e) {
                throw new ModelFileException("chat template " + source + (named ? " (" + name + ")" : "") + ", line "
                        + e.line() + ": " + oneLine(e.getMessage()) + "; fix the template or give another one");
            }
        });
        return new ChatTemplate(source, Collections.unmodifiableMap(parsed), named, tokens);
    }

    /** Named special tokens as transformers passes them: a string, or an AddedToken object's "content". */
    private static Map<String, String> specialTokens(JsonNode config, JsonNode specialTokensMap) {
        Map<String, String> tokens = new LinkedHashMap<>();
        for (String key : SPECIAL_TOKENS) {
            String value = tokenText(config == null ? null : config.get(key));
            if (value == null) {
                value = tokenText(specialTokensMap == null ? null : specialTokensMap.get(key));
            }
            if (value != null) {
                tokens.put(key, value);
            }
        }
        return tokens;
    }

    private static String tokenText(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        return node.path("content").isTextual() ? node.get("content").textValue() : null;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new ModelFileException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static JsonNode readJson(Path file) {
        try {
            return Json.MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw new ModelFileException(file + " is not valid JSON: " + oneLine(e.getMessage()), e);
        }
    }
}
