#!/usr/bin/env python3
"""The tiny Qwen3-Omni thinker as llama.cpp's GGUF pair, written by the reference writer (gguf-py's GGUFWriter).

llama.cpp converts the Qwen3-Omni thinker into two files (PR #19441, conversion/qwen3vl.py:
Qwen3OmniMoeTextModel and Qwen3OmniMmprojModel); this script writes the same names, keys and layouts from the tiny
checkpoint of make_tiny_omni.py, so that qwen4j's GGUF loading can be checked against its safetensors loading:

  thinker.gguf  general.architecture qwen3vlmoe: the text model (token_embd, blk.N.attn_*, ffn_gate_inp,
                ffn_{gate,up,down}_exps stacked [experts, rows, cols], output_norm, output) in BF16 (norms F32);
                qwen3vlmoe.* sizes, rope.dimension_sections [t, h, w, 0], n_deepstack_layers 0 (what llama.cpp
                writes for Omni), expert counts; the tokenizer (the tiny byte-per-token vocabulary: ids 0..255 bytes,
                the Qwen3-Omni special tokens at their tiny ids as CONTROL, the rest UNUSED), bos = eos = <|im_end|>
  mmproj-thinker.gguf  general.architecture clip, general.type mmproj: clip.has_vision_encoder / has_audio_encoder,
                clip.vision.* (block_count, embedding_length, feed_forward_length, attention.head_count,
                projection_dim, patch_size, image_size = sqrt(num_position_embeddings) * patch_size,
                spatial_merge_size, is_deepstack_layers, image_mean/std, attention.layer_norm_epsilon),
                clip.audio.* (num_mel_bins, embedding_length, feed_forward_length, block_count, attention.head_count,
                projection_dim, attention.layer_norm_epsilon), projector types qwen3vl_merger / qwen3a, clip.use_gelu;
                tensors v.* (the Conv3d patch kernel split along time into v.patch_embd.weight and
                v.patch_embd.weight.1), v.deepstack.{vision block}.*, mm.0 / mm.2, a.*, mm.a.mlp.{1,2}, the audio conv
                biases as [1, 1, C], conv weights F16 (llama.cpp forces F16 there), a.position_embd.weight (the
                sinusoid table llama.cpp adds); everything else F32
  deepstack-names.gguf  a names-only mmproj whose deepstack mergers sit after vision blocks 1 and 3 (is_deepstack_layers
                [F, T, F, T]), so v.deepstack.1 / v.deepstack.3 must read as HF's merger_list.0 / merger_list.1

The names and keys follow llama.cpp's conversion code as read; nothing of llama.cpp is copied or run here.

Usage: make_omni_gguf.py [--hf DIR] [--out DIR]
"""
import argparse
import json
import os

import gguf
import numpy as np
from gguf import GGMLQuantizationType as T

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--hf", default=os.path.join(ROOT, "fixtures", "golden", "qwen3-omni-tiny"))
    p.add_argument("--out", default=os.path.join(ROOT, "fixtures", "gguf-omni"))
    return p.parse_args()


def load_thinker(hf_dir):
    import torch
    from safetensors.torch import load_file
    index = json.load(open(os.path.join(hf_dir, "model.safetensors.index.json")))["weight_map"]
    tensors = {}
    for f in sorted(set(index.values())):
        for name, t in load_file(os.path.join(hf_dir, f)).items():
            if name.startswith("thinker."):
                tensors[name[len("thinker."):]] = t.to(torch.float32).numpy()
    return tensors


def add(w, name, data, t):
    w.add_tensor(name, gguf.quants.quantize(np.ascontiguousarray(data, dtype=np.float32), t), raw_dtype=t)


TEXT = {"input_layernorm.weight": "attn_norm.weight", "self_attn.q_proj.weight": "attn_q.weight",
        "self_attn.k_proj.weight": "attn_k.weight", "self_attn.v_proj.weight": "attn_v.weight",
        "self_attn.o_proj.weight": "attn_output.weight", "self_attn.q_norm.weight": "attn_q_norm.weight",
        "self_attn.k_norm.weight": "attn_k_norm.weight", "post_attention_layernorm.weight": "ffn_norm.weight",
        "mlp.gate.weight": "ffn_gate_inp.weight"}


