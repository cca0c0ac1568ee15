#!/usr/bin/env python3
"""The demo model embedded in the qwen4j CLI: a tiny random-weight Qwen3 with a small tokenizer of its own.

The tokenizer is a byte-level BPE trained with HF `tokenizers` on the tokenizer test corpus (the Debian
texts in fixtures/tokenizer/corpus), set up exactly as Qwen3's (NFC, the Qwen2 split regex, ByteLevel,
no prefix space) with Qwen3's added tokens (<|im_start|>, <|im_end|>, <think>, <tool_call>, ...) and
Qwen3's chat template, so every command (run, chat, serve) works with nothing downloaded. The weights are
random: the text it writes is not meant to make sense.

Usage: make_demo_model.py --out DIR
"""
import argparse
import json
import os
import subprocess
import sys

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
QWEN2_REGEX = ("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
               "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")
BPE_VOCAB = 2000


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True)
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)

    with open(os.path.join(ROOT, "fixtures/tokenizer/qwen3/tokenizer_config.json")) as f:
        qwen_config = json.load(f)
    added = sorted(((int(i), t) for i, t in qwen_config["added_tokens_decoder"].items()), key=lambda x: x[0])

    tok = Tokenizer(models.BPE(dropout=None, unk_token=None, fuse_unk=False, byte_fallback=False))
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN2_REGEX), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)
    texts = []
    with open(os.path.join(ROOT, "fixtures/tokenizer/corpus/snippets.jsonl")) as f:
        for line in f:
            texts.append(json.loads(line)["text"])
    trainer = trainers.BpeTrainer(vocab_size=BPE_VOCAB, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), special_tokens=[])
    tok.train_from_iterator(texts, trainer=trainer)
    # Qwen3's added tokens after the BPE vocabulary, in Qwen3's order and with its flags
    new_ids = {}
    for _, t in added:
        token = AddedToken(t["content"], single_word=False, lstrip=False, rstrip=False, normalized=False,
                           special=t["special"])
        if t["special"]:
            tok.add_special_tokens([token])
        else:
            tok.add_tokens([token])
        new_ids[t["content"]] = tok.token_to_id(t["content"])
    tok.save(os.path.join(args.out, "tokenizer.json"))

    config = dict(qwen_config)
    config["added_tokens_decoder"] = {str(new_ids[t["content"]]): t for _, t in added}
    with open(os.path.join(args.out, "tokenizer_config.json"), "w") as f:
        json.dump(config, f, indent=2, ensure_ascii=False)
        f.write("\n")

    vocab = (tok.get_vocab_size() + 63) // 64 * 64
    im_end, endoftext = new_ids["<|im_end|>"], new_ids["<|endoftext|>"]
    subprocess.run([sys.executable, os.path.join(HERE, "make_qwen3.py"), "--out", args.out, "--no-goldens",
                    "--seed", "7", "--vocab", str(vocab), "--hidden", "128", "--intermediate", "384", "--layers", "4",
                    "--heads", "4", "--kv-heads", "2", "--head-dim", "32", "--weight-scale", "4"], check=True)
    # the checkpoint's own ids and Qwen3's sampling recommendations for non-thinking use (text.md §2.6)
    for name in ("config.json", "generation_config.json"):
        path = os.path.join(args.out, name)
        with open(path) as f:
            c = json.load(f)
        if name == "config.json":
            c.update(bos_token_id=endoftext, eos_token_id=im_end, pad_token_id=endoftext)
        else:
            c.update(bos_token_id=endoftext, eos_token_id=[im_end, endoftext], pad_token_id=endoftext,
                     do_sample=True, temperature=0.7, top_k=20, top_p=0.8)
        with open(path, "w") as f:
            json.dump(c, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
