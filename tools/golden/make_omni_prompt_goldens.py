#!/usr/bin/env python3
"""Goldens of Qwen3-Omni prompt building: conversations with image, audio and video parts, rendered with qwen4j's
built-in Omni chat template by transformers' own Jinja (apply_chat_template), their placeholders expanded by
transformers' Qwen3OmniMoeProcessor.replace_multimodal_special_tokens, tokenised by HF tokenizers with the Qwen3-Omni
tokenizer.

The media sizes the expansion needs: image grids, video grids and seconds per grid are read from
fixtures/media/golden/*.json, where make_media_goldens.py recorded what HF's processors (Qwen2VLImageProcessorPil, the
video patchify) made of the same files; the audio token counts come from running WhisperFeatureExtractor as
Qwen3OmniMoeProcessor does, on all of a prompt's clips at once (decoded as make_media_goldens.py decodes them: PyAV,
channel mean, soxr_hq to 16 kHz), because padding to the longest clip changes a shorter clip's frame mask: it counts
ceil(samples/160) frames where the clip alone counts floor(samples/160).

Writes:
  fixtures/tokenizer/qwen3-omni/added_tokens.json   the added tokens the Omni tokenizer has beyond Qwen3's
                                                     (entries of tokenizer.json's "added_tokens", as they are)
  fixtures/tokenizer/qwen3-omni/tokenizer_config.json  copied from shared/data/tokenizer/qwen3-omni
  fixtures/tokenizer/qwen3-omni/README.md           provenance
  fixtures/omni-prompt/goldens.json                  one case per conversation: messages (media by path relative
                                                     to fixtures/), kwargs, use_audio_in_video, the rendered text,
                                                     the valid frames of each clip (feature_attention_mask sums, in
                                                     placeholder order), the expanded text and its ids

The script checks that Qwen3's tokenizer.json plus added_tokens.json is exactly the shared Omni tokenizer.json, so
the tests rebuild the Omni tokenizer from the committed Qwen3 one without another 11 MB file.

Usage: make_omni_prompt_goldens.py [--shared DIR] [--out DIR]
"""
import argparse
import gzip
import json
import os
import shutil
import tempfile

import librosa
import numpy as np
import transformers
from make_media_goldens import decode_pyav, feature_extractor, mel_of
from make_tiny_omni import _Placeholders  # just enough of a Qwen3OmniMoeProcessor for its placeholder expansion
from tokenizers import Tokenizer
from transformers import AutoTokenizer
from transformers.models.qwen3_omni_moe.processing_qwen3_omni_moe import Qwen3OmniMoeProcessor, _get_feat_extract_output_lengths

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
FIXTURES = os.path.join(ROOT, "fixtures")
TEMPLATE = os.path.join(ROOT, "qwen4j-engine", "src", "main", "resources", "io", "qwen4j", "engine", "qwen3-omni-fallback.jinja")

IMAGE = "media/images/chelsea-150x100-q85.jpg"
IMAGE2 = "media/images/horse.png"
AUDIO = "media/audio/espeak-en-harvard-01.16k.wav"
AUDIO2 = "media/audio/speech-8k-s16.wav"
VIDEO = "media/video/slideshow-speech.mp4"