def thinker_gguf(path, cfg, t, token_table):
    text = cfg["thinker_config"]["text_config"]
    arch = "qwen3vlmoe"
    w = gguf.GGUFWriter(path, arch)
    w.add_type(gguf.GGUFType.MODEL)
    w.add_name("qwen3-omni-tiny")
    w.add_block_count(text["num_hidden_layers"])
    w.add_context_length(text["max_position_embeddings"])
    w.add_embedding_length(text["hidden_size"])
    w.add_feed_forward_length(text["intermediate_size"])
    w.add_head_count(text["num_attention_heads"])
    w.add_head_count_kv(text["num_key_value_heads"])
    w.add_rope_freq_base(text["rope_parameters"]["rope_theta"])
    w.add_layer_norm_rms_eps(text["rms_norm_eps"])
    w.add_expert_count(text["num_experts"])
    w.add_expert_used_count(text["num_experts_per_tok"])
    w.add_key_length(text["head_dim"])
    w.add_value_length(text["head_dim"])
    w.add_expert_feed_forward_length(text["moe_intermediate_size"])
    w.add_rope_dimension_sections(list(text["rope_parameters"]["mrope_section"]) + [0])
    w.add_num_deepstack_layers(0)  # Qwen3OmniMoeTextModel.set_gguf_parameters writes 0
    w.add_file_type(gguf.LlamaFileType.MOSTLY_BF16)
    # the tiny vocabulary: bytes, then the special tokens at their ids (golden.json's table)
    vocab = text["vocab_size"]
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    byte_to_char = {b: chr(c) for b, c in zip(bs, cs)}
    tokens = [byte_to_char[i] if i < 256 else f"[PAD{i}]" for i in range(vocab)]
    types = [gguf.TokenType.NORMAL if i < 256 else gguf.TokenType.UNUSED for i in range(vocab)]
    for text_, ids in token_table.items():
        tokens[ids["tiny"]] = text_
        types[ids["tiny"]] = gguf.TokenType.CONTROL
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("qwen2")
    w.add_token_list(tokens)
    w.add_token_types(types)
    im_end = token_table["<|im_end|>"]["tiny"]
    w.add_bos_token_id(im_end)  # Qwen3OmniMoeTextModel.set_vocab: bos and eos are <|im_end|>
    w.add_eos_token_id(im_end)
    w.add_quantization_version(gguf.GGML_QUANT_VERSION)
    add(w, "token_embd.weight", t["model.embed_tokens.weight"], T.BF16)
    for i in range(text["num_hidden_layers"]):
        p = f"model.layers.{i}."
        for hf, g in TEXT.items():
            data = t[p + hf]
            add(w, f"blk.{i}.{g}", data, T.F32 if data.ndim == 1 or g == "ffn_gate_inp.weight" else T.BF16)
        for proj, g in (("gate_proj", "ffn_gate_exps"), ("up_proj", "ffn_up_exps"), ("down_proj", "ffn_down_exps")):
            stacked = np.stack([t[f"{p}mlp.experts.{e}.{proj}.weight"] for e in range(text["num_experts"])])
            add(w, f"blk.{i}.{g}.weight", stacked, T.BF16)
    add(w, "output_norm.weight", t["model.norm.weight"], T.F32)
    add(w, "output.weight", t["lm_head.weight"], T.BF16)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def mmproj_gguf(path, cfg, t):
    thinker = cfg["thinker_config"]
    vision, audio = thinker["vision_config"], thinker["audio_config"]
    w = gguf.GGUFWriter(path, "clip")
    w.add_type(gguf.GGUFType.MMPROJ)
    w.add_name("qwen3-omni-tiny")
    w.add_file_type(gguf.LlamaFileType.ALL_F32)
    w.add_clip_has_vision_encoder(True)
    w.add_vision_projection_dim(thinker["text_config"]["hidden_size"])
    side = int(round(vision["num_position_embeddings"] ** 0.5))
    w.add_vision_image_size(side * vision["patch_size"])
    w.add_vision_patch_size(vision["patch_size"])
    w.add_vision_embedding_length(vision["hidden_size"])
    w.add_vision_feed_forward_length(vision["intermediate_size"])
    w.add_vision_block_count(vision["depth"])
    w.add_vision_head_count(vision["num_heads"])
    w.add_vision_image_mean([0.5, 0.5, 0.5])
    w.add_vision_image_std([0.5, 0.5, 0.5])
    w.add_clip_has_audio_encoder(True)
    w.add_audio_projection_dim(thinker["text_config"]["hidden_size"])
    w.add_audio_embedding_length(audio["d_model"])
    w.add_audio_feed_forward_length(audio["encoder_ffn_dim"])
    w.add_audio_block_count(audio["encoder_layers"])
    w.add_audio_head_count(audio["encoder_attention_heads"])
    w.add_audio_num_mel_bins(audio["num_mel_bins"])
    w.add_audio_attention_layernorm_eps(1e-5)
    w.add_vision_use_gelu(True)
    w.add_vision_spatial_merge_size(vision["spatial_merge_size"])
    w.add_vision_attention_layernorm_eps(thinker["text_config"]["rms_norm_eps"])
    deepstack = vision["deepstack_visual_indexes"]
    w.add_vision_is_deepstack_layers([i in deepstack for i in range(vision["depth"])])
    w.add_clip_vision_projector_type(gguf.VisionProjectorType.QWEN3VL)
    w.add_clip_audio_projector_type("qwen3a")
    w.add_quantization_version(gguf.GGML_QUANT_VERSION)

    def weight_and_bias(gguf_name, hf_name):
        for suffix in ("weight", "bias"):
            add(w, f"{gguf_name}.{suffix}", t[f"{hf_name}.{suffix}"], T.F32)

    # audio: a sinusoid table first (llama.cpp's generate_extra_tensors), then the tower
    channels = audio["d_model"]
    inv = np.exp(-np.log(10000) / (channels // 2 - 1) * np.arange(channels // 2, dtype=np.float32))
    scaled = np.arange(1500)[:, None] * inv[None, :]
    add(w, "a.position_embd.weight", np.concatenate([np.sin(scaled), np.cos(scaled)], axis=1), T.F32)
    for k in (1, 2, 3):
        add(w, f"a.conv2d.{k}.weight", t[f"audio_tower.conv2d{k}.weight"], T.F16)
        add(w, f"a.conv2d.{k}.bias", t[f"audio_tower.conv2d{k}.bias"].reshape(-1, 1, 1), T.F32)  # [1, 1, C] in ggml order
    add(w, "a.conv_out.weight", t["audio_tower.conv_out.weight"], T.F16)
    names = {"self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
             "self_attn.out_proj": "attn_out", "self_attn_layer_norm": "ln1", "final_layer_norm": "ln2",
             "fc1": "ffn_up", "fc2": "ffn_down"}
    for i in range(audio["encoder_layers"]):
        for hf, g in names.items():
            weight_and_bias(f"a.blk.{i}.{g}", f"audio_tower.layers.{i}.{hf}")
    for hf, g in (("ln_post", "a.post_ln"), ("proj1", "mm.a.mlp.1"), ("proj2", "mm.a.mlp.2")):
        weight_and_bias(g, f"audio_tower.{hf}")
    # vision
    names = {"norm1": "ln1", "norm2": "ln2", "attn.qkv": "attn_qkv", "attn.proj": "attn_out", "mlp.linear_fc1": "ffn_up",
             "mlp.linear_fc2": "ffn_down"}
    for i in range(vision["depth"]):
        for hf, g in names.items():
            weight_and_bias(f"v.blk.{i}.{g}", f"visual.blocks.{i}.{hf}")
    for hf, g in (("merger.ln_q", "v.post_ln"), ("merger.mlp.0", "mm.0"), ("merger.mlp.2", "mm.2")):
        weight_and_bias(g, f"visual.{hf}")
    for j, block in enumerate(deepstack):  # numbered by vision block, as conversion/qwen3vl.py does
        for hf, g in (("ln_q", "norm"), ("mlp.0", "fc1"), ("mlp.2", "fc2")):
            weight_and_bias(f"v.deepstack.{block}.{g}", f"visual.merger_list.{j}.{hf}")
    patch = t["visual.patch_embed.proj.weight"]  # [out, in, 2, p, p]: one Conv2d kernel per frame of the pair
    add(w, "v.patch_embd.weight", patch[:, :, 0], T.F32)
    add(w, "v.patch_embd.weight.1", patch[:, :, 1], T.F32)
    add(w, "v.patch_embd.bias", t["visual.patch_embed.proj.bias"], T.F32)
    add(w, "v.position_embd.weight", t["visual.pos_embed.weight"], T.F32)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def deepstack_names(path):
    """A names-only mmproj: 4 vision blocks, deepstack after blocks 1 and 3, tiny random tensors."""
    rng = np.random.default_rng(5)
    w = gguf.GGUFWriter(path, "clip")
    w.add_type(gguf.GGUFType.MMPROJ)
    w.add_clip_has_vision_encoder(True)
    w.add_vision_block_count(4)
    w.add_vision_is_deepstack_layers([False, True, False, True])
    for block in (1, 3):
        for g, shape in (("norm.weight", (8,)), ("norm.bias", (8,)), ("fc1.weight", (8, 8)), ("fc1.bias", (8,)),
                         ("fc2.weight", (4, 8)), ("fc2.bias", (4,))):
            add(w, f"v.deepstack.{block}.{g}", rng.standard_normal(shape).astype(np.float32) + block, T.F32)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


README = """# Qwen3-Omni as llama.cpp's GGUF pair (tiny)

Written by `tools/golden/make_omni_gguf.py` with gguf-py's GGUFWriter from `../golden/qwen3-omni-tiny` (never edited
by hand): `thinker.gguf` (the text model, arch `qwen3vlmoe`), `mmproj-thinker.gguf` (the audio and vision encoders, arch
`clip`), and `deepstack-names.gguf` (a names-only mmproj with deepstack mergers after vision blocks 1 and 3). Names,
keys and layouts are those of llama.cpp's conversion of Qwen3-Omni (conversion/qwen3vl.py); see the script's help.
"""


def main():
    args = parse_args()
    os.makedirs(args.out, exist_ok=True)
    cfg = json.load(open(os.path.join(args.hf, "config.json")))
    table = json.load(open(os.path.join(args.hf, "golden.json")))["token_ids"]
    tensors = load_thinker(args.hf)
    thinker_gguf(os.path.join(args.out, "thinker.gguf"), cfg, tensors, table)
    mmproj_gguf(os.path.join(args.out, "mmproj-thinker.gguf"), cfg, tensors)
    deepstack_names(os.path.join(args.out, "deepstack-names.gguf"))
    with open(os.path.join(args.out, "README.md"), "w") as f:
        f.write(README)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
