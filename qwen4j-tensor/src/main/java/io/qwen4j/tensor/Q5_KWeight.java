package io.qwen4j.tensor;


import java.lang.foreign.MemorySegment;

/**
 * ggml's {@code block_q5_K}: f16 d, f16 dmin, 12 bytes of 6-bit scales and mins, 32 bytes of fifth bits
 * (bit 2g of byte l for value 64g+l, bit 2g+1 for 64g+32+l), 128 bytes of nibbles laid out as in Q4_K.
 */
public final class Q5_KWeight extends QuantizedWeight {
    public Q5_KWeight(String name, long[] shape, MemorySegment data) {
        super(name, DType.Q5_K, shape, data);
    }

    /** Mirrors {@code dequantize_row_q5_K}. */
    @Override
    public void dequantizeRow(int row, float[] dst, int dstOffset) {
        long base = row * rowBytes;
        for (int b = 0; b < blocksPerRow; b++) {
            long bo = base + 176L * b;
            float d = QuantKernels.f16(data, bo);
            float min = QuantKernels.f16(data, bo + 2);
            int y = dstOffset + 256 * b;
            for (int g = 0; g < 4; g++) {
                int sm0 = QuantKernels.scaleMinK4(data, bo + 4, 2 * g);
                int sm1 = QuantKernels.scaleMinK4(data, bo + 4, 2 * g + 1);
                float d1 = d * (sm0 & 0xFF);
                float m1 = min * (sm0 >> 8);
                float d2 = d * (sm1 & 0xFF);
                float m2 = min * (sm1 >> 8);
                long ql = bo + 48 + 32L * g;
                for (int l = 0; l < 32; l++) {
                    int qh = QuantKernels.u8(data, bo + 16 + l);
                    int q = QuantKernels.u8(data, ql + l);
                    dst[y + 64 * g + l] = d1 * ((q & 0xF) + ((qh >> (2 * g)) & 1) * 16) - m1;
                    dst[y + 64 * g + 32 + l] = d2 * ((q >> 4) + ((qh >> (2 * g + 1)) & 1) * 16) - m2;
                }
            }
        }
    }
}
