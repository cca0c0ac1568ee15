package io.qwen4j.formats;

import io.qwen4j.tensor.DType;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Where a tensor lives: its name, storage type (empty when the file's type is one qwen4j cannot use as
 * a weight, named in {@code fileDType}), shape outermost first, file and byte range.
 */
public record TensorInfo(String name, String fileDType, DType dtype, long[] shape, Path file, long offset, long byteSize) {
    public long elements() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }
}
