#!/usr/bin/env python3
"""Builds a tiny random-weight Qwen3-Omni (Qwen3OmniMoeForConditionalGeneration) and its golden tensors.

Follows shared/spec/reference-harness.md §3-5: one Qwen3OmniMoeConfig with tiny sub-configs (thinker H=64,
3 MoE layers of 8 experts top-2, head_dim 16, interleaved TM-RoPE sections [4,2,2]; audio encoder d_model 32,
2 layers, n_window 50, n_window_infer 400; ViT depth 3, hidden 32, patch 16, an 8x8 position table, deepstack
after blocks 0 and 1; talker H=32 with a shared expert, a 4-group code predictor; code2wav with the real
upsample rates, 1920 samples per frame), every special token id remapped into a 512-token vocabulary, weights
randomised (norms, biases, LayerScale, Snake and ConvNeXt gammas included) and saved in bf16. transformers then
computes every golden in fp32 ("eager" attention) from the bf16 files.

Inputs are real media (see fixtures/media-golden/README.md): two espeak-ng Harvard sentences at 16 kHz (5.5 s,
so the audio encoder sees a zero-padded last chunk and two attention windows), a photo resized to 90x60 (the
image processor makes it 96x64, a 4x6 patch grid), and four frames of a video sampled at 2 fps, resized to
64x32 (a 2x2x4 grid).

Writes (under --out, default fixtures/golden/qwen3-omni-tiny):
  config.json, generation_config.json                     the checkpoint (bf16) in two shards: model-00001-of-00002
  model-0000{1,2}-of-00002.safetensors + index             (thinker.*) and model-00002-of-00002 (talker.*, code2wav.*)
  golden.safetensors                                      fp32 goldens (ids as int64), names below
  golden.json                                             config summary, versions, token-id table, prompts
and --thinker-out (default fixtures/golden/qwen3-omni-thinker-tiny): the same model with the talker removed
(`disable_talker`, enable_audio_output false), with goldens of its own text prompt; and --media-out
(default fixtures/media-golden): the audio clip and the image exactly as fed to the processors.

Golden tensors (FP32 unless ids; shapes for the default inputs):
  audio.*      waveform [88560], mel_filters [201,128], input_features [1,128,553], feature_attention_mask [1,553],
               conv_out [6,13,32] (conv stem + conv_out, before the sinusoid, per padded chunk),
               hidden_states.{0,1,2} [72,32] (0: conv stem + sinusoid + valid frames; k: after layer k-1,
               before ln_post), encoder_output [72,64]; batch.feature_lens [2] and batch.encoder_output [81,64]: the
               clip and its first 67 frames encoded in one call (chunks padded to the longest of the batch)
  image.*      rgb_uint8 [60,90,3], pixel_values [24,1536], grid_thw [1,3], pos_embeds [24,32] (the resampled
               table), rotary_cos/rotary_sin [24,8] (the first half: Ops.rope tables), hidden_states.{0..3} [24,32] (0: patch embedding + position
               table; k: after block k-1), last_hidden_state [24,32], merged [6,64], deepstack.{0,1} [6,64]
  video.*      frames_float01 [4,3,32,64], pixel_values [16,1536], grid_thw [1,3], second_per_grid [1], and the
               same encoder outputs as image.*
  thinker.{mm,aiv,text}.*   input_ids [1,L], attention_mask, position_ids [3,1,L] (float), rope_deltas [1,1],
               rope_cos/rope_sin [L,8] (TM-RoPE tables, first half), hidden_states.{0..3} [1,L,64] (0: spliced input
               embeddings; k: after decoder layer k-1, BEFORE the deepstack addition; 3: after the final norm),
               logits [1,8,512] (the last 8 prompt positions).  mm: system + user(audio, image, video, text) + assistant header;
               aiv: user(video with its audio interleaved, image, text), use_audio_in_video=True;
               text: text only (plain positions). L = 123, 121, 41.
  code2wav.*   codes [1,4,10], embedded [1,10,32] (mean of the 4 code embeddings), pre_transformer.layer.{0,1},
               pre_transformer_out [1,10,32] (after the final norm), upsample.{0,1} [1,32,20|40],
               decoder.0 [1,32,40], decoder.1 [1,16,312], wav [1,1,18645]; chunked_wav [1,1,17535]
               from chunked_decode(chunk_size=4, left_context_size=2)
  code_predictor.*  talker_hidden [1,1,32], code0 [1], logits_step0 [1,2,64] (prefill [h, Emb0(code0)]),
               codes [1,3] and step_logits [3,64] (greedy generation of groups 1..3)
  e2e.*        model.generate on the thinker.mm prompt, greedy (thinker 5 new tokens, talker 6 steps -> 5 frames):
               thinker_sequences [1,L+5], thinker_step_logits [5,512], talker_inputs_embeds [1,Lt,32],
               talker_input_ids [1,Lt], talker_position_ids [3,1,Lt], talker_rope_deltas [1,1] (Lt = 115),
               trailing_text_hidden [1,4,32], tts_pad_embed [1,1,32], talker_step_logits [6,1088],
               code_predictor_step_logits [15,64] (frame-major), talker_codes [1,4,5], wav [1,1,9045]

Usage: make_tiny_omni.py [--out DIR] [--thinker-out DIR] [--media-out DIR] [--seed N]
"""
import argparse
import json
import os
import shutil
import wave

import numpy as np
import torch
import transformers
from PIL import Image
from safetensors.torch import load_file, save_file
from scipy.signal import resample_poly
from torch import nn
from transformers import (
    Qwen2VLImageProcessorPil,
    Qwen3OmniMoeConfig,
    Qwen3OmniMoeForConditionalGeneration,
    WhisperFeatureExtractor,
)
from transformers.models.qwen3_omni_moe import modeling_qwen3_omni_moe as omni
from transformers.models.qwen3_omni_moe.processing_qwen3_omni_moe import Qwen3OmniMoeProcessor
from transformers.vision_utils import get_vision_interpolation_indices_and_weights

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def shared_media():
    """shared/data/media beside the repository (../shared for the main checkout, ../../shared for a work tree)."""
    d = ROOT
    while d != os.path.dirname(d):
        d = os.path.dirname(d)
        if os.path.isdir(os.path.join(d, "shared", "data", "media")):
            return os.path.join(d, "shared", "data", "media")
    raise SystemExit(f"no shared/data/media above {ROOT}; pass --media-src")


