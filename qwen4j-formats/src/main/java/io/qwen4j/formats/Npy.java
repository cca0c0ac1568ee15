package io.qwen4j.formats;

import io.qwen4j.common.ModelFileException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** NumPy {@code .npy} files (format 1.0, C order, little-endian float32 or int64/int32). */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    /** An array read from a file: float32 data (integers converted) and its shape. */
    public record Array(long[] shape, float[] data) {}

    private Npy() {}

    /** Writes a float32 array of the given shape. */
    public static void writeFloat32(Path file, float[] data, long... shape) throws IOException {
        long n = Arrays.stream(shape).reduce(1, Math::multiplyExact);
        if (n != data.length) {
            throw new IllegalArgumentException(data.length + " values for shape " + Arrays.toString(shape));
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(header("<f4", shape));
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : data) {
                if (!buf.hasRemaining()) {
                    out.write(buf.array(), 0, buf.position());
                    buf.clear();
                }
                buf.putFloat(v);
            }
            out.write(buf.array(), 0, buf.position());
        }
    }

    static byte[] header(String descr, long[] shape) {
        StringBuilder dims = new StringBuilder();
        for (long d : shape) {
            dims.append(d).append(", ");
        }
        if (shape.length > 1) {
            dims.setLength(dims.length() - 2);
        } else if (shape.length == 1) {
            dims.setLength(dims.length() - 1);
        }
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims + "), }";
        int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
        int pad = (64 - unpadded % 64) % 64;
        String text = dict + " ".repeat(pad) + "\n";
        ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 4 + text.length()).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) text.length()).put(text.getBytes(StandardCharsets.US_ASCII));
        return b.array();
    }

    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([^']+)'");
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order':\\s*(True|False)");

    /** Reads a float32, float64, int32 or int64 array (C order, little-endian) as floats. */
    public static Array read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[6];
        if (b.remaining() < 10) {
            throw new ModelFileException(file + " is not a .npy file");
        }
        b.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new ModelFileException(file + " is not a .npy file");
        }
        int major = b.get();
        b.get();
        int headerLen = major == 1 ? Short.toUnsignedInt(b.getShort()) : b.getInt();
        byte[] h = new byte[headerLen];
        b.get(h);
        String header = new String(h, StandardCharsets.US_ASCII);
        Matcher d = DESCR.matcher(header);
        Matcher s = SHAPE.matcher(header);
        Matcher f = FORTRAN.matcher(header);
        if (!d.find() || !s.find() || (f.find() && f.group(1).equals("True"))) {
            throw new ModelFileException(file + ": unsupported .npy header " + header.trim());
        }
        long[] shape = Arrays.stream(s.group(1).split(",")).map(String::trim).filter(x -> !x.isEmpty()).mapToLong(Long::parseLong).toArray();
        int n = Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact));
        float[] data = new float[n];
        switch (d.group(1)) {
            case "<f4" -> b.asFloatBuffer().get(data);
            case "<f8" -> { for (int i = 0; i < n; i++) data[i] = (float) b.getDouble(); }
            case "<i8" -> { for (int i = 0; i < n; i++) data[i] = b.getLong(); }
            case "<i4" -> { for (int i = 0; i < n; i++) data[i] = b.getInt(); }
            default -> throw new ModelFileException(file + ": unsupported .npy dtype " + d.group(1));
        }
        return new Array(shape, data);
    }
}
