/** Reading checkpoints: one {@link io.qwen4j.formats.WeightSource} over every weight file format. */
module io.qwen4j.formats {
    requires transitive io.qwen4j.tensor;
    requires com.fasterxml.jackson.databind;
    exports io.qwen4j.formats;
}
