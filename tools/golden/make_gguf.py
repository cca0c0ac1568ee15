#!/usr/bin/env python3
"""GGUF fixtures written by the reference writer (gguf.GGUFWriter from llama.cpp's gguf-py).

  convert  HF_DIR OUT.gguf --type f32|bf16|q8_0
      a Qwen3 checkpoint as llama.cpp's convert_hf_to_gguf.py writes it: tensor names from gguf-py's own
      TensorNameMap, 1-D tensors and norms in F32, the rest in the chosen type (Q8_0 falling back to F16
      when a row is not a multiple of 32), the qwen3.* keys, and the tokenizer when tokenizer.json exists
      (get_vocab_base + gguf.SpecialVocab, as the converter does)
  metadata OUT_DIR
      every-types.gguf: every metadata value type, nested arrays, general.alignment 64, tensors of several
      types; every-types.json: what a reader must find in it
  moe      OUT_DIR
      moe.gguf: a synthetic one-layer qwen3moe with stacked expert tensors (Q4_K, Q8_0, F16) and the router;
      moe-expected.safetensors: each expert's slice dequantized by gguf.quants
"""
import argparse
import json
import os
import sys

import numpy as np
import gguf
from gguf import GGMLQuantizationType as T


def load_hf(hf_dir):
    import torch
    from safetensors.torch import load_file
    index = os.path.join(hf_dir, "model.safetensors.index.json")
    files = sorted(set(json.load(open(index))["weight_map"].values())) if os.path.exists(index) else ["model.safetensors"]
    tensors = {}
    for f in files:
        for name, t in load_file(os.path.join(hf_dir, f)).items():
            tensors[name] = t.to(torch.float32).numpy()
    return tensors


def add_tokenizer(w, hf_dir, hparams):
    """convert_hf_to_gguf.py's _set_vocab_gpt2 for Qwen (pre-tokenizer qwen2)."""
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(hf_dir)
    vocab_size = hparams.get("vocab_size", len(tok.vocab))
    reverse = {i: t for t, i in tok.vocab.items()}
    added = tok.get_added_vocab()
    tokens, types = [], []
    for i in range(vocab_size):
        if i not in reverse:
            tokens.append(f"[PAD{i}]")
            types.append(gguf.TokenType.UNUSED)
            continue
        t = reverse[i]
        if t in added:
            special = tok.added_tokens_decoder[i].special or (t.startswith("<|") and t.endswith("|>"))
            if special:
                types.append(gguf.TokenType.CONTROL)
            else:
                t = t.replace("\u2581", " ")
                types.append(gguf.TokenType.USER_DEFINED)
        else:
            types.append(gguf.TokenType.NORMAL)
        tokens.append(t)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("qwen2")
    w.add_token_list(tokens)
    w.add_token_types(types)
    gguf.SpecialVocab(hf_dir, load_merges=True).add_to_gguf(w)


