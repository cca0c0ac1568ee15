package io.qwen4j.formats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.tensor.DType;
import io.qwen4j.tensor.Quantizer;
import io.qwen4j.tensor.Weight;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The quantized types against the {@code gguf} Python package (fixtures/quant, made by
 * tools/golden/make_quant_fixtures.py): dequantization bit for bit on random blocks, the quantizers the
 * package implements byte for byte, and the K-quant quantizers by their round-trip error.
 */
class QuantReferenceTest {
    private static SafeTensorsFile fixture;

    @BeforeAll
    static void open() {
        fixture = SafeTensorsFile.open(Fixtures.path("quant/quants.safetensors"));
    }

    @AfterAll
    static void close() {
        fixture.close();
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"})
    void dequantizeRowMatchesTheGgufPackage(DType type) {
        TensorInfo values = fixture.tensors().get("dequant." + type + ".values");
        long[] shape = values.shape();
        Weight w = Weight.of("blocks", type, shape, fixture.bytes("dequant." + type + ".blocks"));
        float[] expected = fixture.weight("dequant." + type + ".values").toFloatArray();
        float[] row = new float[w.cols()];
        for (int r = 0; r < w.rows(); r++) {
            w.dequantizeRow(r, row, 0);
            for (int c = 0; c < row.length; c++) {
                assertEquals(Float.floatToIntBits(expected[r * row.length + c]), Float.floatToIntBits(row[c]),
                        type + " row " + r + " value " + c + ": " + expected[r * row.length + c] + " vs " + row[c]);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"})
    void quantizeRowIsByteExactWithTheGgufPackage(DType type) {
        float[] x = fixture.weight("quant.input").toFloatArray();
        int cols = (int) fixture.tensors().get("quant.input").shape()[1];
        MemorySegment expected = fixture.bytes("quant." + type + ".blocks");
        long rowBytes = type.bytesFor(cols);
        MemorySegment ours = MemorySegment.ofArray(new byte[(int) expected.byteSize()]);
        for (int r = 0; r < x.length / cols; r++) {
            Quantizer.quantizeRow(type, x, r * cols, cols, ours, r * rowBytes);
        }
        for (long i = 0; i < expected.byteSize(); i++) {
            assertEquals(expected.get(ValueLayout.JAVA_BYTE, i), ours.get(ValueLayout.JAVA_BYTE, i),
                    type + " byte " + (i % rowBytes) + " of row " + (i / rowBytes));
        }
    }

    /**
     * With b bits over a range of about 6σ the step is 6σ/(2^b − 1) and uniform rounding leaves an RMS error
     * of step/√12, i.e. 0.116σ (4 bits), 0.056σ (5), 0.027σ (6), 0.0068σ (8); the searched scales of the
     * K-quants do a little better. Bounds are 1.25x those figures.
     */
    @ParameterizedTest
    @ValueSource(strings = {"Q4_K:0.145", "Q5_K:0.07", "Q6_K:0.034", "Q8_0:0.0085", "Q4_0:0.145", "Q5_0:0.07"})
    void roundTripErrorIsWhatTheBitsAllow(String spec) {
        DType type = DType.valueOf(spec.split(":")[0]);
        double bound = Double.parseDouble(spec.split(":")[1]);
        java.util.Random rnd = new java.util.Random(7);
        int cols = 2048;
        float[] x = new float[cols];
        for (int i = 0; i < cols; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        MemorySegment q = MemorySegment.ofArray(new byte[(int) type.bytesFor(cols)]);
        Quantizer.quantizeRow(type, x, 0, cols, q, 0);
        float[] back = Weight.of("q", type, new long[] {cols}, q).toFloatArray();
        double se = 0;
        for (int i = 0; i < cols; i++) {
            se += (back[i] - x[i]) * (back[i] - x[i]);
        }
        double rms = Math.sqrt(se / cols);
        assertTrue(rms < bound, type + " RMS error " + rms + " of unit-variance values, bound " + bound);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"Q4_K", "Q5_K", "Q6_K"})
    void kQuantsOfSpecialRowsStayFinite(DType type) {
        float[] x = fixture.weight("quant.input").toFloatArray();
        int cols = 256;
        for (int r = 0; r < x.length / cols; r++) {
            MemorySegment q = MemorySegment.ofArray(new byte[(int) type.bytesFor(cols)]);
            Quantizer.quantizeRow(type, x, r * cols, cols, q, 0);
            float[] back = Weight.of("q", type, new long[] {cols}, q).toFloatArray();
            double maxRef = 0;
            double maxErr = 0;
            for (int i = 0; i < cols; i++) {
                assertTrue(Float.isFinite(back[i]), type + " row " + r + " value " + i + " is " + back[i]);
                maxRef = Math.max(maxRef, Math.abs(x[r * cols + i]));
                maxErr = Math.max(maxErr, Math.abs(back[i] - x[r * cols + i]));
            }
            assertTrue(maxErr <= 0.2 * maxRef + 1e-6, type + " row " + r + ": max error " + maxErr + " of max |x| " + maxRef);
        }
    }
}
