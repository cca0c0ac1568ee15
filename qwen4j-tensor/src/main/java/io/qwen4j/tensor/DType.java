package io.qwen4j.tensor;

/**
 * Storage types of weights. Every type stores its elements in blocks of {@link #blockSize()} elements
 * taking {@link #blockBytes()} bytes; plain float types have blocks of one element.
 */
public enum DType {
    F32(1, 4),
    F16(1, 2),
    BF16(1, 2);

    private final int blockSize;
    private final int blockBytes;

    DType(int blockSize, int blockBytes) {
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    /** Elements per block. */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes per block. */
    public int blockBytes() {
        return blockBytes;
    }

    /** Bytes taken by {@code elements} elements; they must fill whole blocks. */
    public long bytesFor(long elements) {
        if (elements % blockSize != 0) {
            throw new IllegalArgumentException(this + " stores blocks of " + blockSize + " elements; " + elements + " is not a multiple");
        }
        return elements / blockSize * blockBytes;
    }
}