# ---------------------------------------------------------------------------------------------------------
# Token ids. Text is tokenised one byte per token (ids 0..255); the special tokens of the real checkpoint
# (omni.md §1) are remapped into 480..494 so that everything fits a 512-row embedding.
TOKENS = {
    "<|im_start|>": (480, 151644), "<|im_end|>": (481, 151645),
    "system": (482, 8948), "user": (483, 872), "assistant": (484, 77091),
    "<|vision_start|>": (485, 151652), "<|vision_end|>": (486, 151653),
    "<|image_pad|>": (487, 151655), "<|video_pad|>": (488, 151656),
    "<|audio_start|>": (489, 151669), "<|audio_end|>": (490, 151670), "<|audio_pad|>": (491, 151675),
    "<|tts_pad|>": (492, 151671), "<|tts_bos|>": (493, 151672), "<|tts_eos|>": (494, 151673),
}
ID = {name: tiny for name, (tiny, _) in TOKENS.items()}
VOCAB = 512
# Codec ids: codebook-0 codes are 0..63; the special codec ids sit in the range generate() suppresses
# ([vocab-1024, vocab)) at 64 + real_id - 2048 (reference-harness.md §5.4).
CODEBOOK = 64
CODEC_VOCAB = CODEBOOK + 1024
CODEC_REAL = {"codec_pad_id": 2148, "codec_bos_id": 2149, "codec_eos_token_id": 2150, "codec_nothink_id": 2155,
              "codec_think_bos_id": 2156, "codec_think_eos_id": 2157}
CODEC = {k: CODEBOOK + v - 2048 for k, v in CODEC_REAL.items()}
SPEAKERS = {"chelsie": CODEBOOK + 2301 - 2048, "ethan": CODEBOOK + 2302 - 2048, "aiden": CODEBOOK + 2303 - 2048}
LOGIT_ROWS = 8  # prompt logits kept per thinker golden (the fixtures stay small)
MROPE = {"rope_type": "default", "rope_theta": 1e6, "mrope_section": [4, 2, 2], "interleaved": True,
         "mrope_interleaved": True}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default=os.path.join(ROOT, "fixtures", "golden", "qwen3-omni-tiny"))
    p.add_argument("--thinker-out", default=os.path.join(ROOT, "fixtures", "golden", "qwen3-omni-thinker-tiny"))
    p.add_argument("--media-out", default=os.path.join(ROOT, "fixtures", "media-golden"))
    p.add_argument("--media-src", default=None, help="the shared test media folder (default: found above the repo)")
    p.add_argument("--seed", type=int, default=1, help="1: a thinker continuation that does not repeat one token")
    return p.parse_args()


def build_config():
    vision_start, audio_start = ID["<|vision_start|>"], ID["<|audio_start|>"]
    media_ids = dict(audio_token_id=ID["<|audio_pad|>"], image_token_id=ID["<|image_pad|>"],
                     video_token_id=ID["<|video_pad|>"], vision_start_token_id=vision_start,
                     audio_start_token_id=audio_start, position_id_per_seconds=13)
    thinker = dict(
        audio_config=dict(num_mel_bins=128, encoder_layers=2, encoder_attention_heads=4, encoder_ffn_dim=64,
                          d_model=32, downsample_hidden_size=16, output_dim=64, n_window=50, n_window_infer=400,
                          conv_chunksize=500, max_source_positions=1500, activation_function="gelu",
                          scale_embedding=False),
        vision_config=dict(depth=3, hidden_size=32, num_heads=2, intermediate_size=64, hidden_act="gelu_pytorch_tanh",
                           in_channels=3, patch_size=16, temporal_patch_size=2, spatial_merge_size=2,
                           out_hidden_size=64, num_position_embeddings=64, deepstack_visual_indexes=[0, 1]),
        # 8 heads x 16 = 128 != hidden 64, as in the real thinker (32 x 128 != 2048); head_dim is not a declared
        # field of the HF class and must be given (reference-harness.md §5.1)
        text_config=dict(vocab_size=VOCAB, hidden_size=64, intermediate_size=128, num_hidden_layers=3,
                         num_attention_heads=8, num_key_value_heads=2, head_dim=16, moe_intermediate_size=16,
                         num_experts=8, num_experts_per_tok=2, norm_topk_prob=True, decoder_sparse_step=1,
                         mlp_only_layers=[], shared_expert_intermediate_size=0, rms_norm_eps=1e-6,
                         max_position_embeddings=4096, rope_parameters=MROPE),
        audio_end_token_id=ID["<|audio_end|>"], vision_end_token_id=ID["<|vision_end|>"],
        user_token_id=ID["user"], seconds_per_chunk=2, tie_word_embeddings=False, **media_ids)
    talker = dict(
        text_config=dict(vocab_size=CODEC_VOCAB, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, head_dim=16, num_experts=4,
                         num_experts_per_tok=2, moe_intermediate_size=16, shared_expert_intermediate_size=32,
                         norm_topk_prob=True, rms_norm_eps=1e-6, max_position_embeddings=4096, rope_parameters=MROPE),
        code_predictor_config=dict(vocab_size=CODEBOOK, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                   num_attention_heads=4, num_key_value_heads=2, head_dim=16, num_code_groups=4,
                                   rms_norm_eps=1e-6, max_position_embeddings=64,
                                   rope_parameters={"rope_type": "default", "rope_theta": 1e6}),
        num_code_groups=4, thinker_hidden_size=64, accept_hidden_layer=2, speaker_id=SPEAKERS,
        spatial_merge_size=2, **CODEC, **media_ids)
    code2wav = dict(codebook_size=CODEBOOK, hidden_size=32, max_position_embeddings=8000, num_attention_heads=2,
                    num_key_value_heads=2, sliding_window=4, intermediate_size=64, layer_scale_initial_scale=0.01,
                    rms_norm_eps=1e-5, num_hidden_layers=2, num_quantizers=4, upsample_rates=[8, 5, 4, 3],
                    upsampling_ratios=[2, 2], decoder_dim=32,
                    rope_parameters={"rope_type": "default", "rope_theta": 10000.0})
    return Qwen3OmniMoeConfig(
        thinker_config=thinker, talker_config=talker, code2wav_config=code2wav, enable_audio_output=True,
        im_start_token_id=ID["<|im_start|>"], im_end_token_id=ID["<|im_end|>"], system_token_id=ID["system"],
        user_token_id=ID["user"], assistant_token_id=ID["assistant"], tts_pad_token_id=ID["<|tts_pad|>"],
        tts_bos_token_id=ID["<|tts_bos|>"], tts_eos_token_id=ID["<|tts_eos|>"])


