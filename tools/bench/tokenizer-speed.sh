#!/usr/bin/env bash
# Encode throughput on one thread: qwen4j's tokenizer against Hugging Face tokenizers, same tokenizer.json,
# same corpus, same method (3 s warm-up, then RUNS runs; medians). Prints MB/s (UTF-8 input bytes per
# second) with the BPE cache warm (steady use) and cold (emptied before every pass), per second of wall
# time and of process CPU time (steadier on a busy machine), and the ratios.
#
# Usage: tools/bench/tokenizer-speed.sh [CORPUS_JSONL] [TOKENIZER_JSON[.gz]] [RUNS]
#   defaults: fixtures/tokenizer/corpus/snippets.jsonl, fixtures/tokenizer/qwen3/tokenizer.json.gz, 7
# Needs tools/golden/.venv (tools/golden/setup-venv.sh) for the tokenizers side, or PYTHON=... with it.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$root/scripts/java-env.sh"
qwen4j_find_java || exit 1
qwen4j_find_maven || exit 1
corpus=$(realpath "${1:-$root/fixtures/tokenizer/corpus/snippets.jsonl}")
tokenizer=$(realpath "${2:-$root/fixtures/tokenizer/qwen3/tokenizer.json.gz}")
runs=${3:-7}
py=${PYTHON:-$root/tools/golden/.venv/bin/python}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# tokenizers reads only plain JSON
plain=$tokenizer
if [ "$(head -c 2 "$tokenizer" | od -An -tx1 | tr -d ' ')" = "1f8b" ]; then
  plain=$work/tokenizer.json
  gunzip -c "$tokenizer" >"$plain"
fi

echo "building qwen4j-tokenizer (test classes hold the benchmark main)..." >&2
(cd "$root" && mvn -q -B -ntp -Dstyle.color=never -pl qwen4j-tokenizer -am test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test) >&2
cp="$root/qwen4j-tokenizer/target/classes:$root/qwen4j-tokenizer/target/test-classes:$(cat "$root/qwen4j-tokenizer/target/bench.classpath")"

echo "qwen4j (Java $("$JAVA_HOME/bin/java" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1))..." >&2
"$JAVA_HOME/bin/java" "${QWEN4J_JVM_FLAGS[@]}" -cp "$cp" io.qwen4j.tokenizer.TokenizerSpeed "$tokenizer" "$corpus" "$runs" \
  2> >(grep -v '^WARNING: Using incubator modules' >&2) >"$work/qwen4j.txt"
echo "Hugging Face tokenizers $("$py" -c 'import tokenizers; print(tokenizers.__version__)')..." >&2
"$py" "$root/tools/bench/tokenizer_speed_hf.py" "$plain" "$corpus" "$runs" >"$work/hf.txt"

get() { sed -n "s/^$2 //p" "$1"; }
if [ "$(get "$work/qwen4j.txt" tokens)" != "$(get "$work/hf.txt" tokens)" ]; then
  echo "warning: the two tokenizers gave different token counts" >&2
fi
printf 'corpus: %s (%s bytes, %s tokens), %s runs, one thread\n' "$corpus" "$(get "$work/hf.txt" corpus_bytes)" \
  "$(get "$work/hf.txt" tokens)" "$runs"
row() { # name file
  printf '%-16s %8s %12s %12s %12s %12s\n' "$1" "$(get "$2" load_s)" "$(get "$2" warm_mb_s)" "$(get "$2" warm_cpu_mb_s)" \
    "$(get "$2" cold_mb_s)" "$(get "$2" cold_cpu_mb_s)"
}
printf '%-16s %8s %12s %12s %12s %12s\n' "MB/s" "load (s)" "warm" "warm (CPU)" "cold" "cold (CPU)"
row qwen4j "$work/qwen4j.txt"
row "HF tokenizers" "$work/hf.txt"
ratio() { awk -v a="$(get "$work/qwen4j.txt" "$1")" -v b="$(get "$work/hf.txt" "$1")" 'BEGIN { printf "%11.2fx", a / b }'; }
printf '%-16s %8s %s  %s  %s  %s\n' "qwen4j / HF" "" "$(ratio warm_mb_s)" "$(ratio warm_cpu_mb_s)" "$(ratio cold_mb_s)" "$(ratio cold_cpu_mb_s)"
