package io.qwen4j.tensor;

import static io.qwen4j.tensor.QuantKernels.B;
import static io.qwen4j.tensor.QuantKernels.F;
import static io.qwen4j.tensor.QuantKernels.I;
import static io.qwen4j.tensor.QuantKernels.LE;
import static io.qwen4j.tensor.QuantKernels.S;
import static io.qwen4j.tensor.QuantKernels.W;
import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.B2S;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHL;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import java.lang.foreign.ValueLayout;

/** ggml's {@code block_q8_0}: f16 d, then 32 signed bytes; value = d·q. */
public final class Q8_0Weight extends QuantizedWeight {
    public Q8_0Weight(String name, long[] shape, MemorySegment data) {
        super(name, DType.Q8_0, shape, data);
    }

    @Override
    int activationBlock() {
        return 32;
    }

    /** Mirrors {@code dequantize_row_q8_0}. */
    @Override
    public void dequantizeRow(int row, float[] dst, int dstOffset) {
        long base = row * rowBytes;
        for (int b = 0; b < blocksPerRow; b++) {
            long bo = base + 34L * b;
            float d = QuantKernels.f16(data, bo);
            for (int j = 0; j < 32; j++) {
                dst[dstOffset + 32 * b + j] = data.get(ValueLayout.JAVA_BYTE, bo + 2 + j) * d;
            }
        }
    }

    /** Mirrors {@code ggml_vec_dot_q8_0_q8_0}: integer block sums, scaled by both block scales. */
    @Override
    float rowDot(long base, Q8Activations x, int t) {
        byte[] xq = x.q;
        int xo = t * cols;
        int xb = t * blocksPerRow;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocksPerRow; b++) {
            long bo = base + 34L * b;
            IntVector sum = IntVector.zero(I);
            for (int c = 0; c < 32; c += W) {
                ShortVector wv = (ShortVector) ByteVector.fromMemorySegment(B, data, bo + 2 + c, LE).convertShape(B2S, S, 0);
                ShortVector xv = (ShortVector) ByteVector.fromArray(B, xq, xo + 32 * b + c).convertShape(B2S, S, 0);
                IntVector p = wv.mul(xv).reinterpretAsInts(); // pairs of 16-bit products
                sum = sum.add(p.lanewise(LSHL, 16).lanewise(ASHR, 16)).add(p.lanewise(ASHR, 16));
            }
            acc = ((FloatVector) sum.convert(I2F, 0)).fma(FloatVector.broadcast(F, QuantKernels.f16(data, bo) * x.d[xb + b]), acc);
        }
        return VectorKernels.sum(acc);
    }
}
