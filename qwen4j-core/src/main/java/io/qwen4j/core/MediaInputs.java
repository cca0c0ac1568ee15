package io.qwen4j.core;

import io.qwen4j.common.InvalidInputException;
import io.qwen4j.tensor.FloatMatrix;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The media of one prompt as Qwen3-Omni's processor hands them to the thinker, each kind in the order of its
 * placeholders: HF's {@code input_features} + {@code feature_attention_mask}, {@code pixel_values} +
 * {@code image_grid_thw}, {@code pixel_values_videos} + {@code video_grid_thw} + {@code video_second_per_grid},
 * and {@code use_audio_in_video} (then the audio of each video is among {@code audios}, in placeholder order).
 */
public record MediaInputs(List<Audio> audios, List<Visual> images, List<Visual> videos, boolean audioInVideo) {
    public static final MediaInputs NONE = new MediaInputs(List.of(), List.of(), List.of(), false);

    /**
     * One audio clip's log-mel features.
     *
     * @param features    {@code (mel bins, frames)}, as HF lays them out
     * @param validFrames frames the encoder reads (the rest is batch padding)
     */
    public record Audio(FloatMatrix features, int validFrames) {
        public Audio {
            if (validFrames < 1 || validFrames > features.cols()) {
                throw new InvalidInputException("an audio clip has " + validFrames + " valid frames of " + features.cols());
            }
        }

        /** The valid frames as {@code [bins][frames]}, as the audio encoder takes them. */
        public float[][] mel() {
            float[][] mel = new float[features.rows()][validFrames];
            for (int b = 0; b < mel.length; b++) {
                System.arraycopy(features.data(), features.offset(b), mel[b], 0, validFrames);
            }
            return mel;
        }

        /** SHA-256 of the valid features: equal clips, equal fingerprints. */
        public String fingerprint() {
            MessageDigest md = sha256("audio", features.rows(), validFrames);
            for (int b = 0; b < features.rows(); b++) {
                digest(md, features.data(), features.offset(b), validFrames);
            }
            return HexFormat.of().formatHex(md.digest());
        }
    }

    /**
     * One image or video: patch rows and their grid.
     *
     * @param pixelValues    {@code (gridT·gridH·gridW, patch dim)}
     * @param secondsPerGrid seconds one temporal patch spans (videos; 0 for images)
     */
    public record Visual(FloatMatrix pixelValues, int gridT, int gridH, int gridW, double secondsPerGrid) {
        public Visual {
            if (gridT < 1 || gridH < 1 || gridW < 1 || (long) gridT * gridH * gridW != pixelValues.rows()) {
                throw new InvalidInputException("pixel values of " + pixelValues.rows() + " patches do not fit the grid "
                        + gridT + "x" + gridH + "x" + gridW);
            }
        }

        public int[] grid() {
            return new int[] {gridT, gridH, gridW};
        }

        /** SHA-256 of the patches, grid and timing. */
        public String fingerprint() {
            MessageDigest md = sha256("visual", gridT, gridH);
            md.update(ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putInt(gridW).putDouble(secondsPerGrid).array());
            digest(md, pixelValues.data(), pixelValues.offset(0), pixelValues.rows() * pixelValues.cols());
            return HexFormat.of().formatHex(md.digest());
        }
    }

    public MediaInputs {
        audios = List.copyOf(audios);
        images = List.copyOf(images);
        videos = List.copyOf(videos);
    }

    public boolean isEmpty() {
        return audios.isEmpty() && images.isEmpty() && videos.isEmpty();
    }

    private static MessageDigest sha256(String kind, int a, int b) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(kind.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            md.update(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(a).putInt(b).array());
            return md;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static void digest(MessageDigest md, float[] data, int offset, int n) {
        ByteBuffer buf = ByteBuffer.allocate(4096 * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; ) {
            buf.clear();
            int m = Math.min(4096, n - i);
            for (int j = 0; j < m; j++) {
                buf.putInt(Float.floatToRawIntBits(data[offset + i + j]));
            }
            md.update(buf.array(), 0, m * Float.BYTES);
            i += m;
        }
    }
}
