#!/usr/bin/env python3
"""Reference values for qwen4j's quantized types, from the gguf Python package (llama.cpp's gguf-py).

Writes fixtures/quant/quants.safetensors:
  dequant.<TYPE>.blocks  uint8 [rows, row_bytes]  random blocks (scales kept finite)
  dequant.<TYPE>.values  float32 [rows, cols]     gguf.quants.dequantize of them
  quant.input            float32 [rows, 256]      rows to quantize: gaussian, outliers, zeros, a constant, tiny values
  quant.<TYPE>.blocks    uint8 [rows, row_bytes]  gguf.quants.quantize of quant.input (the types it implements)
"""
import argparse
import os

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import quants
from gguf.constants import GGML_QUANT_SIZES
from safetensors.numpy import save_file

DEQUANT_TYPES = ["Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"]
QUANT_TYPES = ["Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"]  # those gguf.quants can quantize
# byte offsets of the f16 scale fields in each block (ggml-common.h)
F16_FIELDS = {"Q8_0": [0], "Q4_0": [0], "Q4_1": [0, 2], "Q5_0": [0], "Q5_1": [0, 2],
              "Q4_K": [0, 2], "Q5_K": [0, 2], "Q6_K": [208]}


def random_blocks(rng, name, rows, blocks_per_row):
    block, size = GGML_QUANT_SIZES[T[name]]
    raw = rng.integers(0, 256, size=(rows * blocks_per_row, size), dtype=np.uint8)
    for off in F16_FIELDS[name]:
        scale = (rng.uniform(0.001, 0.2, size=rows * blocks_per_row) * rng.choice([-1, 1], size=rows * blocks_per_row))
        raw[:, off:off + 2] = scale.astype(np.float16).view(np.uint8).reshape(-1, 2)
    return raw.reshape(rows, blocks_per_row * size), blocks_per_row * block


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True)
    args = p.parse_args()
    rng = np.random.default_rng(20260101)
    tensors = {}
    for name in DEQUANT_TYPES:
        block = GGML_QUANT_SIZES[T[name]][0]
        blocks, cols = random_blocks(rng, name, rows=3, blocks_per_row=3 if block == 256 else 5)
        tensors[f"dequant.{name}.blocks"] = blocks
        tensors[f"dequant.{name}.values"] = quants.dequantize(blocks, T[name]).astype(np.float32)

    rows = [rng.standard_normal(256), rng.standard_normal(256) * 1e-3, np.zeros(256), np.full(256, 0.75),
            rng.standard_normal(256) * np.where(rng.random(256) < 0.02, 50.0, 1.0), rng.uniform(-1, 3, 256),
            np.round(rng.standard_normal(256) * 8) / 8]  # values on a grid: exact ties for the rounding
    x = np.stack(rows).astype(np.float32)
    tensors["quant.input"] = x
    for name in QUANT_TYPES:
        tensors[f"quant.{name}.blocks"] = quants.quantize(x, T[name])
    os.makedirs(args.out, exist_ok=True)
    save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, os.path.join(args.out, "quants.safetensors"),
              metadata={"generator": "tools/golden/make_quant_fixtures.py"})


if __name__ == "__main__":
    main()
