#!/usr/bin/env python3
"""Golden tensors for qwen4j-media, computed by the reference tools on the files in fixtures/media.

References (transformers 5.18.0 and the decoders HF pipelines load media with):
  images  PIL (Image.open + ImageOps.exif_transpose + convert("RGB"), i.e. transformers.image_utils.load_image),
          then Qwen2VLImageProcessorPil with Qwen3-Omni's preprocessor_config values.
  audio   soundfile and PyAV (decoded PCM), librosa.load(sr=16000) (soxr_hq resampling, channel mean),
          then WhisperFeatureExtractor with Qwen3-Omni's values, called as Qwen3OmniMoeProcessor calls it.
  video   PyAV (frame.to_ndarray(format="rgb24")), frames chosen by Qwen2VLVideoProcessor.sample_frames at 2 fps,
          resized by the PIL image processor (torchvision is not installed), patchified as
          Qwen2VLVideoProcessor.patchify does; the soundtrack decoded by PyAV, averaged to mono, soxr_hq to 16 kHz.
  tokens  _get_feat_extract_output_lengths and Qwen3OmniMoeProcessor.replace_multimodal_special_tokens.

Large tensors are stored as a subset of rows (every k-th; the indices are stored beside them) plus a SHA-256 of
the full tensor's bytes, so the fixtures stay small while a test still checks every value exactly.

    tools/golden/.venv/bin/python tools/golden/make_media_goldens.py   # writes fixtures/media/golden/
"""
import argparse
import hashlib
import json
import math
import os
import re
import types

import av
import librosa
import numpy as np
import soundfile as sf
import torch
from PIL import Image, ImageOps
from safetensors.numpy import save_file
from transformers import WhisperFeatureExtractor
from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil, smart_resize
from transformers.models.qwen3_omni_moe import processing_qwen3_omni_moe as omni_proc

# Qwen3-Omni-30B-A3B-Instruct preprocessor_config.json (omni.md 1.4).
IMAGE_CFG = dict(patch_size=16, temporal_patch_size=2, merge_size=2, min_pixels=3136, max_pixels=12845056,
                 image_mean=[0.5, 0.5, 0.5], image_std=[0.5, 0.5, 0.5], rescale_factor=1 / 255, resample=3)
# The video size the Omni processor passes (Qwen3OmniMoeProcessorKwargs._defaults).
VIDEO_SIZE = {"shortest_edge": 128 * 32 * 32, "longest_edge": 768 * 32 * 32}
AUDIO_KW = dict(sampling_rate=16000, padding=True, truncation=False, return_attention_mask=True)

MAX_ROWS = 4  # rows kept of a large tensor (the SHA-256 covers the rest)


def sha(a):
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


def row_subset(a, max_rows=MAX_ROWS):
    n = a.shape[0]
    step = max(1, math.ceil(n / max_rows))
    idx = np.arange(0, n, step, dtype=np.int64)
    return idx, np.ascontiguousarray(a[idx])


class Out:
    def __init__(self):
        self.tensors, self.meta = {}, {}

    def put(self, name, arr):
        self.tensors[name] = np.ascontiguousarray(arr)

    def put_rows(self, name, arr, max_rows=MAX_ROWS):
        """Every k-th row of a large tensor, its row indices, and the SHA-256 of all of it."""
        idx, rows = row_subset(arr, max_rows)
        self.put(name + ".rows", rows)
        self.put(name + ".row_index", idx)
        return {"shape": list(arr.shape), "sha256": sha(arr)}

    def save(self, folder, stem):
        save_file(self.tensors, os.path.join(folder, stem + ".safetensors"))
        with open(os.path.join(folder, stem + ".json"), "w") as f:
            json.dump(self.meta, f, indent=1, sort_keys=True)
            f.write("\n")


