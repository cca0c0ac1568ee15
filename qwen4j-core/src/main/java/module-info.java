/** The model abstraction and the layers architectures are assembled from. */
module io.qwen4j.core {
    requires transitive io.qwen4j.formats;
    exports io.qwen4j.core;
}
