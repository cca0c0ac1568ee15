#!/usr/bin/env python3
"""Encode throughput of Hugging Face tokenizers on one thread, measured like qwen4j's TokenizerSpeed:
3 s warm-up, then RUNS runs; warm = repeated passes for about 1 s with the BPE cache on, cold = passes
for about 1 s, each right after clearing the BPE cache. Prints load_s, warm_mb_s, warm_cpu_mb_s, cold_mb_s, cold_cpu_mb_s
(medians; _cpu = per second of the process's CPU time), corpus_bytes, tokens.

Usage: tokenizer_speed_hf.py TOKENIZER_JSON CORPUS_JSONL [RUNS]
"""
import json
import os
import statistics
import sys
import time

os.environ["RAYON_NUM_THREADS"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"
from tokenizers import Tokenizer  # noqa: E402 (after the thread settings)


def one_pass(tok, texts):
    return sum(len(tok.encode(t, add_special_tokens=False).ids) for t in texts)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    t0 = time.perf_counter()
    tok = Tokenizer.from_file(sys.argv[1])
    load = time.perf_counter() - t0
    with open(sys.argv[2], encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f if line.strip()]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 7
    nbytes = sum(len(t.encode("utf-8")) for t in texts)
    end = time.perf_counter() + 3
    while time.perf_counter() < end:
        one_pass(tok, texts)
        tok.model._clear_cache()
        one_pass(tok, texts)
    results = {False: ([], []), True: ([], [])}  # cold cache? -> (MB/s, MB per CPU-second)
    for _ in range(runs):
        for cold_cache in (False, True):
            start, cpu_start = time.perf_counter(), time.process_time()
            passes = 0
            while True:
                if cold_cache:
                    tok.model._clear_cache()
                one_pass(tok, texts)
                passes += 1
                if time.perf_counter() - start >= 1:
                    break
            results[cold_cache][0].append(nbytes * passes / 1e6 / (time.perf_counter() - start))
            results[cold_cache][1].append(nbytes * passes / 1e6 / (time.process_time() - cpu_start))
    (warm, warm_cpu), (cold, cold_cpu) = results[False], results[True]
    m = statistics.median
    print(f"load_s {load:.2f}\nwarm_mb_s {m(warm):.2f}\nwarm_cpu_mb_s {m(warm_cpu):.2f}")
    print(f"cold_mb_s {m(cold):.2f}\ncold_cpu_mb_s {m(cold_cpu):.2f}")
    print(f"corpus_bytes {nbytes}\ntokens {one_pass(tok, texts)}")


if __name__ == "__main__":
    main()
