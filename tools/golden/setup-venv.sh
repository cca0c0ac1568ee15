#!/usr/bin/env bash
# Creates tools/golden/.venv with the reference stack (torch CPU, transformers 5.18.0 pinned, gguf, ...)
# from this machine's local package mirror. The public index is unreachable here, so the mirror's
# locations are read from `pip config list` and passed explicitly.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv="$here/.venv"
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import torch, transformers, gguf, PIL, scipy, av; assert transformers.__version__ == "5.18.0"' 2>/dev/null; then
  exit 0
fi
cfg=$(pip config list 2>/dev/null || true)
get() { printf '%s\n' "$cfg" | sed -n "s/^[^=]*\.$1='\(.*\)'$/\1/p" | head -n 1; }
index_urls=$(get index-url); extra_urls=$(get extra-index-url); find_links=$(get find-links); constraint=$(get constraint)
# All configured indexes; the first becomes --index-url so pip never falls back to the public one.
urls=($index_urls $extra_urls)
if [ ${#urls[@]} -eq 0 ]; then
  echo "tools/golden: pip has no package index configured (pip config list shows none); cannot install the reference stack" >&2
  exit 1
fi
args=(--index-url "${urls[0]}")
for u in "${urls[@]:1}"; do args+=(--extra-index-url "$u"); done
for f in $find_links; do args+=(--find-links "$f"); done
[ -n "$constraint" ] && [ -f "$constraint" ] && args+=(--constraint "$constraint")
python3 -m venv "$venv"
echo "tools/golden: installing torch (CPU) and transformers 5.18.0 from the local mirror into $venv (a few minutes)" >&2
# pip warns about every mirror folder that lacks a package; those lines are noise.
"$venv/bin/pip" install --quiet --disable-pip-version-check "${args[@]}" -r "$here/requirements.txt" 2>&1 \
  | grep -v 'is ignored: it is neither a file nor a directory' >&2 || true
"$venv/bin/python" -c 'import torch, transformers, gguf, PIL, scipy, av; assert transformers.__version__ == "5.18.0", transformers.__version__' \
  || { echo "tools/golden: the reference stack did not install" >&2; exit 1; }