CASES = [
    ("image", [{"role": "system", "content": "Be brief."},
               {"role": "user", "content": [{"type": "image", "image": IMAGE}, {"type": "text", "text": "What is this?"}]}],
     {}, False),
    ("audio", [{"role": "user", "content": [{"type": "audio", "audio": AUDIO}, {"type": "text", "text": "Transcribe it."}]}],
     {}, False),
    ("two-audios-two-images", [{"role": "user", "content": [
        {"type": "text", "text": "Compare "}, {"type": "image", "image": IMAGE}, {"type": "text", "text": " and "},
        {"type": "image", "image": IMAGE2}, {"type": "text", "text": ", then "}, {"type": "audio", "audio": AUDIO2},
        {"type": "audio", "audio": AUDIO}]}], {"enable_thinking": False}, False),
    ("video", [{"role": "user", "content": [{"type": "video", "video": VIDEO}, {"type": "text", "text": "What happens?"}]}],
     {}, False),
    ("audio-in-video", [{"role": "user", "content": [{"type": "video", "video": VIDEO}, {"type": "text", "text": "Who speaks?"}]}],
     {}, True),
    ("multi-turn-mixed", [
        {"role": "system", "content": "You are Qwen."},
        {"role": "user", "content": [{"type": "image", "image": IMAGE}, {"type": "audio", "audio": AUDIO2},
                                     {"type": "text", "text": "Describe both."}]},
        {"role": "assistant", "content": "A cat, and a voice."},
        {"role": "user", "content": [{"type": "audio", "audio": AUDIO}, {"type": "video", "video": VIDEO},
                                     {"type": "text", "text": "And now?"}]}], {}, True),
    ("text-parts", [{"role": "user", "content": [{"type": "text", "text": "Hello, "}, {"type": "text", "text": "Omni!"}]}],
     {"enable_thinking": False}, False),
    ("text-string", [{"role": "user", "content": "Hello, Omni!"}, {"role": "assistant", "content": "Hi."},
                     {"role": "user", "content": "Why is the sky blue?"}], {}, False),
]


def find_shared():
    d = ROOT
    while d != os.path.dirname(d):
        d = os.path.dirname(d)
        candidate = os.path.join(d, "shared", "data", "tokenizer", "qwen3-omni")
        if os.path.isdir(candidate):
            return candidate
    raise SystemExit("no shared/data/tokenizer/qwen3-omni above the repository; pass --shared")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--shared", default=None, help="shared/data/tokenizer/qwen3-omni")
    p.add_argument("--out", default=FIXTURES)
    return p.parse_args()


def media_sizes():
    media = {}
    for kind in ("images", "audio", "video"):
        with open(os.path.join(FIXTURES, "media", "golden", kind + ".json")) as f:
            for key, value in json.load(f).items():
                if key.startswith("file."):
                    media[f"media/{kind}/{key[5:]}"] = value
    return media


def wave16k(relative):
    pcm, rate = decode_pyav(os.path.join(FIXTURES, relative))
    mono = np.mean(pcm, axis=0)
    return librosa.resample(mono, orig_sr=rate, target_sr=16000, res_type="soxr_hq") if rate != 16000 else mono


def expand(text, messages, aiv, sizes):
    waves, image_grids, video_grids, spgs = [], [], [], []
    for m in messages:
        if isinstance(m["content"], str):
            continue
        for part in m["content"]:
            if part["type"] == "image":
                image_grids.append(sizes[part["image"]]["grid_thw"])
            elif part["type"] == "audio":
                waves.append(wave16k(part["audio"]))
            elif part["type"] == "video":
                v = sizes[part["video"]]
                video_grids.append(v["grid_thw"])
                spgs.append(v["second_per_grid"])
                if aiv:
                    waves.append(wave16k(part["video"]))
    feature_lens = []
    if waves:  # as Qwen3OmniMoeProcessor.__call__: one feature-extractor call over every clip of the prompt
        _, mask = mel_of(feature_extractor(), waves)
        feature_lens = [int(x) for x in mask.sum(-1)]
    audio_lens = [int(_get_feat_extract_output_lengths(np.array(f))) for f in feature_lens]
    out = Qwen3OmniMoeProcessor.replace_multimodal_special_tokens(
        _Placeholders(), [text], iter(audio_lens), iter(np.array(g) for g in image_grids), iter(np.array(g) for g in video_grids),
        video_second_per_grid=iter(spgs), use_audio_in_video=aiv, position_id_per_seconds=13.0, seconds_per_chunk=2.0)
    return out[0], feature_lens


