package io.qwen4j.tensor;

import java.util.Arrays;

/**
 * A mutable row-major F32 matrix on the heap: activations, scratch buffers, logits. Rows are tokens in
 * almost every use, columns are features. A matrix can be viewed with fewer rows or another row width
 * over the same array, which is how per-head views ({@code [T, heads*d]} as {@code [T*heads, d]}) and
 * partially filled scratch buffers are expressed without copying.
 */
public final class FloatMatrix {
    private final float[] data;
    private final int rows;
    private final int cols;

    public FloatMatrix(int rows, int cols) {
        this(new float[Math.multiplyExact(rows, cols)], rows, cols);
    }

    public FloatMatrix(float[] data, int rows, int cols) {
        if (rows < 0 || cols < 0 || (long) rows * cols > data.length) {
            throw new IllegalArgumentException("a " + rows + "x" + cols + " matrix does not fit in " + data.length + " floats");
        }
        this.data = data;
        this.rows = rows;
        this.cols = cols;
    }

    public static FloatMatrix of(int rows, int cols, float... values) {
        if (values.length != rows * cols) {
            throw new IllegalArgumentException(values.length + " values for a " + rows + "x" + cols + " matrix");
        }
        return new FloatMatrix(values, rows, cols);
    }

    public float[] data() {
        return data;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** Offset of row {@code row} in {@link #data()}. */
    public int offset(int row) {
        return row * cols;
    }

    public float get(int row, int col) {
        return data[row * cols + col];
    }

    public void set(int row, int col, float value) {
        data[row * cols + col] = value;
    }

    /** The same array seen as {@code rows x cols}; the product may not exceed the capacity. */
    public FloatMatrix view(int rows, int cols) {
        return new FloatMatrix(data, rows, cols);
    }

    /** The first {@code rows} rows. */
    public FloatMatrix firstRows(int rows) {
        if (rows > this.rows) {
            throw new IllegalArgumentException(rows + " rows asked of a matrix with " + this.rows);
        }
        return new FloatMatrix(data, rows, cols);
    }

    /** A copy of one row. */
    public float[] row(int row) {
        return Arrays.copyOfRange(data, row * cols, (row + 1) * cols);
    }

    public FloatMatrix copy() {
        return new FloatMatrix(Arrays.copyOf(data, rows * cols), rows, cols);
    }

    public void copyFrom(FloatMatrix src) {
        if (src.rows != rows || src.cols != cols) {
            throw new IllegalArgumentException("shape " + src.rows + "x" + src.cols + " copied into " + rows + "x" + cols);
        }
        System.arraycopy(src.data, 0, data, 0, rows * cols);
    }

    @Override
    public String toString() {
        return "FloatMatrix[" + rows + "x" + cols + "]";
    }
}
