package io.qwen4j.formats;

import io.qwen4j.common.ModelFileException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Maps a whole weight file read-only in its own arena, which the parsed result then owns. */
final class MappedFile {
    /** Parses a mapped file; the arena is closed if it throws. */
    @FunctionalInterface
    interface Parser<T> {
        T parse(Arena arena, MemorySegment mapped, long size);
    }

    private MappedFile() {}

    static <T> T open(Path path, Parser<T> parser) {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            return parser.parse(arena, ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena), size);
        } catch (NoSuchFileException e) {
            arena.close();
            throw new ModelFileException(path + " does not exist");
        } catch (IOException e) {
            arena.close();
            throw new ModelFileException("cannot read " + path + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** The error for a tensor whose data run past the end of the file. */
    static ModelFileException truncated(Path path, String tensor, long neededEnd, long size) {
        return new ModelFileException(path.getFileName() + " is truncated: tensor " + tensor + " needs bytes up to " + neededEnd
                + " but the file has " + size + " (" + path + "); download it again");
    }
}
