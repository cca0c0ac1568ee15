/** Text to token ids and back, and conversations to prompts. */
module io.qwen4j.tokenizer {
    requires transitive io.qwen4j.formats;
    requires com.fasterxml.jackson.databind;
    exports io.qwen4j.tokenizer;
    exports io.qwen4j.tokenizer.chat;
}
