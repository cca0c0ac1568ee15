#!/usr/bin/env python3
"""Builds a tiny random-weight Qwen3-MoE checkpoint in the Hugging Face layout and its golden tensors.

The checkpoint (config.json with num_local_experts as transformers 5 writes it, generation_config.json,
bf16 safetensors with one tensor per expert: model.layers.N.mlp.experts.E.{gate,up,down}_proj.weight)
is what qwen4j loads; golden.safetensors + golden.json hold what transformers computes from it in fp32
("eager" attention and the "eager" experts loop, Qwen3MoeExperts.forward): the taps, logits, decode
steps and greedy continuation described in harness.py, plus for every sparse layer

  blk.N.ffn_moe_logits  [prompt_len, experts] the router logits before the softmax (mlp.gate output 0;
                        named after llama.cpp's cb(logits, "ffn_moe_logits", il) in build_moe_ffn)

Layer N is sparse iff N is not in --mlp-only-layers and (N+1) % --decoder-sparse-step == 0, as in
Qwen3MoeDecoderLayer; the others run the dense MLP of width --intermediate.

A near-tie between the k-th and (k+1)-th router logit would let rounding pick another expert, so every
routing decision of the prefill, the decode steps and generate() is checked for a margin.

Usage: make_qwen3_moe.py --out DIR [--seed N] [--experts E] [--experts-per-tok K] ... (see --help)
"""
import argparse
import os

import torch
from transformers import Qwen3MoeConfig, Qwen3MoeForCausalLM
from transformers.models.qwen3_moe.modeling_qwen3_moe import Qwen3MoeSparseMoeBlock

import harness

MIN_ROUTER_MARGIN = 1e-4  # (k-th minus (k+1)-th logit) / max|logit| of the row, as for the greedy margin


def parse_args():
    p = harness.parser(__doc__)
    harness.add_shape_args(p, intermediate=96)
    p.add_argument("--experts", type=int, default=8)
    p.add_argument("--experts-per-tok", type=int, default=2)
    p.add_argument("--moe-intermediate", type=int, default=32)
    p.add_argument("--norm-topk-prob", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--decoder-sparse-step", type=int, default=1)
    p.add_argument("--mlp-only-layers", type=lambda s: [int(x) for x in s.split(",") if x], default=[],
                   help="comma-separated layer indices that keep a dense MLP")
    harness.add_run_args(p)
    return p.parse_args()


def sparse_layers(model):
    return [i for i, layer in enumerate(model.model.layers) if isinstance(layer.mlp, Qwen3MoeSparseMoeBlock)]


def router_taps(i, layer, keep):
    if not isinstance(layer.mlp, Qwen3MoeSparseMoeBlock):
        return []
    # Qwen3MoeTopKRouter.forward returns (router_logits, scores, indices)
    return [layer.mlp.gate.register_forward_hook(keep(f"blk.{i}.ffn_moe_logits", lambda o: o[0]))]


def router_margins(k):
    def watch(model):
        margins = []

        def hook(_module, _inputs, output):
            logits = output[0].detach().float()
            if logits.shape[-1] > k:
                top = torch.topk(logits, k + 1, dim=-1).values
                margin = (top[:, k - 1] - top[:, k]) / logits.abs().amax(dim=-1)
                margins.append(float(margin.min()))

        hooks = [model.model.layers[i].mlp.gate.register_forward_hook(hook) for i in sparse_layers(model)]

        def check():
            if not margins:
                raise SystemExit("no sparse layer routed anything; check --decoder-sparse-step and --mlp-only-layers")
            if min(margins) < MIN_ROUTER_MARGIN:
                raise SystemExit(f"a routing decision with a relative margin of {min(margins):.2e}; pick another --seed")
            return {"sparse_layers": sparse_layers(model), "min_router_margin": min(margins)}
        return hooks, check
    return watch


def main():
    args = parse_args()
    os.makedirs(args.out, exist_ok=True)
    eos = harness.eos_ids(args)
    cfg = Qwen3MoeConfig(
        **harness.common_config(args, eos),
        num_experts=args.experts, num_experts_per_tok=args.experts_per_tok,
        moe_intermediate_size=args.moe_intermediate, norm_topk_prob=args.norm_topk_prob,
        decoder_sparse_step=args.decoder_sparse_step, mlp_only_layers=args.mlp_only_layers,
    )
    harness.build(args, Qwen3MoeForCausalLM, cfg, eos)
    if not args.no_goldens:
        harness.goldens(args, Qwen3MoeForCausalLM, eos, "tools/golden/make_qwen3_moe.py",
                        load_kwargs={"experts_implementation": "eager"}, extra_taps=router_taps,
                        watch=router_margins(args.experts_per_tok))


if __name__ == "__main__":
    main()
