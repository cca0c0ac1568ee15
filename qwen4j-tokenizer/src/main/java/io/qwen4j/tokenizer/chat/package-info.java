/** Chat templates (rendered as transformers' apply_chat_template does) and parsing of chat output. */
package io.qwen4j.tokenizer.chat;
