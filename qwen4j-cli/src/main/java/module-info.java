/** The qwen4j command line. */
module io.qwen4j.cli {
    requires io.qwen4j.engine;
    requires io.qwen4j.server;
    requires io.qwen4j.tokenizer;
    requires io.qwen4j.media;
    requires info.picocli;
    requires me.tongfei.progressbar;
    requires org.jline.reader;
    requires org.jline.terminal;
    requires com.fasterxml.jackson.databind;
    opens io.qwen4j.cli to info.picocli;
    exports io.qwen4j.cli;
}