def main():
    args = parse_args()
    shared = args.shared or find_shared()
    with open(os.path.join(shared, "tokenizer.json"), encoding="utf-8") as f:
        omni = json.load(f)
    with gzip.open(os.path.join(FIXTURES, "tokenizer", "qwen3", "tokenizer.json.gz"), "rt", encoding="utf-8") as f:
        qwen3 = json.load(f)
    base_ids = {t["id"] for t in qwen3["added_tokens"]}
    extra = [t for t in omni["added_tokens"] if t["id"] not in base_ids]
    rebuilt = dict(qwen3, added_tokens=qwen3["added_tokens"] + extra)
    if rebuilt != omni:
        raise SystemExit("the Omni tokenizer.json is not Qwen3's plus added tokens; commit it whole instead")
    tok_out = os.path.join(args.out, "tokenizer", "qwen3-omni")
    os.makedirs(tok_out, exist_ok=True)
    with open(os.path.join(tok_out, "added_tokens.json"), "w", encoding="utf-8") as f:
        json.dump(extra, f, indent=1, ensure_ascii=False)
        f.write("\n")
    shutil.copyfile(os.path.join(shared, "tokenizer_config.json"), os.path.join(tok_out, "tokenizer_config.json"))
    with open(os.path.join(tok_out, "README.md"), "w") as f:
        f.write(README)

    with open(TEMPLATE, encoding="utf-8") as f:
        template = f.read()
    reference = Tokenizer.from_file(os.path.join(shared, "tokenizer.json"))
    with tempfile.TemporaryDirectory() as d:  # a transformers tokenizer to render with (its template is not used)
        shutil.copyfile(os.path.join(shared, "tokenizer.json"), os.path.join(d, "tokenizer.json"))
        shutil.copyfile(os.path.join(shared, "tokenizer_config.json"), os.path.join(d, "tokenizer_config.json"))
        hf = AutoTokenizer.from_pretrained(d)
    sizes = media_sizes()
    cases = []
    for name, messages, kwargs, aiv in CASES:
        text = hf.apply_chat_template(messages, chat_template=template, tokenize=False, add_generation_prompt=True, **kwargs)
        expanded, feature_lens = expand(text, messages, aiv, sizes)
        ids = reference.encode(expanded, add_special_tokens=False).ids
        cases.append({"name": name, "messages": messages, "kwargs": kwargs, "use_audio_in_video": aiv, "text": text,
                      "feature_lens": feature_lens, "expanded": expanded, "ids": ids})
    out = os.path.join(args.out, "omni-prompt")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "goldens.json"), "w", encoding="utf-8") as f:
        json.dump({"generator": "tools/golden/make_omni_prompt_goldens.py", "transformers_version": transformers.__version__,
                   "template": "qwen4j-engine/src/main/resources/io/qwen4j/engine/qwen3-omni-fallback.jinja",
                   "media_sizes": "fixtures/media/golden/{images,audio,video}.json", "cases": cases}, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {out}/goldens.json and {tok_out}")


README = """# Qwen3-Omni tokenizer (derived)

Made by `tools/golden/make_omni_prompt_goldens.py` from `shared/data/tokenizer/qwen3-omni` (see that folder's
SOURCES.md: the real Qwen3 tokenizer plus the 7 added special tokens Qwen3-Omni uses, 151669-151675, with ids from
the Qwen3-Omni config; not checked against Qwen3-Omni's own tokenizer files, which are not available offline).

| file | what |
|---|---|
| `added_tokens.json` | the entries of `tokenizer.json`'s `added_tokens` beyond Qwen3's; the script checked that Qwen3's `tokenizer.json` (`../qwen3/tokenizer.json.gz`) with these appended is exactly the shared Omni `tokenizer.json`, so tests rebuild it from the two |
| `tokenizer_config.json` | copied byte for byte (its chat template is Qwen3's text one: it cannot place media) |

Licence: Qwen's tokenizer data, Apache-2.0 (as `../qwen3`).
"""


if __name__ == "__main__":
    main()
