"""The reference harness shared by the text-model generators (make_qwen3.py, make_qwen3_moe.py).

Each generator builds a tiny random-weight checkpoint in the Hugging Face layout and asks transformers
(fp32, "eager" attention) for golden tensors:

  taps (prompt prefill, named like llama.cpp's callbacks so dumps compare across engines):
    inp_embd, blk.N.attn_norm, blk.N.q_norm, blk.N.k_norm (per-head norm output, before RoPE),
    blk.N.attn_out (after o_proj), blk.N.ffn_norm, blk.N.ffn_out, blk.N.l_out, result_norm,
    plus what the generator adds (e.g. the MoE router logits)
  logits            [prompt_len, vocab] for the prompt
  decode_logits     [steps, vocab]: one token at a time through the KV cache after the prompt
  generated_ids     (golden.json) greedy continuation of the prompt, stopping at eos like generate()
"""
import argparse
import json
import os

import numpy as np
import torch
import transformers
from safetensors.torch import save_file
from transformers import GenerationConfig


def parser(doc):
    return argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)


def add_shape_args(p, intermediate=128):
    """The hyperparameters every Qwen3-family text decoder has."""
    p.add_argument("--out", required=True, help="output folder (created)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--vocab", type=int, default=256)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--intermediate", type=int, default=intermediate)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--kv-heads", type=int, default=2)
    p.add_argument("--head-dim", type=int, default=32)
    p.add_argument("--rope-theta", type=float, default=1e6)
    p.add_argument("--rms-eps", type=float, default=1e-6)
    p.add_argument("--tied", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--max-position", type=int, default=4096)


def add_run_args(p):
    """How the checkpoint is written and what the goldens cover."""
    p.add_argument("--shard-size", default=None, help='e.g. "100KB": write sharded safetensors with an index')
    p.add_argument("--prompt-len", type=int, default=12)
    p.add_argument("--decode-steps", type=int, default=4)
    p.add_argument("--gen-tokens", type=int, default=20)
    p.add_argument("--weight-scale", type=float, default=16.0,
                   help="multiply the random linear/embedding weights: at the init scale (std 0.02) logits are "
                        "nearly flat and greedy decoding repeats one token, which tests little")
    p.add_argument("--no-goldens", action="store_true", help="write only the checkpoint")


def eos_ids(args):
    """The two ids at the top of the vocabulary end generation; prompts stay below them."""
    return [args.vocab - 1, args.vocab - 2]


def common_config(args, eos):
    """Config keyword arguments shared by Qwen3Config and Qwen3MoeConfig."""
    return dict(
        vocab_size=args.vocab, hidden_size=args.hidden, intermediate_size=args.intermediate,
        num_hidden_layers=args.layers, num_attention_heads=args.heads, num_key_value_heads=args.kv_heads,
        head_dim=args.head_dim, tie_word_embeddings=args.tied, rms_norm_eps=args.rms_eps,
        max_position_embeddings=args.max_position,
        rope_parameters={"rope_type": "default", "rope_theta": args.rope_theta},
        bos_token_id=eos[1], eos_token_id=eos[0], pad_token_id=eos[1],
    )


def build(args, model_class, cfg, eos):
    """Random weights (seeded by --seed), norms randomised, saved in bf16 like the real checkpoints."""
    torch.manual_seed(args.seed)
    model = model_class(cfg).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                # init is all ones, which would hide a missing or misplaced norm
                p.copy_(1 + 0.1 * torch.randn_like(p))
            elif args.weight_scale != 1.0:
                p.mul_(args.weight_scale)
    model.generation_config = GenerationConfig(bos_token_id=eos[1], eos_token_id=eos, pad_token_id=eos[1],
                                               do_sample=False)
    save_kwargs = {"max_shard_size": args.shard_size} if args.shard_size else {}
    model.to(torch.bfloat16).save_pretrained(args.out, **save_kwargs)


def record_taps(model, extra=None):
    """Forward hooks that keep every tap as [rows, last dim]; extra(i, layer, keep) adds per-layer hooks."""
    taps, hooks = {}, []

    def keep(name, pick=lambda o: o):
        def hook(_module, _inputs, output):
            taps[name] = pick(output).detach().float().reshape(-1, pick(output).shape[-1]).clone()
        return hook

    inner = model.model
    hooks.append(inner.embed_tokens.register_forward_hook(keep("inp_embd")))
    for i, layer in enumerate(inner.layers):
        hooks.append(layer.input_layernorm.register_forward_hook(keep(f"blk.{i}.attn_norm")))
        # q/k norm outputs are [batch, seq, heads, head_dim]: kept as [seq*heads, head_dim]
        hooks.append(layer.self_attn.q_norm.register_forward_hook(keep(f"blk.{i}.q_norm")))
        hooks.append(layer.self_attn.k_norm.register_forward_hook(keep(f"blk.{i}.k_norm")))
        hooks.append(layer.self_attn.register_forward_hook(keep(f"blk.{i}.attn_out", lambda o: o[0])))
        hooks.append(layer.post_attention_layernorm.register_forward_hook(keep(f"blk.{i}.ffn_norm")))
        hooks.append(layer.mlp.register_forward_hook(keep(f"blk.{i}.ffn_out")))
        hooks.append(layer.register_forward_hook(keep(f"blk.{i}.l_out", lambda o: o[0] if isinstance(o, tuple) else o)))
        if extra is not None:
            hooks.extend(extra(i, layer, keep))
    hooks.append(inner.norm.register_forward_hook(keep("result_norm")))
    return taps, hooks


def goldens(args, model_class, eos, generator, load_kwargs=None, extra_taps=None, watch=None):
    """Writes golden.safetensors, logits.npy and golden.json next to the checkpoint.

    watch(model) may install hooks that stay on through the prefill, the decode steps and generate();
    it returns (hooks, check) where check() returns extra golden.json fields or exits with a reason.
    """
    ref = model_class.from_pretrained(args.out, dtype=torch.float32, attn_implementation="eager",
                                      **(load_kwargs or {})).eval()
    watch_hooks, check = watch(ref) if watch else ([], lambda: {})
    gen = torch.Generator().manual_seed(args.seed + 1)
    # ids below vocab-2 so that the prompt holds no eos
    prompt = torch.randint(0, args.vocab - 2, (1, args.prompt_len), generator=gen)
    decode_ids = torch.randint(0, args.vocab - 2, (args.decode_steps,), generator=gen)

    taps, hooks = record_taps(ref, extra_taps)
    with torch.no_grad():
        out = ref(input_ids=prompt, use_cache=True)
    for h in hooks:
        h.remove()
    tensors = {name: t.contiguous() for name, t in taps.items()}
    tensors["logits"] = out.logits[0].float().contiguous()

    past = out.past_key_values
    decode_logits = []
    with torch.no_grad():
        for tok in decode_ids.tolist():
            step = ref(input_ids=torch.tensor([[tok]]), past_key_values=past, use_cache=True)
            past = step.past_key_values
            decode_logits.append(step.logits[0, -1].float())
    tensors["decode_logits"] = torch.stack(decode_logits).contiguous()

    with torch.no_grad():
        generated = ref.generate(prompt, max_new_tokens=args.gen_tokens, do_sample=False,
                                 eos_token_id=eos, pad_token_id=eos[1], output_scores=True,
                                 return_dict_in_generate=True)
    new_ids = generated.sequences[0, prompt.shape[1]:].tolist()
    # a near-tie between the two best logits would make the greedy test fragile
    margins = []
    for score in generated.scores:
        top2 = torch.topk(score[0].float(), 2).values
        margins.append(float((top2[0] - top2[1]) / score[0].abs().max()))
    if min(margins) < 1e-4:
        raise SystemExit(f"greedy step with a relative margin of {min(margins):.2e}; pick another --seed")
    if len(new_ids) < 16 and args.gen_tokens >= 16:
        raise SystemExit(f"greedy continuation stopped at eos after {len(new_ids)} tokens; pick another --seed")
    for h in watch_hooks:
        h.remove()
    extra_meta = check()

    save_file(tensors, os.path.join(args.out, "golden.safetensors"))
    # the prompt's logits as numpy writes them: the reference for `qwen4j logits --out FILE.npy`
    np.save(os.path.join(args.out, "logits.npy"), tensors["logits"].numpy())
    meta = {
        "generator": generator,
        "transformers_version": transformers.__version__,
        "torch_version": torch.__version__,
        "args": {k: v for k, v in vars(args).items() if k != "out"},
        "prompt_ids": prompt[0].tolist(),
        "decode_ids": decode_ids.tolist(),
        "eos_token_ids": eos,
        "generated_ids": new_ids,
        "min_greedy_margin": min(margins),
        "taps": sorted(taps.keys()),
        **extra_meta,
    }
    with open(os.path.join(args.out, "golden.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
