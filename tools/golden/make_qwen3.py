#!/usr/bin/env python3
"""Builds a tiny random-weight Qwen3 checkpoint in the Hugging Face layout and its golden tensors.

The checkpoint (config.json, generation_config.json, model.safetensors in bf16, or shards plus
model.safetensors.index.json) is what qwen4j loads; golden.safetensors + golden.json hold what
transformers computes from it in fp32 ("eager" attention): the taps, logits, decode steps and greedy
continuation described in harness.py.

Usage: make_qwen3.py --out DIR [--seed N] [--vocab V] [--hidden H] ... (see --help)
"""
import os

from transformers import Qwen3Config, Qwen3ForCausalLM

import harness


def parse_args():
    p = harness.parser(__doc__)
    harness.add_shape_args(p)
    harness.add_run_args(p)
    return p.parse_args()


def main():
    args = parse_args()
    os.makedirs(args.out, exist_ok=True)
    eos = harness.eos_ids(args)
    harness.build(args, Qwen3ForCausalLM, Qwen3Config(**harness.common_config(args, eos)), eos)
    if not args.no_goldens:
        harness.goldens(args, Qwen3ForCausalLM, eos, "tools/golden/make_qwen3.py")


if __name__ == "__main__":
    main()
