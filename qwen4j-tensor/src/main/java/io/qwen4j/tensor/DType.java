package io.qwen4j.tensor;

import java.util.Optional;

/**
 * Storage types of weights. Every type stores its elements in blocks of {@link #blockSize()} elements
 * taking {@link #blockBytes()} bytes; plain float types have blocks of one element. Quantized types use
 * ggml's block layouts (ggml-common.h) and carry ggml's type id, the number GGUF files store.
 */
public enum DType {
    F32(1, 4, 0),
    F16(1, 2, 1),
    BF16(1, 2, 30),
    /** 32 values: f16 scale d, 32 × int8; x = d·q. */
    Q8_0(32, 34, 8),
    /** 32 values: f16 d, 16 bytes of nibbles (value j low, j+16 high); x = d·(q − 8). */
    Q4_0(32, 18, 2),
    /** 32 values: f16 d, f16 m, 16 bytes of nibbles; x = d·q + m. */
    Q4_1(32, 20, 3),
    /** 32 values: f16 d, 32 high bits, 16 bytes of low nibbles; x = d·(q − 16). */
    Q5_0(32, 22, 6),
    /** 32 values: f16 d, f16 m, 32 high bits, 16 bytes of low nibbles; x = d·q + m. */
    Q5_1(32, 24, 7),
    /** 256 values in 8 sub-blocks of 32: f16 d, f16 dmin, 12 bytes of 6-bit scales and mins, 128 bytes of nibbles. */
    Q4_K(256, 144, 12),
    /** As Q4_K plus 32 bytes holding a fifth bit per value. */
    Q5_K(256, 176, 13),
    /** 256 values in 16 sub-blocks of 16: 128 bytes low nibbles, 64 bytes high 2 bits, 16 int8 scales, f16 d. */
    Q6_K(256, 210, 14);

    /** Values per block of the K-quants (ggml's QK_K). */
    public static final int QK_K = 256;

    private final int blockSize;
    private final int blockBytes;
    private final int ggmlType;

    DType(int blockSize, int blockBytes, int ggmlType) {
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
        this.ggmlType = ggmlType;
    }

    /** Elements per block. */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes per block. */
    public int blockBytes() {
        return blockBytes;
    }

    /** ggml's {@code ggml_type} number, as stored in GGUF tensor infos. */
    public int ggmlType() {
        return ggmlType;
    }

    /** True for the block-quantized types. */
    public boolean isQuantized() {
        return blockSize > 1;
    }

    /** The type with ggml id {@code id}, if qwen4j has it. */
    public static Optional<DType> fromGgmlType(int id) {
        for (DType t : values()) {
            if (t.ggmlType == id) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** Bytes taken by {@code elements} elements; they must fill whole blocks. */
    public long bytesFor(long elements) {
        if (elements % blockSize != 0) {
            throw new IllegalArgumentException(this + " stores blocks of " + blockSize + " elements; " + elements + " is not a multiple");
        }
        return elements / blockSize * blockBytes;
    }
}
