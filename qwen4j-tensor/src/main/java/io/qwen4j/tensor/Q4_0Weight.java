package io.qwen4j.tensor;

import static io.qwen4j.tensor.QuantKernels.B16;
import static io.qwen4j.tensor.QuantKernels.F16;
import static io.qwen4j.tensor.QuantKernels.I16;
import static io.qwen4j.tensor.QuantKernels.LE;
import static io.qwen4j.tensor.QuantKernels.S16;
import static io.qwen4j.tensor.QuantKernels.W16;
import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.B2S;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHL;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;

/** ggml's {@code block_q4_0}: f16 d, then 16 bytes; value j is the low nibble of byte j, j+16 the high one; x = d·(q − 8). */
public final class Q4_0Weight extends QuantizedWeight {
    public Q4_0Weight(String name, long[] shape, MemorySegment data) {
        super(name, DType.Q4_0, shape, data);
    }

    @Override
    int activationBlock() {
        return 32;
    }

    /** Mirrors {@code dequantize_row_q4_0}. */
    @Override
    public void dequantizeRow(int row, float[] dst, int dstOffset) {
        long base = row * rowBytes;
        for (int b = 0; b < blocksPerRow; b++) {
            long bo = base + 18L * b;
            float d = QuantKernels.f16(data, bo);
            int o = dstOffset + 32 * b;
            for (int j = 0; j < 16; j++) {
                int q = QuantKernels.u8(data, bo + 2 + j);
                dst[o + j] = ((q & 0xF) - 8) * d;
                dst[o + j + 16] = ((q >> 4) - 8) * d;
            }
        }
    }

    /** Mirrors {@code ggml_vec_dot_q4_0_q8_0}, on 16-value halves (the nibble layout splits a block in two). */
    @Override
    float rowDot(long base, Q8Activations x, int t) {
        byte[] xq = x.q;
        int xo = t * cols;
        int xb = t * blocksPerRow;
        FloatVector acc = FloatVector.zero(F16);
        for (int b = 0; b < blocksPerRow; b++) {
            long bo = base + 18L * b;
            IntVector sum = IntVector.zero(I16);
            for (int c = 0; c < 16; c += W16) {
                ShortVector raw = (ShortVector) ByteVector.fromMemorySegment(B16, data, bo + 2 + c, LE).convertShape(B2S, S16, 0);
                ShortVector x0 = (ShortVector) ByteVector.fromArray(B16, xq, xo + 32 * b + c).convertShape(B2S, S16, 0);
                ShortVector x1 = (ShortVector) ByteVector.fromArray(B16, xq, xo + 32 * b + 16 + c).convertShape(B2S, S16, 0);
                IntVector p0 = raw.and((short) 0xF).sub((short) 8).mul(x0).reinterpretAsInts();
                IntVector p1 = raw.lanewise(ASHR, 4).and((short) 0xF).sub((short) 8).mul(x1).reinterpretAsInts();
                sum = sum.add(p0.lanewise(LSHL, 16).lanewise(ASHR, 16)).add(p0.lanewise(ASHR, 16))
                        .add(p1.lanewise(LSHL, 16).lanewise(ASHR, 16)).add(p1.lanewise(ASHR, 16));
            }
            acc = ((FloatVector) sum.convert(I2F, 0)).fma(FloatVector.broadcast(F16, QuantKernels.f16(data, bo) * x.d[xb + b]), acc);
        }
        float[] lanes = VectorKernels.lanes();
        acc.intoArray(lanes, 0);
        return VectorKernels.sumLanes(lanes, 0, F16.length());
    }
}
