#!/usr/bin/env bash
# qwen4j against llama.cpp on the very same GGUF files, interleaved in one sitting, and the text-bench
# tables of BENCHMARKS.md regenerated from the results.
#
#   LLAMA_BENCH=/path/to/llama-bench tools/bench/benchmarks.sh [options]
#
# LLAMA_BENCH is a llama-bench you built yourself (this script never fetches or builds llama.cpp). For each
# case (a synthetic model written once by `qwen4j bench --save-gguf`, kept in --gguf-dir and reused when
# present) and each thread count, it runs, in this order: qwen4j ppN, llama-bench ppN, qwen4j tgN,
# llama-bench tgN, so the two engines see the same machine load. qwen4j's tg run also measures the read
# bandwidth (MemoryBandwidth, same threads), which gives the ceiling: bandwidth / weight bytes per token.
#
# Options:
#   --cases "SHAPE:TYPE ..."   default: "qwen3-0.6b:q8_0 qwen3-0.6b:q4_k_m qwen3-30b-a3b:layers=4:q4_k_m"
#   --threads LIST             default: 1,2
#   -p N / -n N / -r N         prompt length, generated tokens, repetitions (default 512, 128, 3)
#   --gguf-dir DIR             where the GGUF files live (default: ${TMPDIR:-/tmp}/qwen4j-bench-gguf)
#   --results DIR              raw JSON of every run (default: ${TMPDIR:-/tmp}/qwen4j-bench-results)
#   --no-update                do not touch BENCHMARKS.md (print the table only)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cases="qwen3-0.6b:q8_0 qwen3-0.6b:q4_k_m qwen3-30b-a3b:layers=4:q4_k_m"
threads=1,2
np=512
ng=128
reps=3
gguf_dir=${TMPDIR:-/tmp}/qwen4j-bench-gguf
results=${TMPDIR:-/tmp}/qwen4j-bench-results
update=1
while [ $# -gt 0 ]; do
  case "$1" in
    --cases) cases=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    -p) np=$2; shift 2 ;;
    -n) ng=$2; shift 2 ;;
    -r) reps=$2; shift 2 ;;
    --gguf-dir) gguf_dir=$2; shift 2 ;;
    --results) results=$2; shift 2 ;;
    --no-update) update=0; shift ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "benchmarks.sh: unknown argument $1 (see --help)" >&2; exit 1 ;;
  esac
done
if [ -z "${LLAMA_BENCH:-}" ] || [ ! -x "$LLAMA_BENCH" ]; then
  echo "benchmarks.sh: set LLAMA_BENCH to an executable llama-bench (build llama.cpp yourself, outside this repository)" >&2
  exit 1
fi
mkdir -p "$gguf_dir" "$results"
rm -f "$results"/*.json
qwen4j="$root/qwen4j"
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

# the machine and the sitting
{
  echo "{"
  echo "\"date\": \"$(date -u +'%Y-%m-%d %H:%M UTC')\","
  echo "\"cpu\": \"$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //' | sed 's/"/\\"/g')\","
  echo "\"cores\": $(nproc),"
  echo "\"avx512\": \"$(grep -o 'avx512[a-z_0-9]*' /proc/cpuinfo | sort -u | tr '\n' ' ' | sed 's/ $//')\","
  echo "\"load_before\": \"$(cut -d' ' -f1-3 /proc/loadavg)\","
  echo "\"qwen4j_commit\": \"$(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- . ':!BENCHMARKS.md' || echo '+dirty')\","
  echo "\"java\": \"$(. "$root/scripts/java-env.sh"; qwen4j_find_java >/dev/null 2>&1; "$JAVA_HOME/bin/java" -version 2>&1 | head -n1 | sed 's/"/\\"/g')\""
  echo "}"
} > "$results/machine.json"

IFS=',' read -r -a thread_list <<< "$threads"
for c in $cases; do
  shape=${c%:*}
  type=${c##*:}
  file="$gguf_dir/$(echo "$shape" | tr ':=' '-_')-$type.gguf"
  if [ ! -s "$file" ]; then
    log "writing $file"
    "$qwen4j" bench --synthetic "$shape" --type "$type" --save-gguf "$file" -p 0 -n 0
  fi
  tag=$(basename "$file" .gguf)
  for t in "${thread_list[@]}"; do
    log "$tag, $t thread(s): qwen4j pp$np"
    "$qwen4j" bench --model "$file" -t "$t" -p "$np" -n 0 -r "$reps" --no-bandwidth --json > "$results/$tag.t$t.pp.qwen4j.json"
    log "$tag, $t thread(s): llama.cpp pp$np"
    "$LLAMA_BENCH" -m "$file" -t "$t" -p "$np" -n 0 -r "$reps" -o json > "$results/$tag.t$t.pp.llama.json"
    log "$tag, $t thread(s): qwen4j tg$ng (and read bandwidth)"
    "$qwen4j" bench --model "$file" -t "$t" -p 0 -n "$ng" -r "$reps" --json > "$results/$tag.t$t.tg.qwen4j.json"
    log "$tag, $t thread(s): llama.cpp tg$ng"
    "$LLAMA_BENCH" -m "$file" -t "$t" -p 0 -n "$ng" -r "$reps" -o json > "$results/$tag.t$t.tg.llama.json"
  done
done
echo "\"$(cut -d' ' -f1-3 /proc/loadavg)\"" > "$results/load_after.json"

table=$(python3 "$root/tools/bench/benchmarks_table.py" "$results" $cases)
echo "$table"
if [ "$update" = 1 ]; then
  python3 "$root/tools/bench/benchmarks_table.py" --update "$root/BENCHMARKS.md" "$results" $cases
  log "updated $root/BENCHMARKS.md (raw results in $results)"
fi
