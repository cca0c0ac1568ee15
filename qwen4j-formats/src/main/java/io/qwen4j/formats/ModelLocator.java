package io.qwen4j.formats;

import io.qwen4j.common.ModelFileException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds a model from what the user typed: a folder or file path, or a Hugging Face repo id such as
 * {@code Qwen/Qwen3-0.6B} resolved in the local Hugging Face cache as huggingface_hub does: the cache
 * root is {@code $HF_HUB_CACHE}, else {@code $HF_HOME/hub}, else {@code $XDG_CACHE_HOME/huggingface/hub},
 * else {@code ~/.cache/huggingface/hub}; the repo lives in {@code models--Qwen--Qwen3-0.6B/}, whose
 * {@code refs/main} names the commit whose {@code snapshots/<commit>/} holds the files (usually symlinks
 * into {@code blobs/}).
 *
 * <p>Syntax: {@code owner/name[@revision][:file-pattern]}; the revision is a branch or tag with a ref,
 * or a commit hash; the file pattern picks one {@code .gguf} in repos that hold several (e.g.
 * {@code Qwen/Qwen3-0.6B-GGUF:Q8_0}).
 */
public final class ModelLocator {
    private static final Pattern REPO_ID = Pattern.compile("^([A-Za-z0-9][\\w.-]*)/([\\w.-]+)(?:@([\\w./-]+?))?(?::([\\w.*-]+))?$");

    private final Map<String, String> env;

    public ModelLocator(Map<String, String> env) {
        this.env = env;
    }

    /** A locator reading the process environment. */
    public static ModelLocator fromEnvironment() {
        return new ModelLocator(System.getenv());
    }

    /** The folder or file to load for {@code spec}. */
    public Path resolve(String spec) {
        Path asPath = Path.of(spec);
        if (Files.exists(asPath)) {
            return asPath;
        }
        Matcher m = REPO_ID.matcher(spec);
        if (!m.matches() || spec.startsWith("./") || spec.startsWith("../")) {
            throw new ModelFileException(spec + " does not exist (give a model folder, a .gguf file, or a Hugging Face repo id like Qwen/Qwen3-0.6B)");
        }
        String repo = m.group(1) + "/" + m.group(2);
        String revision = m.group(3) == null ? "main" : m.group(3);
        Path root = cacheRoot();
        Path repoDir = root.resolve("models--" + repo.replace("/", "--"));
        if (!Files.isDirectory(repoDir)) {
            throw new ModelFileException(repo + " is not a folder here and not in the Hugging Face cache (" + root
                    + "); download it with `hf download " + repo + "` (pip install huggingface_hub) or give the model's folder");
        }
        Path snapshot = snapshot(repo, repoDir, revision);
        return pickFiles(repo, snapshot, m.group(4));
    }

    /** The hub cache folder, as huggingface_hub computes it. */
    public Path cacheRoot() {
        String hubCache = firstNonBlank(env.get("HF_HUB_CACHE"), env.get("HUGGINGFACE_HUB_CACHE"));
        if (hubCache != null) {
            return Path.of(hubCache);
        }
        String hfHome = env.get("HF_HOME");
        if (!isBlank(hfHome)) {
            return Path.of(hfHome, "hub");
        }
        String xdg = env.get("XDG_CACHE_HOME");
        if (!isBlank(xdg)) {
            return Path.of(xdg, "huggingface", "hub");
        }
        String home = firstNonBlank(env.get("HOME"), System.getProperty("user.home"));
        return Path.of(home, ".cache", "huggingface", "hub");
    }

    private static Path snapshot(String repo, Path repoDir, String revision) {
        Path ref = repoDir.resolve("refs").resolve(revision);
        String commit = revision;
        if (Files.isRegularFile(ref)) {
            try {
                commit = Files.readString(ref, StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new ModelFileException("cannot read " + ref + ": " + e.getMessage());
            }
        }
        Path snap = repoDir.resolve("snapshots").resolve(commit);
        if (!Files.isDirectory(snap)) {
            throw new ModelFileException(repo + " has no snapshot for revision '" + revision + "' in " + repoDir
                    + " (snapshots: " + list(repoDir.resolve("snapshots")) + "); download it with `hf download " + repo
                    + ("main".equals(revision) ? "" : " --revision " + revision) + "`");
        }
        return snap;
    }

    private static Path pickFiles(String repo, Path snapshot, String pattern) {
        if (pattern == null && (Files.isRegularFile(snapshot.resolve("config.json")))) {
            return snapshot;
        }
        List<Path> ggufs;
        try (Stream<Path> s = Files.list(snapshot)) {
            ggufs = s.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gguf")).sorted().toList();
        } catch (IOException e) {
            throw new ModelFileException("cannot list " + snapshot + ": " + e.getMessage());
        }
        List<Path> candidates = ggufs;
        if (pattern != null) {
            String needle = pattern.toLowerCase(Locale.ROOT);
            candidates = ggufs.stream().filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).contains(needle)).toList();
        }
        // the mmproj file of a multimodal pair is never the model itself
        List<Path> models = candidates.stream().filter(p -> !p.getFileName().toString().toLowerCase(Locale.ROOT).startsWith("mmproj")).toList();
        if (models.size() == 1) {
            return models.get(0);
        }
        if (models.isEmpty()) {
            throw new ModelFileException(repo + " (" + snapshot + ") holds no config.json" + (pattern == null ? "" : " and no .gguf matching '" + pattern + "'")
                    + (ggufs.isEmpty() ? "" : "; its GGUF files: " + names(ggufs)));
        }
        throw new ModelFileException(repo + " holds several GGUF files: " + names(models) + "; pick one with " + repo + ":QUANT, e.g. " + repo + ":Q8_0");
    }

    private static String names(List<Path> files) {
        return String.join(", ", files.stream().map(p -> p.getFileName().toString()).toList());
    }

    private static String list(Path dir) {
        if (!Files.isDirectory(dir)) {
            return "none";
        }
        try (Stream<Path> s = Files.list(dir)) {
            List<String> n = s.map(p -> p.getFileName().toString()).sorted().toList();
            return n.isEmpty() ? "none" : String.join(", ", n);
        } catch (IOException e) {
            return "unreadable";
        }
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }

    private static String firstNonBlank(String... values) {
        for (String v : values) {
            if (!isBlank(v)) {
                return v;
            }
        }
        return null;
    }
}
