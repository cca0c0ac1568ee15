/**
 * Media in for Qwen3-Omni: decoding, and the preprocessing that matches Hugging Face's processors.
 *
 * <pre>
 * image file ─ImageDecoder→ RgbImage ─VisionProcessor.image→ ImagePatches  (pixel_values, grid_thw)
 * audio file ─AudioDecoder→ DecodedAudio ─mono(16000)→ float[] ─LogMel→ AudioFeatures (input_features, length)
 * video file ─VideoDecoder→ DecodedVideo (sampled frames + soundtrack) ─VisionProcessor.video→ VideoPatches
 * </pre>
 *
 * {@link io.qwen4j.media.MediaProcessor} does each line in one call; {@link io.qwen4j.media.Placeholders}
 * and the items' {@code tokens()} say how many pad tokens each becomes, and
 * {@link io.qwen4j.media.AudioInVideo} orders the pads of a video with its soundtrack. Decoders take
 * {@link io.qwen4j.media.MediaLimits} and refuse bad input with one-line
 * {@link io.qwen4j.common.InvalidInputException}s.
 */
package io.qwen4j.media;
