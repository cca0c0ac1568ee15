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
# Qwen3-MoE as released: every layer sparse, 8 experts, top-2, norm_topk_prob true; tied embeddings.
rm -rf "$out/qwen3-moe-e8k2-tied" && "$py" "$here/make_qwen3_moe.py" --out "$out/qwen3-moe-e8k2-tied" --seed 1 \
  --experts 8 --experts-per-tok 2 --moe-intermediate 32 --norm-topk-prob
# Qwen3-MoE, 6 experts, top-3, norm_topk_prob false, untied, sharded; decoder_sparse_step 2 and
# mlp_only_layers [3] leave layers 1 and 5 sparse and 0, 2, 3, 4 dense (width 112); expert width 24.
rm -rf "$out/qwen3-moe-e6k3-mixed" && "$py" "$here/make_qwen3_moe.py" --out "$out/qwen3-moe-e6k3-mixed" --seed 3 \
  --vocab 320 --hidden 48 --intermediate 112 --layers 6 --heads 6 --kv-heads 2 --head-dim 16 \
  --no-tied --rope-theta 10000 --rms-eps 1e-5 --experts 6 --experts-per-tok 3 --moe-intermediate 24 \
  --no-norm-topk-prob --decoder-sparse-step 2 --mlp-only-layers 3 --shard-size 100KB
# Qwen3-Omni: a tiny full model (thinker + talker + code2wav, sharded by module), its thinker-only twin, the
# goldens of every stage, and the media inputs they start from.
"$py" "$here/make_tiny_omni.py" --out "$out/qwen3-omni-tiny" --thinker-out "$out/qwen3-omni-thinker-tiny" \
  --media-out "$root/fixtures/media-golden"
# The same tiny thinker as llama.cpp's GGUF pair (qwen3vlmoe text model + clip mmproj), by gguf-py's writer.
"$py" "$here/make_omni_gguf.py" --hf "$out/qwen3-omni-tiny" --out "$root/fixtures/gguf-omni"
# Its golden video frames as PNG files, for tests that start from media files.
"$py" "$here/make_omni_frames.py" --golden "$out/qwen3-omni-tiny" --out "$root/fixtures/omni-frames"
# WAV output: soundfile's 16-bit PCM of probe samples and the tiny Code2Wav waveform (WavWriter's reference).
"$py" "$here/make_wav_fixture.py" --out "$root/fixtures/wav"
# Sampling distributions from transformers' logits processors.
"$py" "$here/make_sampling_goldens.py" --out "$root/fixtures/sampling"
echo "fixtures written to $out and $root/fixtures/sampling"

# The tokenizer: the Qwen3 tokenizer.json, the corpus and what HF tokenizers makes of them.
"$py" "$here/make_tokenizer_fixtures.py"

# Media goldens (qwen4j-media) from the committed files in fixtures/media; make_media_fixtures.py made
# those files once from ../shared/data/media and is not rerun here (re-encoding would change them).
"$py" "$here/make_media_goldens.py"

# GGUF reader/writer fixtures: every metadata type; a synthetic qwen3moe with stacked experts.
rm -rf "$root/fixtures/gguf" && "$py" "$here/make_gguf.py" metadata "$root/fixtures/gguf"
"$py" "$here/make_gguf.py" moe "$root/fixtures/gguf"
# Quantized types: random blocks dequantized, rows quantized, by gguf.quants.
rm -rf "$root/fixtures/quant" && "$py" "$here/make_quant_fixtures.py" --out "$root/fixtures/quant"

# The demo model embedded in the CLI (random weights, its own small tokenizer, Qwen3's chat template).
demo="$root/qwen4j-cli/src/main/resources/io/qwen4j/cli/demo"
rm -rf "$demo" && "$py" "$here/make_demo_model.py" --out "$demo"
echo "demo model written to $demo"
# The demo model as a GGUF from the reference writer, tokenizer and chat template embedded: GGUF chat and
# the embedded tokenizer are checked against it.
"$py" "$here/make_gguf.py" convert "$demo" "$root/fixtures/gguf/demo-q8_0.gguf" --type q8_0

# Chat templates: goldens rendered by apply_chat_template (no model needed).
"$py" "$here/make_chat_goldens.py" --out "$root/fixtures/chat"
# Qwen3-Omni prompts: the built-in Omni template rendered by transformers, placeholders expanded by its processor,
# ids from the Omni tokenizer (needs the media goldens above).
"$py" "$here/make_omni_prompt_goldens.py"
