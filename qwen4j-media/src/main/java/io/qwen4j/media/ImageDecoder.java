package io.qwen4j.media;

import com.twelvemonkeys.imageio.metadata.Directory;
import com.twelvemonkeys.imageio.metadata.Entry;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEG;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEGSegment;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEGSegmentUtil;
import com.twelvemonkeys.imageio.metadata.tiff.TIFF;
import com.twelvemonkeys.imageio.metadata.tiff.TIFFReader;
import io.qwen4j.common.InvalidInputException;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes PNG, JPEG, GIF (first frame), BMP and WebP into {@link RgbImage}s the way Hugging Face's
 * {@code transformers.image_utils.load_image} does: {@code PIL.ImageOps.exif_transpose} (JPEG EXIF
 * orientation), then {@code Image.convert("RGB")}, which <em>drops</em> alpha (no compositing onto a
 * background), maps palette indices through the palette (ignoring its transparency), copies a grey value
 * into all three channels (16-bit grey saturating at 255, as PIL's "I;16" does), takes the high byte of
 * other 16-bit samples, converts CMYK JPEGs with PIL's {@code cmyk2rgb} and ignores embedded ICC profiles
 * (no colour management, unlike {@link BufferedImage#getRGB}).
 *
 * <p>Decoders: the JDK's ImageIO for PNG, JPEG (IJG libjpeg 6b, integer IDCT, fancy upsampling: the same
 * output as PIL's libjpeg-turbo), GIF and BMP; TwelveMonkeys' ImageIO plugin for lossless WebP; FFmpeg's
 * VP8 decoder with libwebp's colour conversion for lossy WebP ({@link WebpLossy}).
 */
public final class ImageDecoder {
    static {
        ImageIO.scanForPlugins(); // the WebP plugin, also when the class path was set after start-up
        ImageIO.setUseCache(false);
    }

    private final MediaLimits limits;

    public ImageDecoder(MediaLimits limits) {
        this.limits = limits;
    }

    public ImageDecoder() {
        this(MediaLimits.DEFAULT);
    }

    public RgbImage decode(Path file) {
        return decode(MediaFiles.read(file, limits), file.getFileName().toString());
    }

    /** Decodes an encoded image held in memory; {@code name} appears in error messages. */
    public RgbImage decode(byte[] data, String name) {
        if (data.length > limits.maxBytes()) {
            throw new InvalidInputException(name + " is " + data.length + " bytes, over the limit of " + limits.maxBytes());
        }
        checkRiffLength(data, name);
        RgbImage rgb = WebpLossy.isLossyWebp(data) ? WebpLossy.decode(data, name, limits) : toRgb(read(withoutIccProfile(data), name), name);
        int orientation = jpegOrientation(data);
        return orientation > 1 && orientation <= 8 ? Orientation.apply(rgb, orientation) : rgb;
    }

    private BufferedImage read(byte[] data, String name) {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(data))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new InvalidInputException(name + " is not an image qwen4j can read (PNG, JPEG, GIF, BMP, WebP)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                // PIL refuses a truncated image ("image file is truncated"); ImageIO only warns and fills in
                reader.addIIOReadWarningListener((source, warning) -> {
                    String w = warning.toLowerCase(java.util.Locale.ROOT);
                    if (w.contains("truncated") || w.contains("premature end")) {
                        throw new InvalidInputException(name + " is corrupt or truncated: " + warning);
                    }
                });
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > limits.maxPixels()) {
                    throw new InvalidInputException(name + " is " + reader.getWidth(0) + "x" + reader.getHeight(0)
                            + " pixels, over the limit of " + limits.maxPixels() + " pixels");
                }
                return reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof InvalidInputException iie) {
                throw iie;
            }
            throw new InvalidInputException(name + " is corrupt or truncated: " + MediaFiles.oneLine(e));
        }
    }

    /** A RIFF (WebP) file shorter than its header says is truncated; TwelveMonkeys would decode it anyway. */
    private static void checkRiffLength(byte[] d, String name) {
        if (d.length >= 12 && d[0] == 'R' && d[1] == 'I' && d[2] == 'F' && d[3] == 'F') {
            long size = (d[4] & 0xFFL) | (d[5] & 0xFFL) << 8 | (d[6] & 0xFFL) << 16 | (d[7] & 0xFFL) << 24;
            if (size + 8 > d.length) {
                throw new InvalidInputException(name + " is truncated: its header says " + (size + 8) + " bytes, the file has " + d.length);
            }
        }
    }

    /** PIL's {@code convert("RGB")} of what ImageIO decoded. */
    static RgbImage toRgb(BufferedImage image, String name) {
        int w = image.getWidth();
        int h = image.getHeight();
        ColorModel cm = image.getColorModel();
        Raster raster = image.getRaster();
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
        int bands = raster.getNumBands();
        int[] row = new int[w * bands];
        int shift = Math.max(0, raster.getSampleModel().getSampleSize(0) - 8); // 16-bit samples keep their high byte
        if (cm instanceof IndexColorModel icm) {
            for (int y = 0, o = 0; y < h; y++) {
                raster.getPixels(0, y, w, 1, row);
                for (int x = 0; x < w; x++) {
                    int i = row[x];
                    out[o++] = (byte) icm.getRed(i);
                    out[o++] = (byte) icm.getGreen(i);
                    out[o++] = (byte) icm.getBlue(i);
                }
            }
        } else if (cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY && !cm.isAlphaPremultiplied()) {
            // PIL opens 16-bit grey as "I;16" and convert("RGB") saturates it at 255; 16-bit grey with alpha
            // opens as "LA" from the high bytes
            boolean saturate = shift > 0 && bands == 1;
            for (int y = 0, o = 0; y < h; y++) {
                raster.getPixels(0, y, w, 1, row);
                for (int x = 0; x < w; x++) {
                    byte v = (byte) (saturate ? Math.min(row[x], 255) : row[x * bands] >> shift);
                    out[o++] = v;
                    out[o++] = v;
                    out[o++] = v;
                }
            }
        } else if (cm.getColorSpace().getType() == ColorSpace.TYPE_RGB && cm.getNumColorComponents() == 3 && !cm.isAlphaPremultiplied()) {
            // sRGB or an embedded ICC profile: PIL ignores the profile and keeps the decoded samples
            for (int y = 0, o = 0; y < h; y++) {
                raster.getPixels(0, y, w, 1, row);
                for (int x = 0; x < w; x++) {
                    out[o++] = (byte) (row[x * bands] >> shift);
                    out[o++] = (byte) (row[x * bands + 1] >> shift);
                    out[o++] = (byte) (row[x * bands + 2] >> shift);
                }
            }
        } else if (cm.getColorSpace().getType() == ColorSpace.TYPE_CMYK && bands == 4 && shift == 0) {
            // CMYK as PIL holds it (the JDK inverts Adobe CMYK as PIL's "CMYK;I" does), then Pillow's cmyk2rgb
            for (int y = 0, o = 0; y < h; y++) {
                raster.getPixels(0, y, w, 1, row);
                for (int x = 0; x < w; x++) {
                    int nk = 255 - row[x * 4 + 3];
                    for (int c = 0; c < 3; c++) {
                        int tmp = row[x * 4 + c] * nk + 128; // MULDIV255
                        out[o++] = (byte) Math.clamp(nk - (((tmp >> 8) + tmp) >> 8), 0, 255);
                    }
                }
            }
        } else {
            // Anything else (premultiplied alpha, other colour spaces): Java's conversion to sRGB.
            for (int y = 0, o = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int argb = image.getRGB(x, y);
                    out[o++] = (byte) (argb >> 16);
                    out[o++] = (byte) (argb >> 8);
                    out[o++] = (byte) argb;
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    /**
     * A JPEG without its APP2 ICC_PROFILE segments, anything else unchanged. The JDK's JPEG reader converts
     * pixels from an embedded profile to sRGB; PIL keeps the decoded samples, so the profile goes.
     */
    static byte[] withoutIccProfile(byte[] data) {
        if (data.length < 4 || (data[0] & 0xFF) != 0xFF || (data[1] & 0xFF) != 0xD8) {
            return data;
        }
        byte[] icc = "ICC_PROFILE\0".getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length);
        out.write(data, 0, 2);
        int p = 2;
        boolean stripped = false;
        while (p + 4 <= data.length && (data[p] & 0xFF) == 0xFF) {
            int marker = data[p + 1] & 0xFF;
            if (marker == 0xDA || marker == 0xD9) {
                break; // start of scan: the rest is entropy-coded data
            }
            int len = ((data[p + 2] & 0xFF) << 8) | (data[p + 3] & 0xFF);
            if (len < 2 || p + 2 + len > data.length) {
                break; // malformed: leave the rest to the decoder, which will say so
            }
            if (marker == 0xE2 && len - 2 >= icc.length && Arrays.equals(data, p + 4, p + 4 + icc.length, icc, 0, icc.length)) {
                stripped = true;
            } else {
                out.write(data, p, 2 + len);
            }
            p += 2 + len;
        }
        if (!stripped) {
            return data;
        }
        out.write(data, p, data.length - p);
        return out.toByteArray();
    }

    /** The EXIF orientation (1..8) of a JPEG, or 1 when it has none or is not a JPEG. */
    static int jpegOrientation(byte[] data) {
        if (data.length < 4 || (data[0] & 0xFF) != 0xFF || (data[1] & 0xFF) != 0xD8) {
            return 1;
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(data))) {
            List<JPEGSegment> exif = JPEGSegmentUtil.readSegments(in, JPEG.APP1, "Exif");
            if (exif.isEmpty()) {
                return 1;
            }
            try (InputStream payload = exif.getFirst().data(); ImageInputStream tiff = ImageIO.createImageInputStream(skipExifHeader(payload))) {
                Directory ifd0 = new TIFFReader().read(tiff);
                Entry e = ifd0.getEntryById(TIFF.TAG_ORIENTATION);
                return e != null && e.getValue() instanceof Number n ? n.intValue() : 1;
            }
        } catch (IOException | RuntimeException e) {
            return 1; // unreadable metadata leaves the image as stored, as PIL does
        }
    }

    private static InputStream skipExifHeader(InputStream payload) throws IOException {
        // The segment reads as "Exif\0\0" + TIFF, or (TwelveMonkeys strips "Exif\0") "\0" + TIFF
        byte[] all = payload.readAllBytes();
        int start = 0;
        while (start < all.length && all[start] != 'I' && all[start] != 'M') {
            start++;
        }
        return new ByteArrayInputStream(all, start, all.length - start);
    }
}
