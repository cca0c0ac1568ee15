package io.qwen4j.formats;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * THE table between llama.cpp's GGUF tensor names and Hugging Face's (spec text.md §4.1), used both ways:
 * by {@link GgufSource} to present a GGUF under HF names and by the GGUF writer to name what it writes.
 * {@code {i}} is a layer, {@code {e}} an expert: llama.cpp stacks all experts of a layer into one tensor
 * ({@code blk.N.ffn_gate_exps.weight}, numpy shape [E, Ie, H]), which reads as one HF tensor per expert.
 * There is no Q/K permutation for qwen3/qwen3moe (NeoX rope, HF layout kept).
 */
public final class TensorNames {
    /** One row of the table. */
    public record Rule(String gguf, String hf) {
        /** True for a stacked expert tensor: one GGUF tensor, one HF tensor per expert. */
        public boolean experts() {
            return hf.contains("{e}");
        }
    }

    public static final List<Rule> RULES = List.of(
            new Rule("token_embd.weight", "model.embed_tokens.weight"),
            new Rule("output_norm.weight", "model.norm.weight"),
            new Rule("output.weight", "lm_head.weight"),
            new Rule("blk.{i}.attn_norm.weight", "model.layers.{i}.input_layernorm.weight"),
            new Rule("blk.{i}.attn_q.weight", "model.layers.{i}.self_attn.q_proj.weight"),
            new Rule("blk.{i}.attn_k.weight", "model.layers.{i}.self_attn.k_proj.weight"),
            new Rule("blk.{i}.attn_v.weight", "model.layers.{i}.self_attn.v_proj.weight"),
            new Rule("blk.{i}.attn_output.weight", "model.layers.{i}.self_attn.o_proj.weight"),
            new Rule("blk.{i}.attn_q_norm.weight", "model.layers.{i}.self_attn.q_norm.weight"),
            new Rule("blk.{i}.attn_k_norm.weight", "model.layers.{i}.self_attn.k_norm.weight"),
            new Rule("blk.{i}.ffn_norm.weight", "model.layers.{i}.post_attention_layernorm.weight"),
            new Rule("blk.{i}.ffn_gate.weight", "model.layers.{i}.mlp.gate_proj.weight"),
            new Rule("blk.{i}.ffn_up.weight", "model.layers.{i}.mlp.up_proj.weight"),
            new Rule("blk.{i}.ffn_down.weight", "model.layers.{i}.mlp.down_proj.weight"),
            new Rule("blk.{i}.ffn_gate_inp.weight", "model.layers.{i}.mlp.gate.weight"),
            new Rule("blk.{i}.ffn_gate_exps.weight", "model.layers.{i}.mlp.experts.{e}.gate_proj.weight"),
            new Rule("blk.{i}.ffn_up_exps.weight", "model.layers.{i}.mlp.experts.{e}.up_proj.weight"),
            new Rule("blk.{i}.ffn_down_exps.weight", "model.layers.{i}.mlp.experts.{e}.down_proj.weight"));

    private static final List<Pattern> GGUF = RULES.stream().map(r -> compile(r.gguf())).toList();
    private static final List<Pattern> HF = RULES.stream().map(r -> compile(r.hf())).toList();

    /** A name resolved through the table: the rule, the layer (−1 if none) and expert (−1 if none). */
    public record Match(Rule rule, int layer, int expert) {
        public String gguf() {
            return fill(rule.gguf(), layer, expert);
        }

        /** The HF name; for a stacked expert tensor, that of expert {@code e}. */
        public String hf(int e) {
            return fill(rule.hf(), layer, e);
        }
    }

    private TensorNames() {}

    private static Pattern compile(String template) {
        return Pattern.compile(Pattern.quote(template).replace("{i}", "\\E(\\d+)\\Q").replace("{e}", "\\E(\\d+)\\Q"));
    }

    private static String fill(String template, int layer, int expert) {
        return template.replace("{i}", Integer.toString(layer)).replace("{e}", Integer.toString(expert));
    }

    /** The rule for a GGUF tensor name. */
    public static Optional<Match> fromGguf(String name) {
        return find(GGUF, name, false);
    }

    /** The rule for a HF tensor name (an expert's name gives the stacked tensor and the expert). */
    public static Optional<Match> fromHf(String name) {
        return find(HF, name, true);
    }

    private static Optional<Match> find(List<Pattern> patterns, String name, boolean hf) {
        for (int k = 0; k < patterns.size(); k++) {
            Matcher m = patterns.get(k).matcher(name);
            if (m.matches()) {
                Rule rule = RULES.get(k);
                int layer = m.groupCount() >= 1 ? Integer.parseInt(m.group(1)) : -1;
                int expert = hf && m.groupCount() >= 2 ? Integer.parseInt(m.group(2)) : -1;
                return Optional.of(new Match(rule, layer, expert));
            }
        }
        return Optional.empty();
    }
}
