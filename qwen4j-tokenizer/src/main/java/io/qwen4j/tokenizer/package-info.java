/** Byte-level BPE as Hugging Face tokenizers does it for Qwen (spec: shared/spec/tokenizer.md §1-4). */
package io.qwen4j.tokenizer;
