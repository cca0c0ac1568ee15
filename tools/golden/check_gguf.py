#!/usr/bin/env python3
"""Reads a GGUF written by `qwen4j convert` with the reference reader (gguf.GGUFReader) and checks it
against the checkpoint it came from: the reader parses it, every tensor is where gguf-py's TensorNameMap
puts it with the checkpoint's shape, and gguf.quants.dequantize gives back the checkpoint's values within
what the tensor's type allows. Run once by hand; prints a report and exits 1 on a mismatch.

Usage: check_gguf.py FILE.gguf HF_DIR
"""
import json
import os
import sys

import numpy as np
import gguf

sys.path.insert(0, os.path.dirname(__file__))
from make_gguf import load_hf  # noqa: E402

# max |dequantized - original| / max |original| allowed per type (a step of the coarsest grid, generously)
BOUND = {"F32": 0, "F16": 1e-3, "BF16": 8e-3, "Q8_0": 1e-2, "Q6_K": 4e-2, "Q5_0": 8e-2, "Q5_1": 8e-2, "Q5_K": 8e-2,
         "Q4_0": 0.15, "Q4_K": 0.15}


def main():
    path, hf_dir = sys.argv[1], sys.argv[2]
    r = gguf.GGUFReader(path)
    arch = r.fields["general.architecture"].contents()
    print(f"{path}: GGUF v{r.fields['GGUF.version'].contents()}, architecture {arch}, {len(r.tensors)} tensors, "
          f"{len(r.fields)} fields (file_type {r.fields['general.file_type'].contents()})")
    hp = json.load(open(os.path.join(hf_dir, "config.json")))
    tmap = gguf.get_tensor_name_map(gguf.MODEL_ARCH.QWEN3, hp["num_hidden_layers"])
    hf = load_hf(hf_dir)
    expected = {tmap.get_name(n, try_suffixes=(".weight", ".bias")): n for n in hf}
    ok = True
    seen = set()
    worst = {}
    for t in r.tensors:
        if t.name not in expected:
            print(f"  {t.name}: not a tensor gguf-py would name for this checkpoint"); ok = False; continue
        seen.add(t.name)
        orig = hf[expected[t.name]]
        shape = tuple(int(d) for d in reversed(t.shape))
        if shape != orig.shape:
            print(f"  {t.name}: shape {shape} vs checkpoint {orig.shape}"); ok = False; continue
        values = gguf.quants.dequantize(t.data, t.tensor_type).reshape(orig.shape)
        rel = float(np.abs(values - orig).max() / max(np.abs(orig).max(), 1e-30))
        typ = t.tensor_type.name
        worst[typ] = max(worst.get(typ, 0.0), rel)
        if rel > BOUND.get(typ, 0.2):
            print(f"  {t.name} {typ}: max error {rel:.3e} of max |x|, above {BOUND.get(typ)}"); ok = False
    for name in set(expected) - seen:
        print(f"  {name} missing"); ok = False
    for typ, rel in sorted(worst.items()):
        print(f"  {typ:5s}: worst max|error|/max|x| {rel:.3e}")
    for key in [f"{arch}.block_count", f"{arch}.embedding_length", f"{arch}.attention.key_length", "general.quantization_version"]:
        if key not in r.fields:
            print(f"  {key} missing"); ok = False
    print("OK: the reference reader reads it and dequantizes it to the checkpoint" if ok else "MISMATCH")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