def is_norm(module):
    return isinstance(module, nn.LayerNorm) or type(module).__name__.endswith("RMSNorm")


@torch.no_grad()
def randomise(model):
    """Weights at a scale that keeps every stage's signal alive, and nothing left at its constant init.

    Linear/conv/embedding weights ~ N(0, 1/fan_in) (unit gain, so the input still matters after the deep conv
    stacks; the HF init of std 0.02 leaves the code2wav waveform at ~1e-6, reference-harness.md §5.8), biases
    ~ N(0, 0.1^2), norm weights 1 + N(0, 0.1^2) (all ones would hide a missing norm), LayerScale / ConvNeXt gamma
    ~ 0.1 + N(0, 0.05^2) (constants 0.01 / 1e-6 at init), Snake log-alpha/log-beta ~ N(0, 0.2^2) (zeros at init).
    The code2wav decoder convolutions get 0.4 of that gain: its residual Snake stacks compound, and at unit gain
    the waveform clips at +-1 almost everywhere (main() checks that nothing clips).
    """
    for name, module in model.named_modules():
        if is_norm(module):
            module.weight.copy_(1 + 0.1 * torch.randn_like(module.weight))
            if getattr(module, "bias", None) is not None:
                module.bias.copy_(0.1 * torch.randn_like(module.bias))
        elif isinstance(module, (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.Embedding)):
            w = module.weight
            if isinstance(module, nn.Embedding):
                fan_in = 1
            elif isinstance(module, nn.ConvTranspose1d):  # [in, out/groups, k]: each output sums in*k/stride terms
                fan_in = w.shape[0] * w.shape[2] // module.stride[0]
            else:
                fan_in = w[0].numel()
            w.copy_(torch.randn_like(w) / fan_in ** 0.5)
            if getattr(module, "bias", None) is not None:
                module.bias.copy_(0.1 * torch.randn_like(module.bias))
        elif isinstance(module, omni.Qwen3OmniMoeSnakeBeta):
            module.alpha.copy_(0.2 * torch.randn_like(module.alpha))
            module.beta.copy_(0.2 * torch.randn_like(module.beta))
        elif isinstance(module, omni.Qwen3OmniMoeCode2WavLayerScale):
            module.scale.copy_(0.1 + 0.05 * torch.randn_like(module.scale))
        elif isinstance(module, omni.Qwen3OmniMoeConvNeXtBlock):
            module.gamma.copy_(0.1 + 0.05 * torch.randn_like(module.gamma))
    # fused expert tensors and routers are plain parameters, not nn.Linear
    for name, p in model.named_parameters():
        if name.endswith(("experts.gate_up_proj", "experts.down_proj")):
            p.copy_(torch.randn_like(p) / p.shape[-1] ** 0.5)
        elif name.endswith(("mlp.gate.weight", "shared_expert_gate.weight")):
            p.copy_(torch.randn_like(p) / p.shape[-1] ** 0.5)
    for module in model.code2wav.decoder.modules():
        if isinstance(module, (nn.Conv1d, nn.ConvTranspose1d)):
            module.weight.mul_(0.4)
    for name, p in model.named_parameters():
        # Catch a parameter no rule above reached: it would still hold its constant init.
        if p.numel() > 1 and torch.all(p == p.flatten()[0]):
            raise SystemExit(f"parameter {name} was not randomised")


# ---------------------------------------------------------------------------------------------------------
# Media inputs


def read_wav(path):
    with wave.open(path) as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2, path
        rate = w.getframerate()
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    return pcm, rate


def write_wav(path, pcm, rate):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.astype("<i2").tobytes())


MEDIA_README = """# Media inputs of the Omni goldens

Written by tools/golden/make_tiny_omni.py (do not edit): the exact inputs behind the `audio.*` and `image.*`
tensors of fixtures/golden/qwen3-omni-tiny, so that front-end tests (WAV decoding, log-mel, image resize and
patchify) can start from the same files.

| file | what | source and licence |
|---|---|---|
| harvard-01-02.16k.wav | 16 kHz mono 16-bit PCM, 5.535 s (553 mel frames): "The birch canoe slid on the smooth planks." then "Glue the sheet to the dark blue background." | shared/data/media/audio/espeak-en-harvard-01.16k.wav followed by espeak-en-harvard-02.wav resampled 22050 -> 16000 Hz (scipy.signal.resample_poly 320/441, rounded to int16), cut in its trailing silence. Generated with espeak-ng (Debian 12) from the Harvard sentences (IEEE 1969, public-domain test sentences); synthetic output. |
| chelsea-90x60.png | 90x60 RGB | shared/data/media/images/chelsea.png (python3-skimage 0.19.3-8, CC0, photographer Stefan van der Walt) resized with PIL bicubic. |

The video frames (`video.frames_float01`) are four frames of shared/data/media/video/slideshow-speech.mp4 (made
from the CC0 / public-domain images and the synthetic speech above) at 2.0, 2.5, 3.0 and 3.5 s, resized to
64x32 with PIL bicubic; they are kept only as tensors.
"""


