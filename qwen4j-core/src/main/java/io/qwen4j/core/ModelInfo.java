package io.qwen4j.core;

/**
 * What callers need to know of a loaded model.
 *
 * @param architecture  e.g. {@code qwen3}
 * @param vocabSize     rows of the LM head (can exceed the tokenizer's vocabulary)
 * @param contextLength the longest sequence the model advertises
 * @param parameters    parameter count
 * @param weightBytes   bytes of weights as stored
 * @param eosTokenIds   ids that end generation, from the checkpoint
 * @param source        where it was loaded from
 * @param weightTypes   storage types in use, e.g. {@code BF16}
 * @param compute       the kernels and threads it runs on
 */
public record ModelInfo(String architecture, int vocabSize, int contextLength, long parameters, long weightBytes,
                        int[] eosTokenIds, String source, String weightTypes, String compute) {}
