#!/usr/bin/env python3
"""The video frames of the tiny Qwen3-Omni goldens as PNG files, for tests that start from media files.

make_tiny_omni.py samples four frames of slideshow-speech.mp4 at 2 fps and resizes them to 64x32 itself (HF's video
processor needs torchvision); it keeps them only as the tensor video.frames_float01 (uint8 / 255). This writes them
back as fixtures/omni-frames/frames/frame-00.png .. frame-03.png (lossless; the folder holds nothing else), so that a folder of frames shown at 2 fps
(`--video-frames DIR --fps 2`) gives exactly its video.pixel_values.

Usage: make_omni_frames.py [--golden DIR] [--out DIR]
"""
import argparse
import os

import numpy as np
from PIL import Image
from safetensors.numpy import load_file

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--golden", default=os.path.join(ROOT, "fixtures", "golden", "qwen3-omni-tiny"))
    p.add_argument("--out", default=os.path.join(ROOT, "fixtures", "omni-frames"))
    args = p.parse_args()
    frames = load_file(os.path.join(args.golden, "golden.safetensors"))["video.frames_float01"]  # [T, 3, H, W]
    os.makedirs(os.path.join(args.out, "frames"), exist_ok=True)
    for i, f in enumerate(frames):
        rgb = np.round(f.transpose(1, 2, 0) * 255).astype(np.uint8)
        assert np.array_equal(rgb.astype(np.float32) / 255.0, f.transpose(1, 2, 0)), "frames are uint8 / 255"
        Image.fromarray(rgb).save(os.path.join(args.out, "frames", f"frame-{i:02d}.png"))
    with open(os.path.join(args.out, "README.md"), "w") as f:
        f.write("# Video frames of the tiny Qwen3-Omni goldens\n\n`frames/` was written by `tools/golden/make_omni_frames.py` from "
                "`../golden/qwen3-omni-tiny/golden.safetensors` (`video.frames_float01` x 255): four frames of "
                "shared/data/media/video/slideshow-speech.mp4 at 2 fps, resized to 64x32 by make_tiny_omni.py (sources and "
                "licences in ../media-golden/README.md).\n")
    print(f"wrote {len(frames)} frames to {args.out}")


if __name__ == "__main__":
    main()
