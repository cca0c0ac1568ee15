#!/usr/bin/env python3
"""The text-bench tables of BENCHMARKS.md from the raw results tools/bench/benchmarks.sh writes.

    benchmarks_table.py RESULTS_DIR CASE...                 print the markdown
    benchmarks_table.py --update BENCHMARKS.md RESULTS_DIR CASE...   replace what lies between
        <!-- BEGIN text-bench --> and <!-- END text-bench --> (the markers are added at the end when missing)

Ratios are of medians (qwen4j / llama.cpp). Targets (issue 5): tg >= 1.0x llama.cpp and >= 85% of the
bandwidth ceiling; pp >= 0.8x llama.cpp. Standard library only.
"""
import json
import os
import statistics
import sys

BEGIN = "<!-- BEGIN text-bench -->"
END = "<!-- END text-bench -->"


def load(path):
    with open(path) as f:
        return json.load(f)


def tag_of(case):
    shape, _, typ = case.rpartition(":")
    return shape.replace(":", "-").replace("=", "_") + "-" + typ, shape, typ


def render(results, cases):
    m = load(os.path.join(results, "machine.json"))
    after = load(os.path.join(results, "load_after.json")) if os.path.exists(os.path.join(results, "load_after.json")) else "?"
    rows = []
    commit = None
    for case in cases:
        tag, shape, typ = tag_of(case)
        threads = sorted({int(f[len(tag) + 2:].split(".")[0]) for f in os.listdir(results) if f.startswith(tag + ".t")})
        for t in threads:
            for kind in ("pp", "tg"):
                qf = os.path.join(results, f"{tag}.t{t}.{kind}.qwen4j.json")
                lf = os.path.join(results, f"{tag}.t{t}.{kind}.llama.json")
                if not (os.path.exists(qf) and os.path.exists(lf)):
                    continue
                q = load(qf)[0]
                ll = load(lf)[0]
                commit = ll.get("build_commit", commit)
                lmed = statistics.median(ll["samples_ts"])
                qmed = q["tokens_per_second"]
                ratio = qmed / lmed if lmed > 0 else float("nan")
                row = {
                    "case": f"{shape} {typ}", "size": q["model_size"], "threads": t, "test": q["test"], "q": qmed,
                    "qmin": q["min"], "qmax": q["max"], "l": lmed, "lmin": min(ll["samples_ts"]), "lmax": max(ll["samples_ts"]),
                    "ratio": ratio, "kind": kind,
                }
                if kind == "tg":
                    bpt = q["decode_bytes_per_token"]
                    bw = q.get("bandwidth_gbps", 0)
                    row.update(gbps=q["gbps"], lgbps=lmed * bpt / 1e9, bw=bw, frac=q.get("bandwidth_fraction", 0),
                               ceiling=bw * 1e9 / bpt if bpt else 0, mb=bpt / 1e6)
                rows.append(row)
    out = []
    out.append(f"Measured {m['date']} on {m['cpu']}, {m['cores']} cores ({m['avx512'] or 'no AVX-512'}), "
               f"{m['java']}; qwen4j {m['qwen4j_commit']}, llama.cpp {commit or '?'} (built locally: AVX-512 on, AMX off, "
               f"OpenMP). Load average before / after the sitting: {m['load_before']} / {after} (the machine is shared: "
               "compare ratios, which come from runs interleaved in the same sitting, rather than absolute speeds).")
    out.append("")
    out.append("Same GGUF file for both engines (written by `qwen4j bench --synthetic SHAPE --type TYPE --save-gguf`), "
               "random weights of the real shapes; t/s is the median of the repetitions [min–max]. "
               "Targets: pp ≥ 0.8× llama.cpp; tg ≥ 1.0× llama.cpp and ≥ 85% of the bandwidth ceiling "
               "(read bandwidth measured in the same run / weight bytes read per token).")
    out.append("")
    out.append("| case | threads | test | qwen4j t/s | llama.cpp t/s | ratio | qwen4j GB/s | llama.cpp GB/s | read GB/s | of ceiling | target |")
    out.append("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: |")
    for r in rows:
        if r["kind"] == "tg":
            ok = r["ratio"] >= 1.0 and r["frac"] >= 0.85
            extra = f"{r['gbps']:.1f} | {r['lgbps']:.1f} | {r['bw']:.1f} | {100 * r['frac']:.0f}% | {'met' if ok else 'missed'}"
        else:
            ok = r["ratio"] >= 0.8
            extra = f" |  |  |  | {'met' if ok else 'missed'}"
        out.append(f"| {r['case']} ({r['size'] / 1e6:.0f} MB) | {r['threads']} | {r['test']} | "
                   f"{r['q']:.2f} [{r['qmin']:.2f}–{r['qmax']:.2f}] | {r['l']:.2f} [{r['lmin']:.2f}–{r['lmax']:.2f}] | "
                   f"{r['ratio']:.2f}× | {extra} |")
    tg = [r for r in rows if r["kind"] == "tg"]
    if tg:
        out.append("")
        out.append("Weight bytes read per generated token (qwen4j's count: every layer's active weights, the LM head and one "
                   "embedding row) and the ceiling they give: " + "; ".join(
                       f"{r['case']} t={r['threads']}: {r['mb']:.0f} MB/token, ceiling {r['ceiling']:.1f} t/s" for r in tg) + ".")
    return "\n".join(out) + "\n"


def update(path, text):
    block = f"{BEGIN}\n{text}{END}"
    old = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
    if BEGIN in old and END in old:
        head, rest = old.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        new = head + block + tail
    else:
        new = old.rstrip("\n") + "\n\n" + block + "\n"
    with open(path, "w") as f:
        f.write(new)


def main(argv):
    if argv and argv[0] == "--update":
        update(argv[1], render(argv[2], argv[3:]))
    else:
        sys.stdout.write(render(argv[0], argv[1:]))


if __name__ == "__main__":
    main(sys.argv[1:])
