package io.qwen4j.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qwen4j.common.InvalidInputException;
import io.qwen4j.tensor.FloatMatrix;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Image decoding against PIL and image preprocessing against Qwen2VLImageProcessorPil (transformers 5.18). */
class ImageGoldenTest {
    private static MediaGoldens g;
    private static final VisionProcessor PROC = new VisionProcessor();

    @BeforeAll
    static void open() {
        g = MediaGoldens.open("images");
    }

    @AfterAll
    static void close() {
        g.close();
    }

    @Test
    void decodesLikePil() {
        ImageDecoder dec = new ImageDecoder();
        List<String> failures = new ArrayList<>();
        for (JsonNode n : g.get("files")) {
            String name = n.asText();
            String key = "file." + name;
            JsonNode m = g.get(key);
            RgbImage img = dec.decode(MediaGoldens.file("images", name));
            assertEquals(m.get("decoded_hw").get(0).asInt(), img.height(), name + " height");
            assertEquals(m.get("decoded_hw").get(1).asInt(), img.width(), name + " width");
            long[] rows = g.i64(key + ".decoded.row_index");
            byte[] ref = g.u8(key + ".decoded.rows");
            int rowBytes = img.width() * 3;
            int maxErr = 0;
            for (int i = 0; i < rows.length; i++) {
                for (int j = 0; j < rowBytes; j++) {
                    int a = img.rgb()[(int) rows[i] * rowBytes + j] & 0xFF;
                    int b = ref[i * rowBytes + j] & 0xFF;
                    maxErr = Math.max(maxErr, Math.abs(a - b));
                }
            }
            boolean exact = MediaGoldens.sha256(img.rgb()).equals(m.get("decoded_sha256").asText());
            MediaGoldens.report("decode " + name + " (" + m.get("pil_mode").asText() + ")", "%s, max abs error %d levels on sampled rows",
                    exact ? "identical to PIL" : "differs from PIL", maxErr);
            if (maxErr > 0 || !exact) { // every format decodes bit-identically to PIL
                failures.add(name + " (max abs error " + maxErr + ")");
            }
        }
        assertTrue(failures.isEmpty(), "decoded pixels differ from PIL's: " + failures);
    }

    @Test
    void processesDecodedFilesLikeHf() {
        ImageDecoder dec = new ImageDecoder();
        for (JsonNode n : g.get("files")) {
            String name = n.asText();
            String key = "file." + name;
            RgbImage img = dec.decode(MediaGoldens.file("images", name));
            // The processor's input is PIL's decoding: where ours differs (lossy WebP), feed it PIL's only
            // when it is exactly known; otherwise compare grids and report.
            boolean exact = MediaGoldens.sha256(img.rgb()).equals(g.get(key).get("decoded_sha256").asText());
            check(key, img, VisionConfig.OMNI_IMAGE, exact);
        }
    }

    @Test
    void processesSyntheticImagesLikeHf() {
        for (var e : g.get("synthetic").properties()) {
            int h = e.getValue().get(0).asInt();
            int w = e.getValue().get(1).asInt();
            check("synthetic." + e.getKey(), MediaGoldens.pattern(h, w), VisionConfig.OMNI_IMAGE, true);
        }
    }

    @Test
    void honoursOtherPixelLimits() {
        RgbImage rocket = new ImageDecoder().decode(MediaGoldens.file("images", "rocket.jpg"));
        check("limits.rocket-max50k", rocket, VisionConfig.OMNI_IMAGE.withPixels(3136, 50000), true);
        check("limits.rocket-min800k", rocket, VisionConfig.OMNI_IMAGE.withPixels(800000, 4000000), true);
    }

    private static void check(String key, RgbImage img, VisionConfig cfg, boolean exactInput) {
        JsonNode m = g.get(key);
        VisionProcessor proc = new VisionProcessor(cfg, VisionConfig.OMNI_VIDEO);
        ImagePatches p = proc.image(img);
        int[] grid = {p.gridT(), p.gridH(), p.gridW()};
        int[] refGrid = {m.get("grid_thw").get(0).asInt(), m.get("grid_thw").get(1).asInt(), m.get("grid_thw").get(2).asInt()};
        assertArrayEquals(refGrid, grid, key + " grid_thw");
        assertEquals(m.get("tokens").asInt(), p.tokens(), key + " tokens");
        FloatMatrix pv = p.pixelValues();
        assertEquals(m.get("pixel_values").get("shape").get(0).asInt(), pv.rows(), key + " rows");
        assertEquals(cfg.patchDim(), pv.cols());
        long[] rows = g.i64(key + ".pixel_values.row_index");
        float[] ref = g.f32(key + ".pixel_values.rows");
        float[] ours = new float[ref.length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(pv.data(), pv.offset((int) rows[i]), ours, i * pv.cols(), pv.cols());
        }
        double err = MediaGoldens.maxAbs(ours, ref);
        boolean exact = MediaGoldens.sha256(Arrays.copyOf(pv.data(), pv.rows() * pv.cols())).equals(m.get("pixel_values").get("sha256").asText());
        RgbImage resized = VisionProcessor.resize(img, cfg);
        boolean resizedExact = MediaGoldens.sha256(resized.rgb()).equals(m.get("resized_sha256").asText());
        MediaGoldens.report("pixel_values " + key, "grid %s, max abs error %.3g on sampled rows, all %d rows %s", Arrays.toString(grid), err,
                pv.rows(), exact ? "bit-identical" : "NOT identical");
        if (exactInput) {
            assertTrue(resizedExact, key + ": resized image differs from PIL's bicubic resize");
            assertTrue(exact, key + ": pixel_values differ from HF (max abs error on sampled rows " + err + ")");
        } else {
            assertTrue(err <= 0.1, key + ": pixel_values far from HF: " + err);
        }
        if (g.has(key + ".pixel_values")) {
            assertArrayEquals(g.f32(key + ".pixel_values"), Arrays.copyOf(pv.data(), pv.rows() * pv.cols()), key + " pixel_values");
        }
    }

    @Test
    void smartResizeMatchesHf() {
        for (JsonNode c : g.get("smart_resize")) {
            int h = c.get(0).asInt();
            int w = c.get(1).asInt();
            if (c.get(2).asInt() < 0) {
                assertThrows(InvalidInputException.class, () -> SmartResize.of(h, w, 32, 3136, 12_845_056), h + "x" + w);
            } else {
                SmartResize.Size s = SmartResize.of(h, w, 32, 3136, 12_845_056);
                assertEquals(c.get(2).asInt(), s.height(), h + "x" + w + " height");
                assertEquals(c.get(3).asInt(), s.width(), h + "x" + w + " width");
            }
        }
    }
}
