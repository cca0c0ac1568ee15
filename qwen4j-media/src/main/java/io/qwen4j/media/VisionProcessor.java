package io.qwen4j.media;

import io.qwen4j.common.InvalidInputException;
import io.qwen4j.tensor.FloatMatrix;
import java.util.ArrayList;
import java.util.List;

/**
 * Images and video frames to patch rows, as transformers' Qwen2-VL processors make them for Qwen3-Omni:
 * {@link SmartResize}, Pillow's bicubic resize ({@link PilResize}; the PIL backend
 * {@code Qwen2VLImageProcessorPil}), rescale by 1/255 and normalise per channel in float32, then patchify.
 * Mirrors {@code Qwen2VLImageProcessorPil._preprocess} and {@code Qwen2VLVideoProcessor.patchify}.
 */
public final class VisionProcessor {
    private final VisionConfig image;
    private final VisionConfig video;

    public VisionProcessor(VisionConfig image, VisionConfig video) {
        this.image = image;
        this.video = video;
    }

    /** Qwen3-Omni's settings. */
    public VisionProcessor() {
        this(VisionConfig.OMNI_IMAGE, VisionConfig.OMNI_VIDEO);
    }

    public VisionConfig imageConfig() {
        return image;
    }

    public VisionConfig videoConfig() {
        return video;
    }

    /** The resized image the patches are cut from (exposed for checking). */
    public static RgbImage resize(RgbImage src, VisionConfig cfg) {
        SmartResize.Size s = SmartResize.of(src.height(), src.width(), cfg.factor(), cfg.minPixels(), cfg.maxPixels());
        return PilResize.bicubic(src, s.width(), s.height());
    }

    public ImagePatches image(RgbImage src) {
        RgbImage r = resize(src, image);
        float[] chw = normalise(r, image);
        List<float[]> frames = new ArrayList<>();
        for (int t = 0; t < image.temporalPatchSize(); t++) {
            frames.add(chw); // the image repeated in time
        }
        FloatMatrix pv = patchify(frames, r.height(), r.width(), image);
        return new ImagePatches(pv, 1, r.height() / image.patchSize(), r.width() / image.patchSize(), image.mergeSize());
    }

    /**
     * Frames already chosen (see {@link FrameSampler}), all of one size, sampled at {@code fps} frames per
     * second; {@code fps} sets {@link VideoPatches#secondPerGrid()}.
     */
    public VideoPatches video(List<RgbImage> frames, double fps) {
        if (frames.isEmpty()) {
            throw new InvalidInputException("a video needs at least one frame");
        }
        if (!(fps > 0)) {
            throw new InvalidInputException("the video frame rate must be positive, not " + fps);
        }
        RgbImage first = frames.getFirst();
        List<float[]> chw = new ArrayList<>();
        int h = 0;
        int w = 0;
        for (RgbImage f : frames) {
            if (f.width() != first.width() || f.height() != first.height()) {
                throw new InvalidInputException("video frames differ in size: " + first.width() + "x" + first.height() + " and " + f.width() + "x" + f.height());
            }
            RgbImage r = resize(f, video);
            h = r.height();
            w = r.width();
            chw.add(normalise(r, video));
        }
        while (chw.size() % video.temporalPatchSize() != 0) {
            chw.add(chw.getLast()); // an odd last frame is repeated
        }
        FloatMatrix pv = patchify(chw, h, w, video);
        int gridT = chw.size() / video.temporalPatchSize();
        return new VideoPatches(pv, gridT, h / video.patchSize(), w / video.patchSize(), video.mergeSize(),
                video.temporalPatchSize() / fps);
    }

    /** Rescale and normalise in float32 as transformers' numpy {@code rescale} and {@code normalize} do, to (c, y, x). */
    static float[] normalise(RgbImage img, VisionConfig cfg) {
        int hw = img.width() * img.height();
        float[] out = new float[3 * hw];
        byte[] rgb = img.rgb();
        float[] table = new float[3 * 256];
        float[] mean = cfg.mean();
        float[] std = cfg.std();
        for (int c = 0; c < 3; c++) {
            for (int v = 0; v < 256; v++) {
                float r = (float) (v * cfg.rescaleFactor()); // float64 multiply, then float32
                table[c * 256 + v] = (r - mean[c]) / std[c];
            }
        }
        for (int i = 0; i < hw; i++) {
            for (int c = 0; c < 3; c++) {
                out[c * hw + i] = table[c * 256 + (rgb[i * 3 + c] & 0xFF)];
            }
        }
        return out;
    }

    /**
     * Frames of (c, y, x) values to patch rows: temporal patch, then merge block row and column, then the
     * patch within the block; inside a row {@code (c, t, y, x)}. Mirrors {@code Qwen2VLVideoProcessor.patchify}
     * (the image processor's is the same with the image repeated in time).
     */
    static FloatMatrix patchify(List<float[]> frames, int height, int width, VisionConfig cfg) {
        int p = cfg.patchSize();
        int m = cfg.mergeSize();
        int tp = cfg.temporalPatchSize();
        int gh = height / p;
        int gw = width / p;
        int gt = frames.size() / tp;
        if (gh % m != 0 || gw % m != 0 || frames.size() % tp != 0) {
            throw new IllegalArgumentException("a " + width + "x" + height + " image does not split into merge blocks");
        }
        int dim = cfg.patchDim();
        FloatMatrix out = new FloatMatrix(Math.multiplyExact(gt * gh, gw), dim);
        float[] o = out.data();
        int hw = height * width;
        int row = 0;
        for (int t = 0; t < gt; t++) {
            for (int br = 0; br < gh / m; br++) {
                for (int bc = 0; bc < gw / m; bc++) {
                    for (int ir = 0; ir < m; ir++) {
                        for (int ic = 0; ic < m; ic++) {
                            int y0 = (br * m + ir) * p;
                            int x0 = (bc * m + ic) * p;
                            int base = row * dim;
                            for (int c = 0; c < 3; c++) {
                                for (int dt = 0; dt < tp; dt++) {
                                    float[] f = frames.get(t * tp + dt);
                                    for (int y = 0; y < p; y++) {
                                        System.arraycopy(f, c * hw + (y0 + y) * width + x0, o, base + ((c * tp + dt) * p + y) * p, p);
                                    }
                                }
                            }
                            row++;
                        }
                    }
                }
            }
        }
        return out;
    }
}
