package io.qwen4j.formats;

import io.qwen4j.tensor.DType;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Names of ggml's tensor types (ggml.h {@code enum ggml_type}), for messages about types qwen4j lacks. */
final class GgmlTypes {
    private static final String[] NAMES = {
        "F32", "F16", "Q4_0", "Q4_1", "Q4_2", "Q4_3", "Q5_0", "Q5_1", "Q8_0", "Q8_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K",
        "Q8_K", "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S", "IQ4_NL", "IQ3_S", "IQ2_S", "IQ4_XS", "I8", "I16", "I32", "I64",
        "F64", "IQ1_M", "BF16", "Q4_0_4_4", "Q4_0_4_8", "Q4_0_8_8", "TQ1_0", "TQ2_0", "IQ4_NL_4_4", "IQ4_NL_4_8",
        "IQ4_NL_8_8", "MXFP4"
    };

    private GgmlTypes() {}

    /** "Q3_K (ggml type 11)", or "unknown ggml type 99". */
    static String name(int id) {
        return id >= 0 && id < NAMES.length ? NAMES[id] + " (ggml type " + id + ")" : "unknown ggml type " + id;
    }

    static String supported() {
        return Arrays.stream(DType.values()).map(DType::name).collect(Collectors.joining(", "));
    }
}
