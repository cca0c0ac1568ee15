package io.qwen4j.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/** Common fields and checks of the weight types. */
abstract class StoredWeight implements Weight {
    protected final String name;
    protected final long[] shape;
    protected final MemorySegment data;
    protected final int rows;
    protected final int cols;

    StoredWeight(String name, DType dtype, long[] shape, MemorySegment data) {
        if (shape.length == 0) {
            shape = new long[] {1};
        }
        long elements = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(name + ": negative dimension in " + Arrays.toString(shape));
            }
            elements = Math.multiplyExact(elements, d);
        }
        long c = shape[shape.length - 1];
        long r = c == 0 ? 0 : elements / c;
        if (r > Integer.MAX_VALUE || c > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape) + " has more than 2^31 rows or columns");
        }
        long expected = dtype.bytesFor(elements);
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException(name + ": " + dtype + " shape " + Arrays.toString(shape) + " needs " + expected + " bytes, got " + data.byteSize());
        }
        this.name = name;
        this.shape = shape.clone();
        this.data = data;
        this.rows = (int) r;
        this.cols = (int) c;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    @Override
    public MemorySegment data() {
        return data;
    }

    /** Rows of {@code x} must be as wide as a weight row, rows of {@code out} must hold every weight row. */
    protected final void checkMatmul(FloatMatrix x, FloatMatrix out, int rowStart, int rowEnd) {
        if (x.cols() != cols || out.cols() < rows || out.rows() < x.rows() || rowStart < 0 || rowEnd > rows || rowStart > rowEnd) {
            throw new IllegalArgumentException(name + " " + rows + "x" + cols + ": cannot multiply " + x + " into " + out + " rows [" + rowStart + "," + rowEnd + ")");
        }
    }

    @Override
    public String toString() {
        return name + " " + dtype() + Arrays.toString(shape);
    }
}