def window(out, name, wave, n=4096):
    """A stretch of n samples from the middle third of a long waveform, with its start and full length."""
    start = min(len(wave) // 3, max(0, len(wave) - n))
    out.put(name, wave[start:start + n])
    return {"start": int(start), "length": int(len(wave))}


# ----------------------------------------------------------------------------------------------- images

def image_processor(**over):
    cfg = dict(IMAGE_CFG)
    cfg.update(over)
    return Qwen2VLImageProcessorPil(**cfg)


def resized_uint8(proc, rgb):
    """The processor's own resize step on the uint8 image (what rescale/normalise then see)."""
    chw = np.transpose(rgb, (2, 0, 1))
    out = proc.resize(chw, size=proc.size if not isinstance(proc.size, dict) else _size(proc), resample=proc.resample,
                      factor=proc.patch_size * proc.merge_size)
    return np.transpose(out, (1, 2, 0))


def _size(proc):
    from transformers.image_utils import SizeDict
    return SizeDict(**proc.size)


def run_image(out, key, rgb, proc, keep_full):
    res = proc(images=[Image.fromarray(rgb)], return_tensors="np")
    pv, grid = res["pixel_values"], res["image_grid_thw"][0]
    resized = resized_uint8(proc, rgb)
    # The pixel values are exactly rescale + normalise + patchify of `resized` (checked here, so the
    # fixture's resized image is the real intermediate).
    chw = (np.transpose(resized, (2, 0, 1)).astype(np.float64) * (1 / 255)).astype(np.float32)
    chw = (chw - np.float32(0.5)) / np.float32(0.5)
    patches, gh, gw = proc.patchify(chw, patch_size=proc.patch_size, merge_size=proc.merge_size,
                                    temporal_patch_size=proc.temporal_patch_size)
    assert np.array_equal(patches, pv), key
    m = {"input_hw": list(rgb.shape[:2]), "grid_thw": [int(x) for x in grid], "tokens": int(grid.prod() // 4),
         "resized_hw": list(resized.shape[:2]), "resized_sha256": sha(resized)}
    if keep_full:
        out.put(key + ".pixel_values", pv)
        out.put(key + ".resized", resized)
    m["pixel_values"] = out.put_rows(key + ".pixel_values", pv)
    out.meta[key] = m


def load_image_like_hf(path):
    im = Image.open(path)
    mode = im.mode
    im = ImageOps.exif_transpose(im).convert("RGB")
    return mode, np.asarray(im)


def synthetic_pattern(h, w):
    """A deterministic test pattern, rebuilt bit for bit by the Java test (MediaGoldens.pattern)."""
    y, x = np.mgrid[0:h, 0:w].astype(np.int64)
    c = np.arange(3, dtype=np.int64)[None, None, :]
    return ((x[..., None] * 31 + y[..., None] * 17 + c * 85 + (x * y)[..., None] % 97) % 256).astype(np.uint8)


def images(fixtures, out_dir):
    out = Out()
    proc = image_processor()
    folder = os.path.join(fixtures, "images")
    names = sorted(os.listdir(folder))
    out.meta["files"] = names
    for name in names:
        mode, rgb = load_image_like_hf(os.path.join(folder, name))
        key = "file." + name
        # decoded pixels: the full SHA-256 and every k-th row for the error figure
        idx, rows = row_subset(rgb, 12)
        out.put(key + ".decoded.rows", rows)
        out.put(key + ".decoded.row_index", idx)
        run_image(out, key, rgb, proc, keep_full=False)
        out.meta[key].update({"pil_mode": mode, "decoded_hw": list(rgb.shape[:2]), "decoded_sha256": sha(rgb)})
    # Synthetic inputs: odd sizes, below min_pixels, extreme aspect ratios, above max_pixels.
    synth = {"odd-61x47": (47, 61), "tiny-23x37": (37, 23), "tall-7x1200": (1200, 7), "wide-1500x9": (9, 1500),
             "square-32": (32, 32), "big-4000x3400": (3400, 4000)}
    out.meta["synthetic"] = {}
    for key, (h, w) in synth.items():
        rgb = synthetic_pattern(h, w)
        run_image(out, "synthetic." + key, rgb, proc, keep_full=h * w <= 32 * 32)
        out.meta["synthetic"][key] = [h, w]
    # Other limits, as a caller of the processor may set them.
    _, rocket = load_image_like_hf(os.path.join(folder, "rocket.jpg"))
    run_image(out, "limits.rocket-max50k", rocket, image_processor(max_pixels=50000), keep_full=False)
    run_image(out, "limits.rocket-min800k", rocket, image_processor(min_pixels=800000, max_pixels=4000000), keep_full=False)
    # smart_resize on its own, over a grid of sizes (including .5 roundings and the 200:1 limit).
    cases = []
    for h in [1, 15, 16, 17, 31, 32, 48, 80, 100, 240, 300, 427, 1000, 1080, 3000, 5000]:
        for w in [1, 16, 48, 80, 112, 200, 426, 640, 1920, 4000, 8000]:
            try:
                rh, rw = smart_resize(h, w, factor=32, min_pixels=3136, max_pixels=12845056)
                cases.append([h, w, rh, rw])
            except ValueError:
                cases.append([h, w, -1, -1])
    out.meta["smart_resize"] = cases
    out.save(out_dir, "images")


# ----------------------------------------------------------------------------------------------- audio

def feature_extractor():
    return WhisperFeatureExtractor(feature_size=128, sampling_rate=16000, hop_length=160, chunk_length=300,
                                   n_fft=400, padding_value=0.0, dither=0.0, return_attention_mask=True)


def mel_of(fe, waves):
    r = fe(waves, **AUDIO_KW, return_tensors="np")
    return r["input_features"], r["attention_mask"]


def decode_pyav(path):
    """All audio frames of the first audio stream as float32 [channels, samples] at the native rate."""
    c = av.open(path)
    st = c.streams.audio[0]
    chunks = []
    for fr in c.decode(st):
        a = fr.to_ndarray()
        fmt = fr.format.name
        if not fr.format.is_planar:
            a = a.reshape(-1, fr.layout.nb_channels).T
        if fmt.startswith("s16"):
            a = a.astype(np.float32) / 32768.0
        elif fmt.startswith("s32"):
            a = (a.astype(np.float64) / 2147483648.0).astype(np.float32)
        elif fmt.startswith("u8"):
            a = (a.astype(np.float32) - 128.0) / 128.0
        elif fmt.startswith("dbl"):
            a = a.astype(np.float32)
        chunks.append(a.astype(np.float32))
    rate = st.rate
    c.close()
    return np.concatenate(chunks, axis=1), rate


def audio(fixtures, out_dir):
    out = Out()
    fe = feature_extractor()
    out.put("mel_filters", fe.mel_filters.astype(np.float32))
    folder = os.path.join(fixtures, "audio")
    names = sorted(os.listdir(folder))
    out.meta["files"] = names
    for name in names:
        path = os.path.join(folder, name)
        key = "file." + name
        m = {}
        pcm, rate = decode_pyav(path)
        m.update({"rate": int(rate), "channels": int(pcm.shape[0]), "frames": int(pcm.shape[1]), "pyav_sha256": sha(pcm)})
        start = min(pcm.shape[1] // 3, max(0, pcm.shape[1] - 4096))
        m["window_start"] = int(start)
        out.put(key + ".pyav_window", pcm[:, start:start + 4096])
        try:
            y, sr = sf.read(path, dtype="float32", always_2d=True)
            y = y.T
            m["soundfile_frames"] = int(y.shape[1])
            out.put(key + ".soundfile_window", np.ascontiguousarray(y[:, start:start + 4096]))
        except Exception as e:  # noqa: BLE001 - a format libsndfile lacks is recorded, not fatal
            m["soundfile_error"] = str(e)
        # What an HF pipeline feeds the feature extractor: librosa.load(sr=16000) = channel mean + soxr_hq.
        mono = np.mean(pcm, axis=0)
        wave = librosa.resample(mono, orig_sr=rate, target_sr=16000, res_type="soxr_hq") if rate != 16000 else mono
        m["wave16k"] = window(out, key + ".wave16k", wave.astype(np.float32))
        feats, mask = mel_of(fe, [wave])
        m["mel"] = out.put_rows(key + ".mel_t", feats[0].T, 24)
        m.update({"mel_frames": int(feats.shape[2]), "feature_len": int(mask.sum()),
                  "audio_tokens": int(omni_proc._get_feat_extract_output_lengths(np.array(mask.sum())))})
        out.meta[key] = m
    # Synthetic waveforms at 16 kHz (stored, so the mel check sees exactly HF's input).
    rng = np.random.default_rng(7)
    t = np.arange(16003) / 16000.0
    synth = {
        "chirp-16003": (0.4 * np.sin(2 * np.pi * (100 + 3000 * t) * t)).astype(np.float32),
        "noise-4000": (0.1 * rng.standard_normal(4000)).astype(np.float32),
        "short-401": (0.2 * np.sin(2 * np.pi * 700 * np.arange(401) / 16000)).astype(np.float32),
        "silence-1600": np.zeros(1600, np.float32),
        "exact-3200": (0.3 * np.cos(2 * np.pi * 250 * np.arange(3200) / 16000)).astype(np.float32),
    }
    out.meta["synthetic"] = {}
    for key, w in synth.items():
        feats, mask = mel_of(fe, [w])
        out.put("synthetic." + key + ".wave", w)
        out.put("synthetic." + key + ".mel", feats[0])
        out.meta["synthetic"][key] = {"feature_len": int(mask.sum()), "mel_frames": int(feats.shape[2])}
    # A batch of two clips of different lengths, as the Omni processor sends every audio of a prompt:
    # zero-padded to the longest before the STFT, with a frame mask.
    a, b = synth["chirp-16003"], synth["short-401"]
    feats, mask = mel_of(fe, [a, b])
    out.put("batch.mel", feats)
    out.put("batch.mask", mask.astype(np.int64))
    # Placeholder counts: <|audio_pad|> tokens per mel length.
    lens = np.array(list(range(0, 420)) + [999, 1000, 1001, 3000, 29999, 30000], dtype=np.int64)
    out.meta["audio_tokens"] = [[int(n), int(omni_proc._get_feat_extract_output_lengths(n))] for n in lens]
    out.save(out_dir, "audio")


# ----------------------------------------------------------------------------------------------- video

def sample_frames(total, video_fps, fps=2.0, temporal_patch_size=2, min_frames=4, max_frames=768):
    """Qwen2VLVideoProcessor.sample_frames with fps given (transformers 5.18; copied because the class
    cannot be imported without torchvision)."""
    max_frames = math.floor(min(max_frames, total) / temporal_patch_size) * temporal_patch_size
    num_frames = total / video_fps * fps
    num_frames = min(max(num_frames, min_frames), max_frames, total)
    num_frames = math.floor(num_frames / temporal_patch_size) * temporal_patch_size
    return torch.arange(0, total, total / num_frames).int().numpy()


def video_patchify(videos, patch_size=16, merge_size=2, temporal_patch_size=2):
    """Qwen2VLVideoProcessor.patchify (transformers 5.18), verbatim on a torch tensor (B, T, C, H, W)."""
    batch_size, num_frames, channel, resized_height, resized_width = videos.shape
    if pad := -num_frames % temporal_patch_size:
        repeats = videos[:, -1:].expand(-1, pad, -1, -1, -1)
        videos = torch.cat((videos, repeats), dim=1)
        num_frames += pad
    grid_t = num_frames // temporal_patch_size
    grid_h, grid_w = resized_height // patch_size, resized_width // patch_size
    patches = videos.view(batch_size, grid_t, temporal_patch_size, channel, grid_h // merge_size, merge_size,
                          patch_size, grid_w // merge_size, merge_size, patch_size)
    patches = patches.permute(0, 1, 4, 7, 5, 8, 3, 2, 6, 9)
    flatten = patches.reshape(batch_size, grid_t * grid_h * grid_w, channel * temporal_patch_size * patch_size * patch_size)
    return flatten, grid_t, grid_h, grid_w


def process_frames(out, key, frames, fps):
    """Frames (list of HxWx3 uint8) -> resized (PIL bicubic, video size limits) -> normalised -> patches."""
    proc = image_processor(min_pixels=VIDEO_SIZE["shortest_edge"], max_pixels=VIDEO_SIZE["longest_edge"])
    resized = [resized_uint8(proc, f) for f in frames]
    arr = np.stack([np.transpose(r, (2, 0, 1)) for r in resized])
    arr = (arr.astype(np.float64) * (1 / 255)).astype(np.float32)
    arr = (arr - np.float32(0.5)) / np.float32(0.5)
    pv, gt, gh, gw = video_patchify(torch.from_numpy(arr)[None])
    pv = pv[0].numpy()
    m = {"grid_thw": [gt, gh, gw], "tokens": gt * gh * gw // 4, "second_per_grid": 2 / fps,
         "resized_hw": list(resized[0].shape[:2]), "resized_sha256": [sha(r) for r in resized]}
    m["pixel_values"] = out.put_rows(key + ".pixel_values", pv)
    return m


def videos(fixtures, out_dir):
    out = Out()
    fe = feature_extractor()
    folder = os.path.join(fixtures, "video")
    names = sorted(os.listdir(folder))
    out.meta["files"] = names
    for name in names:
        path = os.path.join(folder, name)
        key = "file." + name
        c = av.open(path)
        vs = c.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(vs)]
        video_fps = float(vs.average_rate)
        c.close()
        idx = sample_frames(len(frames), video_fps)
        chosen = [frames[i] for i in idx]
        m = {"codec": vs.codec_context.name, "total_frames": len(frames), "video_fps": video_fps,
             "hw": list(frames[0].shape[:2]), "indices": [int(i) for i in idx],
             "frame_sha256": [sha(f) for f in chosen]}
        for j in (0, len(chosen) - 1):
            ridx, rows = row_subset(chosen[j], 12)
            out.put(f"{key}.frame{j}.rows", rows)
            out.put(f"{key}.frame{j}.row_index", ridx)
        m.update(process_frames(out, key, chosen, 2.0))
        # The soundtrack: PyAV decode, channel mean, soxr_hq to 16 kHz, log-mel; and the interleaving.
        pcm, rate = decode_pyav(path)
        wave = librosa.resample(np.mean(pcm, axis=0), orig_sr=rate, target_sr=16000, res_type="soxr_hq")
        feats, mask = mel_of(fe, [wave])
        m["wave16k"] = window(out, key + ".wave16k", wave.astype(np.float32))
        m["mel"] = out.put_rows(key + ".mel_t", feats[0].T, 24)
        n_audio = int(omni_proc._get_feat_extract_output_lengths(np.array(mask.sum())))
        m.update({"audio_rate": int(rate), "feature_len": int(mask.sum()), "audio_tokens": n_audio,
                  "interleaved": interleave(n_audio, m["grid_thw"], m["second_per_grid"])})
        out.meta[key] = m
    # A folder of frames with a given frame rate (9 PNG frames, at 4.5 fps).
    frame_dir = os.path.join(fixtures, "frames")
    frames = [load_image_like_hf(os.path.join(frame_dir, n))[1] for n in sorted(os.listdir(frame_dir))]
    idx = sample_frames(len(frames), 4.5)
    m = {"fps": 4.5, "indices": [int(i) for i in idx]}
    m.update(process_frames(out, "folder", [frames[i] for i in idx], 2.0))
    out.meta["folder"] = m
    # Interleaving plans on their own.
    out.meta["interleave_cases"] = [
        {"audio": a, "grid_thw": g, "second_per_grid": s, "order": interleave(a, g, s)}
        for a, g, s in [(26, [2, 4, 4], 1.0), (5, [3, 2, 2], 1.0), (40, [2, 2, 4], 0.5), (0, [1, 2, 2], 2.0),
                        (13, [4, 2, 2], 2 / 3), (100, [1, 2, 2], 1.0)]]
    out.save(out_dir, "video")


def interleave(n_audio, grid_thw, second_per_grid):
    """Qwen3OmniMoeProcessor.replace_multimodal_special_tokens with use_audio_in_video=True, as a string of
    'v' (video pad) and 'a' (audio pad)."""
    fake = types.SimpleNamespace(audio_token="<|audio_pad|>", image_token="<|image_pad|>", video_token="<|video_pad|>",
                                 vision_bos_token="<|vision_start|>", vision_eos_token="<|vision_end|>",
                                 audio_bos_token="<|audio_start|>", audio_eos_token="<|audio_end|>",
                                 image_processor=types.SimpleNamespace(merge_size=2),
                                 video_processor=types.SimpleNamespace(merge_size=2, temporal_patch_size=2))
    text = "<|vision_start|><|video_pad|><|vision_end|>"
    [res] = omni_proc.Qwen3OmniMoeProcessor.replace_multimodal_special_tokens(
        fake, [text], iter([n_audio]), iter([]), iter([np.array(grid_thw)]), iter([second_per_grid]),
        use_audio_in_video=True, position_id_per_seconds=13.0, seconds_per_chunk=2.0)
    body = res[len("<|vision_start|><|audio_start|>"):-len("<|audio_end|><|vision_end|>")]
    toks = re.findall(r"<\|(video_pad|audio_pad)\|>", body)
    assert "".join("<|%s|>" % t for t in toks) == body
    return "".join("v" if t == "video_pad" else "a" for t in toks)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../..")
    ap.add_argument("--fixtures", default=os.path.join(root, "fixtures/media"))
    a = ap.parse_args()
    out_dir = os.path.join(a.fixtures, "golden")
    os.makedirs(out_dir, exist_ok=True)
    images(a.fixtures, out_dir)
    audio(a.fixtures, out_dir)
    videos(a.fixtures, out_dir)
    print("media goldens written to", out_dir)


if __name__ == "__main__":
    main()
