/** The OpenAI-compatible HTTP server over a {@link io.qwen4j.engine.ChatEngine}. */
module io.qwen4j.server {
    requires transitive io.qwen4j.engine;
    requires com.fasterxml.jackson.databind;
    requires org.eclipse.jetty.server;
    requires java.net.http;
    requires io.prometheus.metrics.core;
    requires io.prometheus.metrics.model;
    requires io.prometheus.writer.text;
    exports io.qwen4j.server;
    exports io.qwen4j.server.grammar;
}
