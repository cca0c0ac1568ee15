package io.qwen4j.tokenizer.chat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code apply_chat_template} takes besides the messages: {@code add_generation_prompt},
 * {@code tools} (JSON schemas), extra template variables such as {@code enable_thinking}, and the name
 * of the template to use when the checkpoint ships several.
 *
 * <pre>{@code
 * RenderOptions.builder().addGenerationPrompt(true).enableThinking(false).tools(schemas).build();
 * }</pre>
 */
public final class RenderOptions {
    private static final RenderOptions DEFAULTS = builder().build();

    private final boolean addGenerationPrompt;
    private final List<Object> tools; // null when none were given (the template sees None)
    private final Map<String, Object> variables;
    private final String templateName;

    private RenderOptions(Builder b) {
        this.addGenerationPrompt = b.addGenerationPrompt;
        this.tools = b.tools == null ? null : Collections.unmodifiableList(new ArrayList<>(b.tools));
        this.variables = Collections.unmodifiableMap(new LinkedHashMap<>(b.variables));
        this.templateName = b.templateName;
    }

    /** No generation prompt, no tools, no extra variables: transformers' defaults. */
    public static RenderOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    public boolean addGenerationPrompt() {
        return addGenerationPrompt;
    }

    /** The tool schemas, as plain Java values; empty when none were given. */
    public Optional<List<Object>> tools() {
        return Optional.ofNullable(tools);
    }

    /** Extra template variables (plain Java values), e.g. {@code enable_thinking}. */
    public Map<String, Object> variables() {
        return variables;
    }

    public Optional<String> templateName() {
        return Optional.ofNullable(templateName);
    }

    public static final class Builder {
        private boolean addGenerationPrompt;
        private List<Object> tools;
        private final Map<String, Object> variables = new LinkedHashMap<>();
        private String templateName;

        private Builder() {
        }

        /** Ends the prompt with the assistant header so the model answers (transformers' add_generation_prompt). */
        public Builder addGenerationPrompt(boolean add) {
            this.addGenerationPrompt = add;
            return this;
        }

        /** Tool (function) schemas, usually {@code {"type": "function", "function": {...}}}. */
        public Builder tools(List<JsonNode> schemas) {
            this.tools = new ArrayList<>();
            schemas.forEach(s -> tools.add(Json.plain(s)));
            return this;
        }

        /** Qwen3's switch: false makes the template close an empty think block so the model answers directly. */
        public Builder enableThinking(boolean enable) {
            return variable("enable_thinking", enable);
        }

        /** Any template variable (a Jackson tree or a plain Java value); overrides the special tokens. */
        public Builder variable(String name, Object value) {
            variables.put(name, Json.plainValue(value));
            return this;
        }

        /** Which of the checkpoint's named templates to use (default: "tool_use" with tools, else "default"). */
        public Builder templateName(String name) {
            this.templateName = name;
            return this;
        }

        public RenderOptions build() {
            return new RenderOptions(this);
        }
    }
}
