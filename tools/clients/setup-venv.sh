#!/usr/bin/env bash
# Creates tools/clients/.venv with the official OpenAI Python package, for the server's real-client tests
# (qwen4j-server's OpenAiPythonClientTest runs this first). Packages come from this machine's package
# mirror: its locations are read from `pip config list` and passed explicitly, as tools/golden does.
# Quick when the venv is already there. Prints the venv's python on stdout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv="$here/.venv"
want=$(sed -n 's/^openai==//p' "$here/requirements.txt")
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import openai, sys; sys.exit(openai.__version__ != '$want')" 2>/dev/null; then
  echo "$venv/bin/python"
  exit 0
fi
cfg=$(pip config list 2>/dev/null || true)
get() { printf '%s\n' "$cfg" | sed -n "s/^[^=]*\.$1='\(.*\)'$/\1/p" | head -n 1; }
index_urls=$(get index-url); extra_urls=$(get extra-index-url); find_links=$(get find-links); constraint=$(get constraint)
urls=($index_urls $extra_urls)
args=()
if [ ${#urls[@]} -gt 0 ]; then
  # the first configured index becomes --index-url so pip never falls back to another one
  args+=(--index-url "${urls[0]}")
  for u in "${urls[@]:1}"; do args+=(--extra-index-url "$u"); done
fi
for f in $find_links; do args+=(--find-links "$f"); done
[ -n "$constraint" ] && [ -f "$constraint" ] && args+=(--constraint "$constraint")
rm -rf "$venv"
python3 -m venv "$venv" >&2
echo "tools/clients: installing openai==$want into $venv" >&2
# pip warns about every mirror folder that lacks a package; those lines are noise.
"$venv/bin/pip" install --quiet --disable-pip-version-check "${args[@]}" -r "$here/requirements.txt" 2>&1 \
  | grep -v 'is ignored: it is neither a file nor a directory' >&2 || true
"$venv/bin/python" -c "import openai; assert openai.__version__ == '$want', openai.__version__" \
  || { echo "tools/clients: the openai package did not install (see pip's output above)" >&2; exit 1; }
echo "$venv/bin/python"
