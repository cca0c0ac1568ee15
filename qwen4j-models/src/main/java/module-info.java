/** The architectures qwen4j runs, one class each. */
module io.qwen4j.models {
    requires transitive io.qwen4j.core;
    exports io.qwen4j.models;
}
