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

    @Override
    int metaInts() {
        return 1;
    }

    @Override
    void rowDots(long base, Q8Activations x, int tokens, float[] os, int o, int oc, int[] meta) {
        for (int b = 0; b < blocksPerRow; b++) {
            meta[b] = Float.floatToRawIntBits(QuantKernels.f16(data, base + 34L * b));
        }
        for (int t = 0; t < tokens; t++) {
            os[o + t * oc] = dot(base, x, t, meta);
        }
    }

    @Override
    float rowDot(long base, Q8Activations x, int t) {
        int[] meta = new int[blocksPerRow];
        for (int b = 0; b < blocksPerRow; b++) {
            meta[b] = Float.floatToRawIntBits(QuantKernels.f16(data, base + 34L * b));
        }
        return dot(base, x, t, meta);
    }

    /**
     * Mirrors {@code ggml_vec_dot_q8_0_q8_0}: integer block sums, scaled by both block scales. Products in
     * 16-bit lanes, adjacent pairs summed into 32-bit lanes ((p + (p << 16)) >> 16, exact: see
     * {@link Q8Activations}).
     */
    private float dot(long base, Q8Activations x, int t, int[] meta) {
        short[] xq = x.qs;
        int xo = t * cols;
        int xb = t * blocksPerRow;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < blocksPerRow; b++) {
            long bo = base + 34L * b + 2;
            IntVector sum = IntVector.zero(I);
            for (int c = 0; c < 32; c += W) {
                ShortVector wv = (ShortVector) ByteVector.fromMemorySegment(B, data, bo + c, LE).convertShape(B2S, S, 0);
                IntVector p = wv.mul(ShortVector.fromArray(S, xq, xo + 32 * b + c)).reinterpretAsInts();
                sum = sum.add(p.add(p.lanewise(LSHL, 16)).lanewise(ASHR, 16));
            }
            acc = ((FloatVector) sum.convert(I2F, 0)).fma(FloatVector.broadcast(F, Float.intBitsToFloat(meta[b]) * x.d[xb + b]), acc);
        }
        float s;
        if (QuantKernels.BUTTERFLY) { // VectorKernels.sumLanes's order, inline: a helper taking a vector risks boxing
            FloatVector v = acc;
            if (F.length() > 8) {
                v = v.add(v.rearrange(VectorKernels.SWAP8));
            }
            if (F.length() > 4) {
                v = v.add(v.rearrange(VectorKernels.SWAP4));
            }
            if (F.length() > 2) {
                v = v.add(v.rearrange(VectorKernels.SWAP2));
            }
            if (F.length() > 1) {
                v = v.add(v.rearrange(VectorKernels.SWAP1));
            }
            s = v.reduceLanes(jdk.incubator.vector.VectorOperators.MAX);
        } else {
            float[] lanes = VectorKernels.lanes();
            acc.intoArray(lanes, 0);
            s = VectorKernels.sumLanes(lanes, 0, F.length());
        }
        return s;
    }
}
