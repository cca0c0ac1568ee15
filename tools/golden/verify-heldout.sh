#!/usr/bin/env bash
# Builds tiny Qwen3 checkpoints the tests never saw (other seeds and shapes, same generator) and checks
# `qwen4j logits` against transformers on each. Needs tools/golden/.venv (made on demand).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
"$here/setup-venv.sh"
py="$here/.venv/bin/python"
export TRANSFORMERS_VERBOSITY=error HF_HUB_OFFLINE=1 TQDM_DISABLE=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
i=0
while read -r args; do
  i=$((i + 1))
  dir="$work/m$i"
  "$py" "$here/make_qwen3.py" --out "$dir" --no-goldens $args >/dev/null 2>&1
  ids=$("$py" -c "import random; random.seed($i); print(','.join(str(random.randrange(0, $(sed -n 's/.*"vocab_size": \([0-9]*\).*/\1/p' "$dir/config.json") - 2)) for _ in range(40)))")
  "$root/qwen4j" logits --model "$dir" --ids "$ids" --out "$dir/ours.npy"
  printf '%-90s ' "$args"
  "$py" "$here/check_logits.py" --model "$dir" --ids "$ids" --ours "$dir/ours.npy" || status=1
done <<'CONFIGS'
--seed 11 --vocab 1000 --hidden 96 --intermediate 200 --layers 4 --heads 3 --kv-heads 1 --head-dim 40
--seed 12 --vocab 512 --hidden 128 --intermediate 320 --layers 3 --heads 8 --kv-heads 4 --head-dim 24 --no-tied --rope-theta 500000
--seed 13 --vocab 300 --hidden 32 --intermediate 64 --layers 5 --heads 2 --kv-heads 2 --head-dim 64 --rms-eps 1e-5
--seed 14 --vocab 777 --hidden 80 --intermediate 176 --layers 2 --heads 5 --kv-heads 5 --head-dim 16 --no-tied --shard-size 50KB
CONFIGS
exit $status
