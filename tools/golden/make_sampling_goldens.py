#!/usr/bin/env python3
"""Golden distributions for qwen4j's sampler, from transformers' own logits processors.

For random logits and a set of parameter combinations, applies the processors generate() would use
(RepetitionPenaltyLogitsProcessor, TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper,
MinPLogitsWarper, in that order) and stores softmax of the result: the distribution a token is drawn
from. Presence/frequency penalties are not in transformers; they follow OpenAI's definition
(logit[j] -= frequency * count[j] + presence * (count[j] > 0), over generated tokens only), applied
after the repetition penalty as vLLM does.

Usage: make_sampling_goldens.py --out DIR
"""
import argparse
import json
import os

import torch
from safetensors.torch import save_file
from transformers.generation.logits_process import (LogitsProcessorList, MinPLogitsWarper,
                                                    RepetitionPenaltyLogitsProcessor, TemperatureLogitsWarper,
                                                    TopKLogitsWarper, TopPLogitsWarper)

CASES = [
    dict(temperature=1.0),
    dict(temperature=0.7),
    dict(temperature=1.3, top_k=20),
    dict(temperature=0.6, top_k=20, top_p=0.95),
    dict(temperature=1.0, top_p=0.5),
    dict(temperature=1.0, top_p=0.9),
    dict(temperature=0.8, min_p=0.05),
    dict(temperature=1.0, top_k=50, top_p=0.8, min_p=0.1),
    dict(temperature=1.0, repetition_penalty=1.3),
    dict(temperature=0.9, repetition_penalty=0.8, top_k=40),
    dict(temperature=1.0, presence_penalty=1.5),
    dict(temperature=1.0, frequency_penalty=0.7, presence_penalty=-0.5, top_p=0.9),
    dict(temperature=0.5, top_k=1),
]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(0)
    vocab = 1000
    prompt = torch.randint(0, vocab, (30,))
    generated = torch.randint(0, vocab, (25,))  # with repeats, so counts > 1 occur
    tensors, meta = {}, {"vocab": vocab, "prompt_ids": prompt.tolist(), "generated_ids": generated.tolist(), "cases": []}
    for i, case in enumerate(CASES):
        # peaky enough that top-p/min-p cut somewhere interesting
        logits = torch.randn(vocab) * (2.0 + i % 3)
        seen = torch.cat([prompt, generated])[None, :]
        scores = logits[None, :].clone()
        procs = LogitsProcessorList()
        if case.get("repetition_penalty", 1.0) != 1.0:
            procs.append(RepetitionPenaltyLogitsProcessor(case["repetition_penalty"]))
        scores = procs(seen, scores)
        counts = torch.bincount(generated, minlength=vocab).float()
        scores = scores - case.get("frequency_penalty", 0.0) * counts - case.get("presence_penalty", 0.0) * (counts > 0).float()
        warpers = LogitsProcessorList([TemperatureLogitsWarper(case["temperature"])])
        if case.get("top_k"):
            warpers.append(TopKLogitsWarper(case["top_k"]))
        if case.get("top_p", 1.0) < 1.0:
            warpers.append(TopPLogitsWarper(case["top_p"]))
        if case.get("min_p"):
            warpers.append(MinPLogitsWarper(case["min_p"]))
        scores = warpers(seen, scores)
        probs = torch.softmax(scores, dim=-1)[0]
        tensors[f"case{i}.logits"] = logits.contiguous()
        tensors[f"case{i}.probs"] = probs.contiguous()
        meta["cases"].append(case)
    save_file(tensors, os.path.join(args.out, "sampling.safetensors"))
    with open(os.path.join(args.out, "sampling.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
