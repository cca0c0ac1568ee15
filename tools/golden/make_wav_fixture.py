#!/usr/bin/env python3
"""The reference's waveform-to-file conversion, for qwen4j-media's WavWriter.

Qwen3-Omni's model card saves the waveform that generate returns (float32, already clamped to [-1, 1] by
Code2Wav) with `soundfile.write("output.wav", wav, samplerate=24000)`: libsndfile's default WAV subtype, 16-bit
PCM. This writes float32 samples that probe the conversion (rounding boundaries k/32767 +- 0.5/32767, the ends of the
range, values beyond it, a sine, the tiny model's Code2Wav waveform) clamped as Code2Wav clamps, and the file
soundfile makes of them.

Writes (under --out, default fixtures/wav):
  samples.npy        float32 [n], the samples before clamping
  soundfile-pcm16.wav  soundfile.write(path, np.clip(samples, -1, 1), 24000) (PCM_16, mono)

Usage: make_wav_fixture.py [--out DIR]
"""
import argparse
import os

import numpy as np
import soundfile as sf
from safetensors.numpy import load_file

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "fixtures", "wav"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    k = np.arange(-40, 41, dtype=np.float64)
    edges = np.concatenate([(k + 0.5) / 32767, (k - 0.5) / 32767, k / 32767, (32767 - k[:5] + 0.5) / 32767,
                            -(32767 - k[:5] + 0.5) / 32767])
    special = np.array([0.0, -0.0, 1.0, -1.0, 0.999999, -0.999999, 1.5, -1.5, 3.0, -7.0, 0.5, -0.5, 0.25, -0.25])
    sine = 0.8 * np.sin(2 * np.pi * 440 * np.arange(2400) / 24000)
    golden = load_file(os.path.join(ROOT, "fixtures", "golden", "qwen3-omni-tiny", "golden.safetensors"))
    wav = golden["code2wav.wav"].reshape(-1)
    samples = np.concatenate([edges, special, sine, wav]).astype(np.float32)
    np.save(os.path.join(args.out, "samples.npy"), samples)
    sf.write(os.path.join(args.out, "soundfile-pcm16.wav"), np.clip(samples, -1, 1), 24000)
    print(f"{len(samples)} samples, soundfile {sf.__version__}, libsndfile {sf.__libsndfile_version__}")


if __name__ == "__main__":
    main()
