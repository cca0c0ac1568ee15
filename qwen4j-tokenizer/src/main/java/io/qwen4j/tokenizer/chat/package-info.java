/**
 * Chat templates (rendered as transformers' apply_chat_template does) and parsing of chat output.
 *
 * <p>{@link io.qwen4j.tokenizer.chat.ChatTemplate} runs the checkpoint's own Jinja template in a small
 * interpreter ({@code jinja} subpackage, not exported) that reproduces transformers' Jinja2 environment.
 * A library was tried first: HubSpot Jinjava 2.8.4 rendered none of the five reference Qwen3
 * conversations correctly: {@code {%- ... %}} whitespace control kept indentation, {@code namespace(a=1)}
 * failed on keyword arguments, {@code messages[::-1]} did not parse, Python string methods such as
 * {@code .lstrip('\n')} were missing, and {@code tojson} used compact separators.
 *
 * <p>{@link io.qwen4j.tokenizer.chat.StreamingChatParser} and {@link io.qwen4j.tokenizer.chat.ChatOutput}
 * split generated text into reasoning, answer and Hermes-style tool calls.
 */
package io.qwen4j.tokenizer.chat;