def convert(args):
    hp = json.load(open(os.path.join(args.hf_dir, "config.json")))
    assert hp["model_type"] == "qwen3", hp["model_type"]
    arch = "qwen3"
    n_layers = hp["num_hidden_layers"]
    tmap = gguf.get_tensor_name_map(gguf.MODEL_ARCH.QWEN3, n_layers)
    ftype = {"f32": gguf.LlamaFileType.ALL_F32, "bf16": gguf.LlamaFileType.MOSTLY_BF16, "q8_0": gguf.LlamaFileType.MOSTLY_Q8_0}[args.type]
    qtype = {"f32": T.F32, "bf16": T.BF16, "q8_0": T.Q8_0}[args.type]
    w = gguf.GGUFWriter(args.out, arch)
    w.add_type(gguf.GGUFType.MODEL)
    w.add_name(os.path.basename(os.path.normpath(args.hf_dir)))
    head_dim = hp.get("head_dim") or hp["hidden_size"] // hp["num_attention_heads"]
    theta = hp.get("rope_theta") or hp.get("rope_parameters", {}).get("rope_theta", 10000.0)
    w.add_block_count(n_layers)
    w.add_context_length(hp["max_position_embeddings"])
    w.add_embedding_length(hp["hidden_size"])
    w.add_feed_forward_length(hp["intermediate_size"])
    w.add_head_count(hp["num_attention_heads"])
    w.add_head_count_kv(hp["num_key_value_heads"])
    w.add_rope_freq_base(theta)
    w.add_layer_norm_rms_eps(hp["rms_norm_eps"])
    w.add_key_length(head_dim)
    w.add_value_length(head_dim)
    w.add_file_type(ftype)
    if os.path.exists(os.path.join(args.hf_dir, "tokenizer.json")):
        add_tokenizer(w, args.hf_dir, hp)
    w.add_quantization_version(gguf.GGML_QUANT_VERSION)
    for name, data in load_hf(args.hf_dir).items():
        new_name = tmap.get_name(name, try_suffixes=(".weight", ".bias"))
        if new_name is None:
            sys.exit(f"no GGUF name for {name}")
        t = T.F32 if data.ndim <= 1 or new_name.endswith("_norm.weight") else qtype
        try:
            q = gguf.quants.quantize(data, t)
        except gguf.QuantError:
            t = T.F16
            q = gguf.quants.quantize(data, t)
        w.add_tensor(new_name, q, raw_dtype=t)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def metadata(args):
    os.makedirs(args.out_dir, exist_ok=True)
    path = os.path.join(args.out_dir, "every-types.gguf")
    w = gguf.GGUFWriter(path, "qwen3")
    w.add_custom_alignment(64)
    w.add_uint8("test.u8", 250)
    w.add_int8("test.i8", -100)
    w.add_uint16("test.u16", 65000)
    w.add_int16("test.i16", -32000)
    w.add_uint32("test.u32", 4000000000)
    w.add_int32("test.i32", -2000000000)
    w.add_float32("test.f32", 0.1)
    w.add_uint64("test.u64", 2 ** 63 - 1)
    w.add_int64("test.i64", -(2 ** 62))
    w.add_float64("test.f64", 0.1)
    w.add_bool("test.true", True)
    w.add_bool("test.false", False)
    w.add_string("test.string", "héllo ✓ 世界")
    w.add_array("test.ints", [1, -2, 3])
    w.add_array("test.floats", [0.5, -1.25])
    w.add_array("test.strings", ["a", "bb", "ccc ✓"])
    w.add_array("test.bools", [True, False, True])
    w.add_array("test.nested", [[1, 2], [3]])  # the reference writer refuses empty arrays
    w.add_array("test.nested_strings", [["x", "y"], ["z"]])
    # a tokenizer as convert_hf_to_gguf.py writes one (gguf-py's own add_* calls)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("qwen2")
    w.add_token_list(["a", "b", "ab", "<|im_end|>", "<think>"])
    w.add_token_types([gguf.TokenType.NORMAL, gguf.TokenType.NORMAL, gguf.TokenType.NORMAL, gguf.TokenType.CONTROL,
                       gguf.TokenType.USER_DEFINED])
    w.add_token_merges(["a b"])
    w.add_eos_token_id(3)
    w.add_pad_token_id(3)
    w.add_add_bos_token(False)
    w.add_chat_template("{{ messages }}")
    rng = np.random.default_rng(3)
    expected_tensors = {}
    a = rng.standard_normal((3, 64)).astype(np.float32)
    w.add_tensor("t.f32", a)
    expected_tensors["t.f32"] = {"type": "F32", "dims": [64, 3], "values": a.ravel().tolist()}
    b = rng.standard_normal((2, 5)).astype(np.float16)
    w.add_tensor("t.f16", b)
    expected_tensors["t.f16"] = {"type": "F16", "dims": [5, 2], "values": b.astype(np.float32).ravel().tolist()}
    c = rng.standard_normal((2, 64)).astype(np.float32)
    cq = gguf.quants.quantize(c, T.Q8_0)
    w.add_tensor("t.q8_0", cq, raw_dtype=T.Q8_0)
    expected_tensors["t.q8_0"] = {"type": "Q8_0", "dims": [64, 2], "values": gguf.quants.dequantize(cq, T.Q8_0).ravel().tolist()}
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    reader = gguf.GGUFReader(path)
    tensors = {t.name: {**expected_tensors[t.name], "offset": int(t.data_offset)} for t in reader.tensors}
    expected = {
        "generator": "tools/golden/make_gguf.py metadata",
        "version": 3,
        "alignment": 64,
        "metadata": {
            "test.u8": ["UINT8", 250], "test.i8": ["INT8", -100], "test.u16": ["UINT16", 65000],
            "test.i16": ["INT16", -32000], "test.u32": ["UINT32", 4000000000], "test.i32": ["INT32", -2000000000],
            "test.f32": ["FLOAT32", float(np.float32(0.1))], "test.u64": ["UINT64", 2 ** 63 - 1],
            "test.i64": ["INT64", -(2 ** 62)], "test.f64": ["FLOAT64", 0.1], "test.true": ["BOOL", True],
            "test.false": ["BOOL", False], "test.string": ["STRING", "héllo ✓ 世界"],
            "test.ints": ["ARRAY", "INT32", [1, -2, 3]], "test.floats": ["ARRAY", "FLOAT32", [0.5, -1.25]],
            "test.strings": ["ARRAY", "STRING", ["a", "bb", "ccc ✓"]], "test.bools": ["ARRAY", "BOOL", [True, False, True]],
            "test.nested": ["ARRAY", "ARRAY", [[1, 2], [3]]], "test.nested_strings": ["ARRAY", "ARRAY", [["x", "y"], ["z"]]],
        },
        "metadata_types_in_file": {f.name: [gguf.GGUFValueType(f.types[0]).name] + ([gguf.GGUFValueType(t).name for t in f.types[1:]])
                                   for f in reader.fields.values() if f.name.startswith("test.")},
        "tensors": tensors,
    }
    with open(os.path.join(args.out_dir, "every-types.json"), "w") as f:
        json.dump(expected, f, indent=1, ensure_ascii=False)
        f.write("\n")


