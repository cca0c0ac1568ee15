#!/usr/bin/env python3
"""Compares `qwen4j logits` with transformers on a checkpoint: same argmax at every position and
max |ours - theirs| <= tol * max |theirs| (fp32 compute from the checkpoint's weights on both sides).

Usage: check_logits.py --model DIR --ids 1,2,3 --ours ours.npy [--tol 1e-3]
Exit status 0 when they agree, 1 otherwise; prints one line with the figures either way.
"""
import argparse
import sys

import numpy as np
import torch
from transformers import AutoModelForCausalLM


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--ids", required=True)
    p.add_argument("--ours", required=True)
    p.add_argument("--tol", type=float, default=1e-3)
    a = p.parse_args()
    ids = torch.tensor([[int(x) for x in a.ids.split(",")]])
    ref = AutoModelForCausalLM.from_pretrained(a.model, dtype=torch.float32, attn_implementation="eager").eval()
    with torch.no_grad():
        theirs = ref(input_ids=ids).logits[0].numpy()
    ours = np.load(a.ours)
    if ours.shape != theirs.shape:
        print(f"FAIL shape {ours.shape} vs {theirs.shape}")
        return 1
    err = np.abs(ours - theirs).max() / np.abs(theirs).max()
    same_argmax = bool((ours.argmax(-1) == theirs.argmax(-1)).all())
    ok = err <= a.tol and same_argmax
    print(f"{'OK' if ok else 'FAIL'} max|diff|/max|ref| = {err:.3e} (tol {a.tol}), argmax equal at all "
          f"{len(ours)} positions: {same_argmax}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
