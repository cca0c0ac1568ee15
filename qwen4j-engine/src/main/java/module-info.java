/** Turning a model into generated tokens. */
module io.qwen4j.engine {
    requires transitive io.qwen4j.models;
    requires transitive io.qwen4j.tokenizer;
    requires transitive io.qwen4j.media;
    requires com.fasterxml.jackson.databind;
    exports io.qwen4j.engine;
}