def moe(args):
    from safetensors.numpy import save_file
    os.makedirs(args.out_dir, exist_ok=True)
    rng = np.random.default_rng(11)
    E, H, Ie = 3, 256, 32
    path = os.path.join(args.out_dir, "moe.gguf")
    w = gguf.GGUFWriter(path, "qwen3moe")
    w.add_block_count(1)
    w.add_context_length(512)
    w.add_embedding_length(H)
    w.add_feed_forward_length(64)
    w.add_head_count(2)
    w.add_head_count_kv(1)
    w.add_key_length(64)
    w.add_value_length(64)
    w.add_rope_freq_base(1e6)
    w.add_layer_norm_rms_eps(1e-6)
    w.add_expert_count(E)
    w.add_expert_used_count(2)
    w.add_expert_feed_forward_length(Ie)
    w.add_eos_token_id(7)
    expected = {}
    # gate: random Q4_K blocks (the package cannot quantize K-quants); bytes [E, Ie, H/256*144]
    gate = rng.integers(0, 256, size=(E, Ie, H // 256 * 144), dtype=np.uint8)
    gate[..., 0:4] = rng.uniform(0.001, 0.05, size=(E, Ie, 2)).astype(np.float16).view(np.uint8)
    w.add_tensor("blk.0.ffn_gate_exps.weight", gate, raw_dtype=T.Q4_K)
    up = gguf.quants.quantize(rng.standard_normal((E, Ie, H)).astype(np.float32), T.Q8_0)
    w.add_tensor("blk.0.ffn_up_exps.weight", up, raw_dtype=T.Q8_0)
    down = rng.standard_normal((E, H, Ie)).astype(np.float16)
    w.add_tensor("blk.0.ffn_down_exps.weight", down)
    router = rng.standard_normal((E, H)).astype(np.float32)
    w.add_tensor("blk.0.ffn_gate_inp.weight", router)
    for e in range(E):
        expected[f"model.layers.0.mlp.experts.{e}.gate_proj.weight"] = gguf.quants.dequantize(gate[e], T.Q4_K)
        expected[f"model.layers.0.mlp.experts.{e}.up_proj.weight"] = gguf.quants.dequantize(up[e], T.Q8_0)
        expected[f"model.layers.0.mlp.experts.{e}.down_proj.weight"] = down[e].astype(np.float32)
    expected["model.layers.0.mlp.gate.weight"] = router
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    save_file({k: np.ascontiguousarray(v, dtype=np.float32) for k, v in expected.items()},
              os.path.join(args.out_dir, "moe-expected.safetensors"), metadata={"generator": "tools/golden/make_gguf.py moe"})


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("convert")
    c.add_argument("hf_dir")
    c.add_argument("out")
    c.add_argument("--type", choices=["f32", "bf16", "q8_0"], default="bf16")
    sub.add_parser("metadata").add_argument("out_dir")
    sub.add_parser("moe").add_argument("out_dir")
    args = p.parse_args()
    {"convert": convert, "metadata": metadata, "moe": moe}[args.cmd](args)


if __name__ == "__main__":
    main()
