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
 *
 * <p>The Qwen3-Omni thinker: its text model is the {@code qwen3vlmoe} GGUF (the rows above); its encoders are in the
 * mmproj GGUF ({@code general.architecture = clip}), named as llama.cpp's converter names them
 * ({@code Qwen3OmniMmprojModel}: {@code v.*} vision, {@code a.*} audio, {@code mm.*} projectors), here under the HF names
 * relative to {@code thinker.}: {@code visual.*} and {@code audio_tower.*}. Two vision tensors are not one-to-one and
 * {@link GgufSource} assembles them: the Conv3d patch embedding, split by llama.cpp along time into
 * {@code v.patch_embd.weight} and {@code v.patch_embd.weight.1}, and the deepstack mergers, numbered by vision block
 * ({@code v.deepstack.8}) where HF numbers them in order ({@code merger_list.0}).
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
            new Rule("blk.{i}.ffn_down_exps.weight", "model.layers.{i}.mlp.experts.{e}.down_proj.weight"),
            // Qwen3-Omni mmproj (llama.cpp's Qwen3OmniMmprojModel): vision, deepstack by vision block, audio
            new Rule("v.position_embd.weight", "visual.pos_embed.weight"),
            new Rule("v.patch_embd.bias", "visual.patch_embed.proj.bias"),
            new Rule("v.blk.{i}.ln1.weight", "visual.blocks.{i}.norm1.weight"),
            new Rule("v.blk.{i}.ln1.bias", "visual.blocks.{i}.norm1.bias"),
            new Rule("v.blk.{i}.ln2.weight", "visual.blocks.{i}.norm2.weight"),
            new Rule("v.blk.{i}.ln2.bias", "visual.blocks.{i}.norm2.bias"),
            new Rule("v.blk.{i}.attn_qkv.weight", "visual.blocks.{i}.attn.qkv.weight"),
            new Rule("v.blk.{i}.attn_qkv.bias", "visual.blocks.{i}.attn.qkv.bias"),
            new Rule("v.blk.{i}.attn_out.weight", "visual.blocks.{i}.attn.proj.weight"),
            new Rule("v.blk.{i}.attn_out.bias", "visual.blocks.{i}.attn.proj.bias"),
            new Rule("v.blk.{i}.ffn_up.weight", "visual.blocks.{i}.mlp.linear_fc1.weight"),
            new Rule("v.blk.{i}.ffn_up.bias", "visual.blocks.{i}.mlp.linear_fc1.bias"),
            new Rule("v.blk.{i}.ffn_down.weight", "visual.blocks.{i}.mlp.linear_fc2.weight"),
            new Rule("v.blk.{i}.ffn_down.bias", "visual.blocks.{i}.mlp.linear_fc2.bias"),
            new Rule("v.post_ln.weight", "visual.merger.ln_q.weight"),
            new Rule("v.post_ln.bias", "visual.merger.ln_q.bias"),
            new Rule("mm.0.weight", "visual.merger.mlp.0.weight"),
            new Rule("mm.0.bias", "visual.merger.mlp.0.bias"),
            new Rule("mm.2.weight", "visual.merger.mlp.2.weight"),
            new Rule("mm.2.bias", "visual.merger.mlp.2.bias"),
            new Rule("v.deepstack.{i}.norm.weight", "visual.merger_list.{i}.ln_q.weight"),
            new Rule("v.deepstack.{i}.norm.bias", "visual.merger_list.{i}.ln_q.bias"),
            new Rule("v.deepstack.{i}.fc1.weight", "visual.merger_list.{i}.mlp.0.weight"),
            new Rule("v.deepstack.{i}.fc1.bias", "visual.merger_list.{i}.mlp.0.bias"),
            new Rule("v.deepstack.{i}.fc2.weight", "visual.merger_list.{i}.mlp.2.weight"),
            new Rule("v.deepstack.{i}.fc2.bias", "visual.merger_list.{i}.mlp.2.bias"),
            new Rule("a.conv2d.1.weight", "audio_tower.conv2d1.weight"),
            new Rule("a.conv2d.1.bias", "audio_tower.conv2d1.bias"),
            new Rule("a.conv2d.2.weight", "audio_tower.conv2d2.weight"),
            new Rule("a.conv2d.2.bias", "audio_tower.conv2d2.bias"),
            new Rule("a.conv2d.3.weight", "audio_tower.conv2d3.weight"),
            new Rule("a.conv2d.3.bias", "audio_tower.conv2d3.bias"),
            new Rule("a.blk.{i}.attn_q.weight", "audio_tower.layers.{i}.self_attn.q_proj.weight"),
            new Rule("a.blk.{i}.attn_q.bias", "audio_tower.layers.{i}.self_attn.q_proj.bias"),
            new Rule("a.blk.{i}.attn_k.weight", "audio_tower.layers.{i}.self_attn.k_proj.weight"),
            new Rule("a.blk.{i}.attn_k.bias", "audio_tower.layers.{i}.self_attn.k_proj.bias"),
            new Rule("a.blk.{i}.attn_v.weight", "audio_tower.layers.{i}.self_attn.v_proj.weight"),
            new Rule("a.blk.{i}.attn_v.bias", "audio_tower.layers.{i}.self_attn.v_proj.bias"),
            new Rule("a.blk.{i}.attn_out.weight", "audio_tower.layers.{i}.self_attn.out_proj.weight"),
            new Rule("a.blk.{i}.attn_out.bias", "audio_tower.layers.{i}.self_attn.out_proj.bias"),
            new Rule("a.blk.{i}.ln1.weight", "audio_tower.layers.{i}.self_attn_layer_norm.weight"),
            new Rule("a.blk.{i}.ln1.bias", "audio_tower.layers.{i}.self_attn_layer_norm.bias"),
            new Rule("a.blk.{i}.ln2.weight", "audio_tower.layers.{i}.final_layer_norm.weight"),
            new Rule("a.blk.{i}.ln2.bias", "audio_tower.layers.{i}.final_layer_norm.bias"),
            new Rule("a.blk.{i}.ffn_up.weight", "audio_tower.layers.{i}.fc1.weight"),
            new Rule("a.blk.{i}.ffn_up.bias", "audio_tower.layers.{i}.fc1.bias"),
            new Rule("a.blk.{i}.ffn_down.weight", "audio_tower.layers.{i}.fc2.weight"),
            new Rule("a.blk.{i}.ffn_down.bias", "audio_tower.layers.{i}.fc2.bias"),
            new Rule("a.post_ln.weight", "audio_tower.ln_post.weight"),
            new Rule("a.post_ln.bias", "audio_tower.ln_post.bias"),
            new Rule("mm.a.mlp.1.weight", "audio_tower.proj1.weight"),
            new Rule("mm.a.mlp.1.bias", "audio_tower.proj1.bias"),
            new Rule("mm.a.mlp.2.weight", "audio_tower.proj2.weight"),
            new Rule("mm.a.mlp.2.bias", "audio_tower.proj2.bias"),
            new Rule("a.conv_out.weight", "audio_tower.conv_out.weight"));

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
