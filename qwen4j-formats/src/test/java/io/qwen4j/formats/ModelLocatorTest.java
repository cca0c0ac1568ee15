package io.qwen4j.formats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qwen4j.common.ModelFileException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resolution in a cache laid out as huggingface_hub lays it out: {@code models--org--name/blobs/<sha>},
 * {@code refs/main} holding the commit, {@code snapshots/<commit>/<file>} symlinks to {@code ../../blobs/<sha>}.
 */
class ModelLocatorTest {
    static final String COMMIT_A = "0123456789abcdef0123456789abcdef01234567";
    static final String COMMIT_B = "fedcba9876543210fedcba9876543210fedcba98";

    @TempDir
    Path tmp;

    /** Adds a file to a snapshot the way huggingface_hub does: content in blobs/, a relative symlink in the snapshot. */
    static void addFile(Path repoDir, String commit, String name, String content) throws IOException {
        String blob = Integer.toHexString(content.hashCode()) + "0".repeat(32);
        Path blobs = Files.createDirectories(repoDir.resolve("blobs"));
        Files.writeString(blobs.resolve(blob), content, StandardCharsets.UTF_8);
        Path snap = Files.createDirectories(repoDir.resolve("snapshots").resolve(commit));
        Files.createSymbolicLink(snap.resolve(name), Path.of("..", "..", "blobs", blob));
    }

    Path hubWithQwen() throws IOException {
        Path hub = tmp.resolve("hf-home").resolve("hub");
        Path repo = hub.resolve("models--Qwen--Qwen3-0.6B");
        addFile(repo, COMMIT_A, "config.json", "{\"model_type\": \"qwen3\"}");
        addFile(repo, COMMIT_A, "model.safetensors", "weights-a");
        addFile(repo, COMMIT_B, "config.json", "{\"model_type\": \"qwen3\", \"rev\": 2}");
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs").resolve("main"), COMMIT_A);
        Files.writeString(repo.resolve("refs").resolve("v2"), COMMIT_B);
        return hub;
    }

    @Test
    void repoIdResolvesThroughRefsMainToTheSnapshot() throws IOException {
        Path hub = hubWithQwen();
        Path p = new ModelLocator(Map.of("HF_HOME", hub.getParent().toString())).resolve("Qwen/Qwen3-0.6B");
        assertEquals(hub.resolve("models--Qwen--Qwen3-0.6B/snapshots/" + COMMIT_A), p);
        // the snapshot's files are symlinks into blobs/ and read through
        assertTrue(Files.isSymbolicLink(p.resolve("config.json")));
        assertEquals("weights-a", Files.readString(p.resolve("model.safetensors")));
    }

    @Test
    void revisionsByRefAndByCommit() throws IOException {
        Path hub = hubWithQwen();
        ModelLocator loc = new ModelLocator(Map.of("HF_HUB_CACHE", hub.toString()));
        assertEquals(COMMIT_B, loc.resolve("Qwen/Qwen3-0.6B@v2").getFileName().toString());
        assertEquals(COMMIT_B, loc.resolve("Qwen/Qwen3-0.6B@" + COMMIT_B).getFileName().toString());
        ModelFileException e = assertThrows(ModelFileException.class, () -> loc.resolve("Qwen/Qwen3-0.6B@nope"));
        assertTrue(e.getMessage().contains("nope") && e.getMessage().contains(COMMIT_A), e.getMessage());
    }

    @Test
    void cacheRootFollowsHuggingfaceHubPrecedence() {
        assertEquals(Path.of("/a"), new ModelLocator(Map.of("HF_HUB_CACHE", "/a", "HF_HOME", "/b")).cacheRoot());
        assertEquals(Path.of("/b/hub"), new ModelLocator(Map.of("HF_HOME", "/b", "XDG_CACHE_HOME", "/c")).cacheRoot());
        assertEquals(Path.of("/c/huggingface/hub"), new ModelLocator(Map.of("XDG_CACHE_HOME", "/c", "HOME", "/h")).cacheRoot());
        assertEquals(Path.of("/h/.cache/huggingface/hub"), new ModelLocator(Map.of("HOME", "/h")).cacheRoot());
    }

    @Test
    void ggufReposPickOneFileByPattern() throws IOException {
        Path hub = tmp.resolve("hub");
        Path repo = hub.resolve("models--Qwen--Qwen3-0.6B-GGUF");
        addFile(repo, COMMIT_A, "Qwen3-0.6B-Q8_0.gguf", "q8");
        addFile(repo, COMMIT_A, "Qwen3-0.6B-Q4_K_M.gguf", "q4");
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), COMMIT_A);
        ModelLocator loc = new ModelLocator(Map.of("HF_HUB_CACHE", hub.toString()));
        assertEquals("Qwen3-0.6B-Q8_0.gguf", loc.resolve("Qwen/Qwen3-0.6B-GGUF:q8_0").getFileName().toString());
        ModelFileException e = assertThrows(ModelFileException.class, () -> loc.resolve("Qwen/Qwen3-0.6B-GGUF"));
        assertTrue(e.getMessage().contains("Q4_K_M") && e.getMessage().contains(":QUANT"), e.getMessage());
    }

    @Test
    void absentRepoSaysHowToGetIt() {
        ModelFileException e = assertThrows(ModelFileException.class,
                () -> new ModelLocator(Map.of("HF_HUB_CACHE", tmp.toString())).resolve("Qwen/Qwen3-8B"));
        assertTrue(e.getMessage().contains("hf download Qwen/Qwen3-8B"), e.getMessage());
        assertTrue(e.getMessage().contains(tmp.toString()), e.getMessage());
    }

    @Test
    void plainPathsWinAndMissingPathsAreExplained() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("Qwen").resolve("local"));
        assertEquals(dir, new ModelLocator(Map.of()).resolve(dir.toString()));
        ModelFileException e = assertThrows(ModelFileException.class, () -> new ModelLocator(Map.of()).resolve("./not/here"));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }
}
