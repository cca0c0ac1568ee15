#!/usr/bin/env python3
"""Where the CPU time of a qwen4j run goes, from a JFR recording.

    QWEN4J_JAVA_OPTS="-XX:StartFlightRecording=filename=tg.jfr,settings=profile" \
        ./qwen4j bench -m model.gguf -t 1 -p 0 -n 64 -r 2
    tools/bench/jfr_top.py tg.jfr [--top 15]

Reads `jfr print --events jdk.ExecutionSample` (the jfr tool of the JDK that runs qwen4j: JAVA_HOME/bin/jfr,
else the one on PATH), leaves out the samples of the read-bandwidth probe (MemoryBandwidth) that `bench`
runs before its timed loop, and prints the share of samples per top frame (JFR records inlined frames, so a
bounds check inlined into a kernel shows as Objects.checkIndex) and per innermost qwen4j method (the JDK code
a kernel calls or inlines counted in the kernel).
"""
import argparse
import collections
import os
import re
import shutil
import subprocess
import sys


def jfr_tool():
    home = os.environ.get("JAVA_HOME")
    if home and os.access(os.path.join(home, "bin", "jfr"), os.X_OK):
        return os.path.join(home, "bin", "jfr")
    found = shutil.which("jfr")
    if not found:
        sys.exit("jfr_top.py: no jfr tool (set JAVA_HOME to a JDK 25)")
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("recording")
    ap.add_argument("--top", type=int, default=15)
    a = ap.parse_args()
    text = subprocess.run([jfr_tool(), "print", "--stack-depth", "64", "--events", "jdk.ExecutionSample", a.recording],
                          check=True, capture_output=True, text=True).stdout
    top = collections.Counter()
    inclusive = collections.Counter()
    total = 0
    for event in text.split("jdk.ExecutionSample")[1:]:
        m = re.search(r"stackTrace = \[(.*?)\n\s*\]", event, re.S)
        if not m:
            continue
        frames = [re.sub(r"\(.*", "", line.strip()) for line in m.group(1).strip().split("\n") if line.strip() and line.strip() != "..."]
        if not frames or any("MemoryBandwidth" in f for f in frames):
            continue
        total += 1
        top[frames[0]] += 1
        own = next((f for f in frames if f.startswith("io.qwen4j.")), frames[0])
        inclusive[own] += 1
    if total == 0:
        sys.exit("jfr_top.py: no execution samples in " + a.recording)
    print(f"{total} samples")
    print("\nby top frame:")
    for name, n in top.most_common(a.top):
        print(f"{100.0 * n / total:6.1f}%  {name}")
    print("\nby the innermost qwen4j method (JDK frames, e.g. inlined bounds checks, counted in their caller):")
    for name, n in inclusive.most_common(a.top):
        print(f"{100.0 * n / total:6.1f}%  {name}")


if __name__ == "__main__":
    main()
