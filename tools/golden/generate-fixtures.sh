#!/usr/bin/env bash
# Regenerates every committed golden fixture from transformers (tools/golden/.venv, made on demand).
# The fixtures are small, committed, and never edited by hand; tests read them and never need Python.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
"$here/setup-venv.sh"
py="$here/.venv/bin/python"
out="$root/fixtures/golden"
mkdir -p "$out"
export TRANSFORMERS_VERBOSITY=error HF_HUB_OFFLINE=1 TQDM_DISABLE=1

# Dense Qwen3, tied embeddings, heads*head_dim (4*32=128) != hidden (64).
rm -rf "$out/qwen3-tied" && "$py" "$here/make_qwen3.py" --out "$out/qwen3-tied" --seed 0
# Dense Qwen3, untied, GQA groups of 3, head_dim 16 (6*16=96 != 48), another theta and eps,
# sharded by the reference writer (model.safetensors.index.json + shards).
rm -rf "$out/qwen3-untied-sharded" && "$py" "$here/make_qwen3.py" --out "$out/qwen3-untied-sharded" --seed 1 \
  --vocab 320 --hidden 48 --intermediate 112 --layers 3 --heads 6 --kv-heads 2 --head-dim 16 \
  --no-tied --rope-theta 10000 --rms-eps 1e-5 --shard-size 60KB
# GGUF versions of both, written by the reference writer (gguf-py) with convert_hf_to_gguf.py's names and keys.
"$py" "$here/make_gguf.py" convert "$out/qwen3-tied" "$out/qwen3-tied/model-bf16.gguf" --type bf16
"$py" "$here/make_gguf.py" convert "$out/qwen3-tied" "$out/qwen3-tied/model-q8_0.gguf" --type q8_0
"$py" "$here/make_gguf.py" convert "$out/qwen3-untied-sharded" "$out/qwen3-untied-sharded/model-bf16.gguf" --type bf16
echo "fixtures written to $out"

# GGUF reader/writer fixtures: every metadata type; a synthetic qwen3moe with stacked experts.
rm -rf "$root/fixtures/gguf" && "$py" "$here/make_gguf.py" metadata "$root/fixtures/gguf"
"$py" "$here/make_gguf.py" moe "$root/fixtures/gguf"
# Quantized types: random blocks dequantized, rows quantized, by gguf.quants.
rm -rf "$root/fixtures/quant" && "$py" "$here/make_quant_fixtures.py" --out "$root/fixtures/quant"

# The demo model embedded in the CLI (no goldens): big enough that tokens/s means something.
demo="$root/qwen4j-cli/src/main/resources/io/qwen4j/cli/demo"
rm -rf "$demo" && "$py" "$here/make_qwen3.py" --out "$demo" --no-goldens --seed 7 \
  --vocab 2048 --hidden 128 --intermediate 384 --layers 4 --heads 4 --kv-heads 2 --head-dim 32
echo "demo model written to $demo"
