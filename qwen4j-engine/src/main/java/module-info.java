/** Turning a model into generated tokens. */
module io.qwen4j.engine {
    requires transitive io.qwen4j.models;
    exports io.qwen4j.engine;
}