def make_media(media_out, media_src):
    """The exact inputs, written to media_out so that later front-end tests start from the same files."""
    os.makedirs(media_out, exist_ok=True)
    # Audio: Harvard sentence 1 (sox-resampled to 16 kHz by the data set) followed by sentence 2, resampled
    # here from 22.05 kHz with a polyphase filter (320/441); 16-bit PCM like the sources.
    a, ra = read_wav(os.path.join(media_src, "audio", "espeak-en-harvard-01.16k.wav"))
    b, rb = read_wav(os.path.join(media_src, "audio", "espeak-en-harvard-02.wav"))
    assert ra == 16000 and rb == 22050
    b16 = np.clip(np.round(resample_poly(b.astype(np.float64), 320, 441)), -32768, 32767).astype(np.int16)
    # Cut in the trailing silence to 553 mel frames: the last chunk has 53 frames, so after its first stride-2
    # conv it is 27 wide, odd, and the next conv reads one column past the chunk, which the zero-padding to 100
    # frames makes GELU(bias) instead of 0 (omni.md §3.2 step 1); at 555 frames nothing would leak.
    pcm = np.concatenate([a, b16])[:553 * 160 + 80]
    assert np.abs(pcm[-4000:]).max() < 8, "the cut is not in silence"
    write_wav(os.path.join(media_out, "harvard-01-02.16k.wav"), pcm, 16000)
    waveform = pcm.astype(np.float32) / 32768.0

    # Image: chelsea.png (451x300) resized with PIL bicubic to 90x60; the processor then resizes to 96x64.
    img = Image.open(os.path.join(media_src, "images", "chelsea.png")).convert("RGB").resize((90, 60), Image.BICUBIC)
    img.save(os.path.join(media_out, "chelsea-90x60.png"))
    rgb = np.asarray(img, dtype=np.uint8).copy()

    # Video: 4 frames of slideshow-speech.mp4 sampled at 2 fps from t = 2.0 s (the first 25 fps frame at or after
    # each time: 2.0, 2.52, 3.0, 3.52 s; the cut from chelsea to coffee falls between frames 1 and 2), each resized to 64x32 with PIL bicubic; second_per_grid = 2/fps.
    import av
    wanted = [2.0, 2.5, 3.0, 3.5]
    frames = []
    with av.open(os.path.join(media_src, "video", "slideshow-speech.mp4")) as container:
        for frame in container.decode(video=0):
            if wanted and frame.time >= wanted[0] - 1e-6:  # the first frame at or after each time (25 fps)
                frames.append(np.asarray(frame.to_image().convert("RGB").resize((64, 32), Image.BICUBIC)))
                wanted.pop(0)
    assert not wanted, f"frames at {wanted} s not found"
    frames_uint8 = np.stack(frames).transpose(0, 3, 1, 2)  # [T, C, H, W]
    with open(os.path.join(media_out, "README.md"), "w") as f:
        f.write(MEDIA_README)
    return waveform, rgb, img, frames_uint8, 2.0


def audio_features(waveform):
    # preprocessor_config.json of Qwen3-Omni (omni.md §1.4), called as Qwen3OmniMoeProcessor does
    fe = WhisperFeatureExtractor(feature_size=128, sampling_rate=16000, hop_length=160, chunk_length=300, n_fft=400,
                                 padding_value=0.0, dither=0.0, return_attention_mask=True)
    kwargs = dict(Qwen3OmniMoeProcessor.valid_processor_kwargs._defaults["audio_kwargs"])
    kwargs.pop("n_window")
    out = fe(waveform, return_tensors="pt", **kwargs)
    return fe, out["input_features"], out["attention_mask"]


def image_inputs(img):
    proc = Qwen2VLImageProcessorPil(patch_size=16, temporal_patch_size=2, merge_size=2,
                                    size={"shortest_edge": 3136, "longest_edge": 12845056},
                                    image_mean=[0.5, 0.5, 0.5], image_std=[0.5, 0.5, 0.5])
    out = proc(images=[img], return_tensors="pt")
    return out["pixel_values"], out["image_grid_thw"]


