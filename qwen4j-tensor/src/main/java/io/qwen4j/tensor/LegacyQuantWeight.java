package io.qwen4j.tensor;

import java.lang.foreign.MemorySegment;

/**
 * ggml's other 32-value types, which qwen4j reads but does not favour (llama.cpp falls back to them when a
 * row is not a multiple of 256): {@code block_q4_1} (d, m, nibbles; x = d·q + m), {@code block_q5_0} (d, 32
 * high bits, nibbles; x = d·(q − 16)) and {@code block_q5_1} (d, m, high bits, nibbles; x = d·q + m).
 * Their matmul dequantizes each row once and takes vector dot products.
 */
public final class LegacyQuantWeight extends QuantizedWeight {

    public LegacyQuantWeight(String name, DType dtype, long[] shape, MemorySegment data) {
        super(name, checkType(dtype), shape, data);
    }

    private static DType checkType(DType dtype) {
        if (dtype != DType.Q4_1 && dtype != DType.Q5_0 && dtype != DType.Q5_1) {
            throw new IllegalArgumentException(dtype + " is not a Q4_1/Q5_0/Q5_1 type");
        }
        return dtype;
    }

    /** Mirrors {@code dequantize_row_q4_1}, {@code dequantize_row_q5_0} and {@code dequantize_row_q5_1}. */
    @Override
    public void dequantizeRow(int row, float[] dst, int dstOffset) {
        int bytes = dtype.blockBytes();
        long base = row * rowBytes;
        for (int b = 0; b < blocksPerRow; b++) {
            long bo = base + (long) bytes * b;
            float d = QuantKernels.f16(data, bo);
            int o = dstOffset + 32 * b;
            switch (dtype) {
                case Q4_1 -> {
                    float m = QuantKernels.f16(data, bo + 2);
                    for (int j = 0; j < 16; j++) {
                        int q = QuantKernels.u8(data, bo + 4 + j);
                        dst[o + j] = (q & 0xF) * d + m;
                        dst[o + j + 16] = (q >> 4) * d + m;
                    }
                }
                case Q5_0 -> {
                    int qh = data.get(VectorKernels.INT_LE, bo + 2);
                    for (int j = 0; j < 16; j++) {
                        int q = QuantKernels.u8(data, bo + 6 + j);
                        dst[o + j] = (((q & 0xF) | (((qh >>> j) << 4) & 0x10)) - 16) * d;
                        dst[o + j + 16] = (((q >> 4) | ((qh >>> (j + 12)) & 0x10)) - 16) * d;
                    }
                }
                default -> {
                    float m = QuantKernels.f16(data, bo + 2);
                    int qh = data.get(VectorKernels.INT_LE, bo + 4);
                    for (int j = 0; j < 16; j++) {
                        int q = QuantKernels.u8(data, bo + 8 + j);
                        dst[o + j] = ((q & 0xF) | (((qh >>> j) << 4) & 0x10)) * d + m;
                        dst[o + j + 16] = ((q >> 4) | ((qh >>> (j + 12)) & 0x10)) * d + m;
                    }
                }
            }
        }
    }
}
