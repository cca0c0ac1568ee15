package io.qwen4j.media;

import io.qwen4j.common.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reading input files under {@link MediaLimits}, and one-line error text. */
final class MediaFiles {
    private MediaFiles() {}

    static byte[] read(Path file, MediaLimits limits) {
        checkSize(file, limits);
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read " + file + ": " + oneLine(e));
        }
    }

    static void checkSize(Path file, MediaLimits limits) {
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(file + " does not exist");
        } catch (IOException e) {
            throw new InvalidInputException("cannot read " + file + ": " + oneLine(e));
        }
        if (Files.isDirectory(file)) {
            throw new InvalidInputException(file + " is a folder, not a media file");
        }
        if (size > limits.maxBytes()) {
            throw new InvalidInputException(file.getFileName() + " is " + size + " bytes, over the limit of " + limits.maxBytes() + " bytes");
        }
        if (size == 0) {
            throw new InvalidInputException(file.getFileName() + " is empty");
        }
    }

    static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