def video_inputs(frames_uint8, patch=16, merge=2, temporal=2):
    """Normalised like the image ((x/255 - 0.5)/0.5), then mirrors Qwen2VLVideoProcessor.patchify (which needs
    torchvision to import, so its view/permute is repeated here)."""
    frames01 = torch.from_numpy(frames_uint8).float() / 255.0
    videos = ((frames01 - 0.5) / 0.5)[None]
    batch, num_frames, channel, height, width = videos.shape
    grid_t, grid_h, grid_w = num_frames // temporal, height // patch, width // patch
    patches = videos.view(batch, grid_t, temporal, channel, grid_h // merge, merge, patch, grid_w // merge, merge, patch)
    patches = patches.permute(0, 1, 4, 7, 5, 8, 3, 2, 6, 9)
    flat = patches.reshape(grid_t * grid_h * grid_w, channel * temporal * patch * patch)
    return frames01, flat.contiguous(), torch.tensor([[grid_t, grid_h, grid_w]])


# ---------------------------------------------------------------------------------------------------------
# Prompts


def tokenize(text):
    """Byte-per-token toy tokenizer: the special token strings of TOKENS map to their tiny ids, and so does the
    role name after <|im_start|> ("system", "user", "assistant" are single tokens in the real vocabulary)."""
    ids, i = [], 0
    specials = sorted((s for s in TOKENS if s.startswith("<|")), key=len, reverse=True)
    while i < len(text):
        special = next((s for s in specials if text.startswith(s, i)), None)
        if special is not None:
            ids.append(ID[special])
            i += len(special)
            role = next((r for r in ("system", "user", "assistant") if special == "<|im_start|>" and text.startswith(r, i)), None)
            if role is not None:
                ids.append(ID[role])
                i += len(role)
        else:
            assert ord(text[i]) < 128, text[i]
            ids.append(ord(text[i]))
            i += 1
    return ids


class _Placeholders:
    """Just enough of a Qwen3OmniMoeProcessor for its replace_multimodal_special_tokens (placeholder expansion,
    audio-in-video interleaving) to run without a tokenizer."""
    audio_token, image_token, video_token = "<|audio_pad|>", "<|image_pad|>", "<|video_pad|>"
    vision_bos_token, vision_eos_token = "<|vision_start|>", "<|vision_end|>"
    audio_bos_token, audio_eos_token = "<|audio_start|>", "<|audio_end|>"

    class _Merge:
        merge_size = 2
        temporal_patch_size = 2

    image_processor = video_processor = _Merge()


def expand(text, audio_lens, image_grids, video_grids, second_per_grid, use_audio_in_video):
    out = Qwen3OmniMoeProcessor.replace_multimodal_special_tokens(
        _Placeholders(), [text], iter(audio_lens), iter(image_grids), iter(video_grids),
        video_second_per_grid=iter(second_per_grid), use_audio_in_video=use_audio_in_video,
        position_id_per_seconds=13.0, seconds_per_chunk=2.0)
    return out[0]


# ---------------------------------------------------------------------------------------------------------
# Goldens


def keep_output(store, key, pick=lambda o: o):
    def hook(_module, _inputs, output):
        store[key] = pick(output).detach().float().clone()
    return hook


@torch.no_grad()
def audio_goldens(model, g, feats, mask):
    tower = model.thinker.audio_tower
    lens = mask.sum(-1)
    flat = feats.permute(0, 2, 1)[mask.bool()].permute(1, 0)  # as get_audio_features
    taps = {}
    h = tower.conv_out.register_forward_hook(keep_output(taps, "conv_out"))
    out = tower(flat, feature_lens=lens, output_hidden_states=True)
    h.remove()
    g["audio.conv_out"] = taps["conv_out"]
    for i, hs in enumerate(out.hidden_states):
        g[f"audio.hidden_states.{i}"] = hs
    g["audio.encoder_output"] = out.last_hidden_state
    # Two clips in one call (as get_audio_features passes every clip of a prompt): the clip and its first 67
    # frames. Every chunk of the batch is padded to the longest one (100 frames), so the short clip is not
    # encoded as it would be alone (67 frames: the second conv reads one padded column).
    short = 67
    both = tower(torch.cat([flat, flat[:, :short]], dim=1), feature_lens=torch.tensor([flat.shape[1], short]))
    g["audio.batch.feature_lens"] = torch.tensor([flat.shape[1], short])
    g["audio.batch.encoder_output"] = both.last_hidden_state
    return out.last_hidden_state


@torch.no_grad()
def vision_goldens(model, g, prefix, pixel_values, grid):
    vis = model.thinker.visual
    taps = {}
    h = vis.rotary_pos_emb.register_forward_hook(keep_output(taps, "rotary", lambda o: torch.stack(o)))
    out = vis(pixel_values, grid_thw=grid, output_hidden_states=True)
    h.remove()
    idx, w = get_vision_interpolation_indices_and_weights(grid, num_grid_per_side=vis.num_grid_per_side,
                                                          mode="bilinear", align_corners=True,
                                                          spatial_merge_size=vis.spatial_merge_size)
    g[f"{prefix}.pos_embeds"] = (vis.pos_embed(idx) * w[:, :, None]).sum(1)
    half = taps["rotary"].shape[-1] // 2  # cos/sin are [θ, θ]; the first half is the table Ops.rope takes
    g[f"{prefix}.rotary_cos"] = taps["rotary"][0, :, :half]
    g[f"{prefix}.rotary_sin"] = taps["rotary"][1, :, :half]
    for i, hs in enumerate(out.hidden_states):
        g[f"{prefix}.hidden_states.{i}"] = hs
    g[f"{prefix}.last_hidden_state"] = out.last_hidden_state
    g[f"{prefix}.merged"] = out.pooler_output
    for i, d in enumerate(out.deepstack_features):
        g[f"{prefix}.deepstack.{i}"] = d


@torch.no_grad()
def thinker_goldens(thinker, g, prefix, ids, use_aiv, media):
    input_ids = torch.tensor([ids])
    attention_mask = torch.ones_like(input_ids)
    kwargs = {k: v for k, v in media.items() if v is not None}
    thinker.rope_deltas = None
    positions, deltas = thinker.get_rope_index(
        input_ids, kwargs.get("image_grid_thw"), kwargs.get("video_grid_thw"), attention_mask, use_aiv,
        kwargs["feature_attention_mask"].sum(-1) if "feature_attention_mask" in kwargs else None,
        kwargs.get("video_second_per_grid"))
    taps = {}
    h = thinker.model.rotary_emb.register_forward_hook(keep_output(taps, "rope", lambda o: torch.stack(o)))
    thinker.rope_deltas = None
    out = thinker(input_ids=input_ids, attention_mask=attention_mask, use_audio_in_video=use_aiv,
                  output_hidden_states=True, use_cache=False, **kwargs)
    h.remove()
    half = taps["rope"].shape[-1] // 2
    g[f"{prefix}.input_ids"] = input_ids
    g[f"{prefix}.attention_mask"] = attention_mask
    g[f"{prefix}.position_ids"] = positions.float()
    g[f"{prefix}.rope_deltas"] = deltas.float().reshape(1, 1)
    g[f"{prefix}.rope_cos"] = taps["rope"][0, 0, :, :half]
    g[f"{prefix}.rope_sin"] = taps["rope"][1, 0, :, :half]
    for i, hs in enumerate(out.hidden_states):
        g[f"{prefix}.hidden_states.{i}"] = hs
    # the last LOGIT_ROWS positions only: hidden_states.3 (after the final norm) covers every position
    g[f"{prefix}.logits"] = out.logits[:, -LOGIT_ROWS:]


@torch.no_grad()
def code2wav_goldens(model, g, gen):
    c2w = model.code2wav
    codes = torch.randint(0, CODEBOOK, (1, 4, 10), generator=gen)
    taps = {}
    hooks = [c2w.pre_transformer.register_forward_hook(keep_output(taps, "pre_transformer_out", lambda o: o.last_hidden_state))]
    for i, layer in enumerate(c2w.pre_transformer.layers):
        hooks.append(layer.register_forward_hook(keep_output(taps, f"pre_transformer.layer.{i}",
                                                             lambda o: o[0] if isinstance(o, tuple) else o)))
    for i, blocks in enumerate(c2w.upsample):
        hooks.append(blocks[1].register_forward_hook(keep_output(taps, f"upsample.{i}")))
    for i in (0, 1):
        hooks.append(c2w.decoder[i].register_forward_hook(keep_output(taps, f"decoder.{i}")))
    wav = c2w(codes)
    for h in hooks:
        h.remove()
    g["code2wav.codes"] = codes
    g["code2wav.embedded"] = c2w.code_embedding(codes + c2w.code_offset).mean(1)
    for k, v in taps.items():
        g[f"code2wav.{k}"] = v
    g["code2wav.wav"] = wav
    g["code2wav.chunked_wav"] = c2w.chunked_decode(codes, chunk_size=4, left_context_size=2)
    return float(wav.abs().max())


def margin(logits, allowed=None):
    """(top1 - top2) / max|logit| over the allowed ids: how far a greedy choice is from a tie."""
    x = logits.float().flatten()
    if allowed is not None:
        x = x[allowed]
    top2 = torch.topk(x, 2).values
    return float((top2[0] - top2[1]) / x.abs().max())


@torch.no_grad()
def code_predictor_goldens(model, g, gen, margins):
    cp = model.talker.code_predictor
    h = torch.randn(1, 1, 32, generator=gen)
    code0 = torch.randint(0, CODEBOOK, (1,), generator=gen)
    inputs = torch.cat([h, model.talker.get_input_embeddings()(code0[None])], dim=1)
    prefill = cp(inputs_embeds=inputs, use_cache=False)
    out = cp.generate(inputs_embeds=inputs, max_new_tokens=3, do_sample=False, output_logits=True,
                      return_dict_in_generate=True)
    g["code_predictor.talker_hidden"] = h
    g["code_predictor.code0"] = code0
    g["code_predictor.logits_step0"] = prefill.logits
    g["code_predictor.codes"] = out.sequences
    g["code_predictor.step_logits"] = torch.cat(out.logits, dim=0)
    margins["code_predictor"] = min(margin(l) for l in out.logits)


@torch.no_grad()
def e2e_goldens(model, g, ids, media, margins):
    # transformers 5.18 bug (reference-harness.md §5.5): with audio and image/video the talker's get_rope_index
    # reads talker_config.audio_config, which does not exist.
    model.talker.config.audio_config = model.config.thinker_config.audio_config
    cap = {"thinker_logits": [], "talker_logits": [], "cp_logits": []}
    talker_generate, chunked_decode, talker_rope = model.talker.generate, model.code2wav.chunked_decode, model.talker.get_rope_index

    def capture_talker_generate(**kw):
        for k in ("inputs_embeds", "talker_input_ids", "trailing_text_hidden", "tts_pad_embed"):
            cap[k] = kw[k].detach().clone()
        return talker_generate(**kw)

    def capture_codes(codes, **kw):
        cap["codes"] = codes.detach().clone()
        return chunked_decode(codes, **kw)

    def capture_rope(*a, **kw):
        pos, deltas = talker_rope(*a, **kw)
        cap.setdefault("talker_positions", (pos.clone(), deltas.clone()))
        return pos, deltas

    model.talker.generate, model.code2wav.chunked_decode, model.talker.get_rope_index = capture_talker_generate, capture_codes, capture_rope
    hooks = [model.thinker.register_forward_hook(lambda m, i, o: cap["thinker_logits"].append(o.logits[0, -1].clone())),
             model.talker.register_forward_hook(lambda m, i, o: cap["talker_logits"].append(o.logits[0, -1].clone())),
             model.talker.code_predictor.register_forward_hook(lambda m, i, o: cap["cp_logits"].append(o.logits[0, -1].clone()))]
    input_ids = torch.tensor([ids])
    model.thinker.rope_deltas = None
    model.talker.rope_deltas = None
    sequences, wav = model.generate(
        input_ids=input_ids, attention_mask=torch.ones_like(input_ids), speaker="Ethan",
        thinker_max_new_tokens=5, thinker_do_sample=False, talker_do_sample=False, talker_repetition_penalty=1.0,
        talker_max_new_tokens=6, **{k: v for k, v in media.items() if v is not None})
    for h in hooks:
        h.remove()
    model.talker.generate, model.code2wav.chunked_decode, model.talker.get_rope_index = talker_generate, chunked_decode, talker_rope

    generated = sequences[0, len(ids):].tolist()
    if ID["<|im_end|>"] in generated or any(t >= 480 for t in generated):
        raise SystemExit(f"the thinker generated a special token {generated}; pick another --seed")
    allowed = list(range(CODEBOOK)) + [CODEC["codec_eos_token_id"]]
    margins["thinker"] = min(margin(l) for l in cap["thinker_logits"])
    margins["talker"] = min(margin(l, allowed) for l in cap["talker_logits"])
    margins["e2e_code_predictor"] = min(margin(l) for l in cap["cp_logits"])
    g["e2e.thinker_sequences"] = sequences
    g["e2e.thinker_step_logits"] = torch.stack(cap["thinker_logits"])
    g["e2e.talker_inputs_embeds"] = cap["inputs_embeds"]
    g["e2e.talker_input_ids"] = cap["talker_input_ids"]
    g["e2e.talker_position_ids"] = cap["talker_positions"][0].float()
    g["e2e.talker_rope_deltas"] = cap["talker_positions"][1].float().reshape(1, 1)
    g["e2e.trailing_text_hidden"] = cap["trailing_text_hidden"]
    g["e2e.tts_pad_embed"] = cap["tts_pad_embed"]
    g["e2e.talker_step_logits"] = torch.stack(cap["talker_logits"])
    g["e2e.code_predictor_step_logits"] = torch.stack(cap["cp_logits"])
    g["e2e.talker_codes"] = cap["codes"]
    g["e2e.wav"] = wav
    return generated


def save_checkpoints(model, out, thinker_out):
    """The full checkpoint in two shards, thinker.* and the rest (talker.*, code2wav.*), and the thinker-only one.

    Both are written by save_pretrained; the full one is then re-sharded by module so that its first shard is
    byte-identical to the thinker-only model.safetensors (git stores the bytes once) — which also puts a
    sharded checkpoint with an index among the fixtures.
    """
    model.save_pretrained(out)
    model.disable_talker()
    model.config.enable_audio_output = False
    model.save_pretrained(thinker_out)
    full = load_file(os.path.join(out, "model.safetensors"))
    thinker = load_file(os.path.join(thinker_out, "model.safetensors"))
    assert set(thinker) == {k for k in full if k.startswith("thinker.")}
    assert all(torch.equal(thinker[k], full[k]) for k in thinker)
    os.remove(os.path.join(out, "model.safetensors"))
    shards = {"model-00001-of-00002.safetensors": thinker,
              "model-00002-of-00002.safetensors": {k: v for k, v in full.items() if k not in thinker}}
    for name, tensors in shards.items():
        save_file(tensors, os.path.join(out, name), metadata={"format": "pt"})
    shutil.copyfile(os.path.join(out, "model-00001-of-00002.safetensors"), os.path.join(thinker_out, "model.safetensors"))
    index = {"metadata": {"total_parameters": sum(v.numel() for v in full.values()),
                          "total_size": sum(v.numel() * v.element_size() for v in full.values())},
             "weight_map": {k: name for name, tensors in shards.items() for k in sorted(tensors)}}
    index["weight_map"] = dict(sorted(index["weight_map"].items()))
    with open(os.path.join(out, "model.safetensors.index.json"), "w") as f:
        json.dump(index, f, indent=2)
        f.write("\n")


def save_goldens(out_dir, g, meta):
    tensors = {}
    for k, v in g.items():
        v = v.detach().clone()
        tensors[k] = (v.to(torch.int64) if not torch.is_floating_point(v) and v.dtype != torch.uint8 else
                      v if v.dtype == torch.uint8 else v.float()).contiguous()
    save_file(tensors, os.path.join(out_dir, "golden.safetensors"))
    meta["tensors"] = {k: list(v.shape) for k, v in sorted(tensors.items())}
    with open(os.path.join(out_dir, "golden.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")


def main():
    args = parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(1)  # one summation order, so regenerating gives the same bits
    for d in (args.out, args.thinker_out):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)

    config = build_config()
    model = Qwen3OmniMoeForConditionalGeneration(config).eval()
    randomise(model)
    save_checkpoints(model.to(torch.bfloat16), args.out, args.thinker_out)
    del model

    waveform, rgb, img, frames_uint8, fps = make_media(args.media_out, args.media_src or shared_media())
    fe, feats, feat_mask = audio_features(waveform)
    pixel_values, image_grid = image_inputs(img)
    frames01, video_pixels, video_grid = video_inputs(frames_uint8)
    second_per_grid = torch.tensor([2 / fps])
    audio_len = int(omni._get_feat_extract_output_lengths(feat_mask.sum(-1), 50)[0])

    ref = Qwen3OmniMoeForConditionalGeneration.from_pretrained(args.out, dtype=torch.float32,
                                                               attn_implementation="eager").eval()
    gen = torch.Generator().manual_seed(args.seed + 1)
    g = {"audio.waveform": torch.from_numpy(waveform), "audio.mel_filters": torch.from_numpy(fe.mel_filters).float(),
         "audio.input_features": feats, "audio.feature_attention_mask": feat_mask,
         "image.rgb_uint8": torch.from_numpy(rgb), "image.pixel_values": pixel_values, "image.grid_thw": image_grid,
         "video.frames_float01": frames01, "video.pixel_values": video_pixels, "video.grid_thw": video_grid,
         "video.second_per_grid": second_per_grid}
    audio_goldens(ref, g, feats, feat_mask)
    vision_goldens(ref, g, "image", pixel_values, image_grid)
    vision_goldens(ref, g, "video", video_pixels, video_grid)

    media = dict(input_features=feats, feature_attention_mask=feat_mask, pixel_values=pixel_values,
                 image_grid_thw=image_grid, pixel_values_videos=video_pixels, video_grid_thw=video_grid,
                 video_second_per_grid=second_per_grid)
    system = "<|im_start|>system\nBe brief.<|im_end|>\n"
    prompts = {
        "mm": (system + "<|im_start|>user\n<|audio_start|><|audio_pad|><|audio_end|>"
               "<|vision_start|><|image_pad|><|vision_end|><|vision_start|><|video_pad|><|vision_end|>"
               "What is this?<|im_end|>\n<|im_start|>assistant\n", False, media),
        "aiv": (system + "<|im_start|>user\n<|vision_start|><|video_pad|><|vision_end|>"
                "<|vision_start|><|image_pad|><|vision_end|>Who speaks?<|im_end|>\n<|im_start|>assistant\n",
                True, media),
        "text": (system + "<|im_start|>user\nHello, who are you?<|im_end|>\n<|im_start|>assistant\n", False, {}),
    }
    prompt_ids, prompt_texts = {}, {}
    for name, (text, aiv, m) in prompts.items():
        expanded = expand(text, [audio_len], [image_grid[0]] if m else [], [video_grid[0]] if m else [],
                          [float(second_per_grid[0])] if m else [], aiv)
        ids = tokenize(expanded)
        prompt_ids[name], prompt_texts[name] = ids, text
        thinker_goldens(ref.thinker, g, f"thinker.{name}", ids, aiv, m)

    margins = {}
    wav_peak = code2wav_goldens(ref, g, gen)
    code_predictor_goldens(ref, g, gen, margins)
    generated = e2e_goldens(ref, g, prompt_ids["mm"], media, margins)
    for key in ("code2wav.wav", "code2wav.chunked_wav", "e2e.wav"):
        if g[key].abs().max() >= 1:
            raise SystemExit(f"{key} clips at +-1 (peak {float(g[key].abs().max()):.3f}); pick another --seed")
    if min(margins.values()) < 1e-4:
        raise SystemExit(f"a greedy step is within {min(margins.values()):.2e} of a tie ({margins}); pick another --seed")

    meta = {
        "generator": "tools/golden/make_tiny_omni.py",
        "transformers_version": transformers.__version__,
        "torch_version": torch.__version__,
        "seed": args.seed,
        "config": {  # the whole of it is config.json; the shapes that matter most
            "thinker": "H 64, 3 MoE layers (8 experts of 16, top-2, no shared expert), 8 query / 2 KV heads of 16, "
                       "vocab 512, TM-RoPE theta 1e6 sections [4,2,2] interleaved",
            "audio": "d_model 32, 2 layers, 4 heads, ffn 64, conv stem 16 channels, output 64, n_window 50, "
                     "n_window_infer 400 (attention windows of 52 tokens)",
            "vision": "hidden 32, depth 3, 2 heads, mlp 64 (gelu tanh), patch 16, temporal 2, merge 2, position table "
                      "8x8, deepstack after blocks [0, 1], output 64",
            "talker": "H 32, 2 MoE layers (4 experts of 16, top-2, shared expert 32), 4 query / 2 KV heads of 16, "
                      "codec vocab 1088, accept_hidden_layer 2",
            "code_predictor": "H 32, 2 layers, 4 / 2 heads of 16, 4 code groups of 64",
            "code2wav": "H 32, 2 layers, sliding window 4, 4 quantizers of 64, decoder_dim 32, upsample 2x2 then "
                        "8,5,4,3 (1920 samples per frame)"},
        "token_ids": {name: {"tiny": tiny, "real": real} for name, (tiny, real) in TOKENS.items()},
        "text_tokens": "one token per byte: ids 0..255 are the byte values",
        "codec_ids": {**{k: {"tiny": v, "real": CODEC_REAL[k]} for k, v in CODEC.items()},
                      "speakers": {k: {"tiny": v, "real": v - CODEBOOK + 2048} for k, v in SPEAKERS.items()}},
        "prompts": {name: {"text": prompt_texts[name], "use_audio_in_video": prompts[name][1],
                           "ids": prompt_ids[name]} for name in prompts},
        "audio": {"clip": "fixtures/media-golden/harvard-01-02.16k.wav", "feature_len": int(feat_mask.sum()),
                  "tokens": audio_len},
        "image": {"file": "fixtures/media-golden/chelsea-90x60.png", "grid_thw": image_grid[0].tolist()},
        "video": {"source": "shared/data/media/video/slideshow-speech.mp4, frames at 2.0, 2.52, 3.0, 3.52 s", "fps": fps,
                  "grid_thw": video_grid[0].tolist()},
        "e2e": {"prompt": "mm", "speaker": "ethan", "thinker_generated_ids": generated,
                "talker_codes": g["e2e.talker_codes"][0].tolist()},
        "code2wav": {"codes": g["code2wav.codes"][0].tolist(), "wav_peak": wav_peak},
        "min_greedy_margins": margins,
        "notes": [
            "hidden_states.k of the thinker is decoder layer k-1's output before the deepstack addition (HF records "
            "it there); the talker's accept_hidden_layer 2 therefore reads layer 1's output without deepstack 1",
            "the talker was run with talker.config.audio_config = thinker audio_config (transformers 5.18 bug, "
            "reference-harness.md §5.5); n_window 50",
            "e2e: thinker_sequences = prompt + 5 greedy tokens; the talker made 6 steps, the last sampled code never "
            "gets residual codes, so 5 frames -> 5*1920-555 samples",
        ],
    }
    save_goldens(args.out, g, meta)

    # The thinker-only checkpoint: same thinker weights; its own goldens for the text prompt.
    thinker_only = Qwen3OmniMoeForConditionalGeneration.from_pretrained(args.thinker_out, dtype=torch.float32,
                                                                        attn_implementation="eager").eval()
    assert not hasattr(thinker_only, "talker")
    t = {}
    thinker_goldens(thinker_only.thinker, t, "thinker.text", prompt_ids["text"], False, {})
    for k, v in t.items():
        assert torch.equal(v, g[k]), f"thinker-only checkpoint differs from the full one at {k}"
    save_goldens(args.thinker_out, t, {
        "generator": "tools/golden/make_tiny_omni.py",
        "transformers_version": transformers.__version__, "torch_version": torch.__version__,
        "same_thinker_as": "fixtures/golden/qwen3-omni-tiny (its thinker.*, audio.*, image.*, video.* goldens apply)",
        "prompts": {"text": {"text": prompt_texts["text"], "ids": prompt_ids["text"]}},
        "token_ids": meta["token_ids"]})
    print(f"wrote {args.out}, {args.thinker_out}, {args.media_out}; margins {margins}, wav peak {wav_peak:.3f}")


if __name__ == "__main__":
    main()
