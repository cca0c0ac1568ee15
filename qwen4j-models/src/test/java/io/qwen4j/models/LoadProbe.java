package io.qwen4j.models;

import io.qwen4j.core.Batch;
import io.qwen4j.core.CausalLm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Load time and resident memory of a model, to show that a GGUF is mapped, not copied: resident memory
 * right after loading stays small (only norms are read), file-backed pages come in as a forward pass
 * touches the weights. Not a test; run by hand with {@code java ... io.qwen4j.models.LoadProbe FILE.gguf}.
 */
public final class LoadProbe {
    private LoadProbe() {}

    static String rss() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS") || line.startsWith("RssAnon") || line.startsWith("RssFile")) {
                sb.append(line.replaceAll("\\s+", " ")).append("; ");
            }
        }
        return sb.toString();
    }

    public static void main(String[] args) throws IOException {
        System.out.println("before load: " + rss());
        long t0 = System.nanoTime();
        try (CausalLm model = Architectures.load(Path.of(args[0]), LoadOptions.defaults())) {
            double ms = (System.nanoTime() - t0) / 1e6;
            System.out.printf(Locale.ROOT, "loaded %s (%s, %.0f MB of weights) in %.0f ms%n", args[0], model.info().weightTypes(),
                    model.info().weightBytes() / 1e6, ms);
            System.out.println("after load:  " + rss());
            long t1 = System.nanoTime();
            model.forward(Batch.of(model.newCache(8), new int[] {1, 2, 3, 4, 5, 6, 7, 8}, false));
            System.out.printf(Locale.ROOT, "first forward (8 tokens) %.0f ms%n", (System.nanoTime() - t1) / 1e6);
            System.out.println("after forward: " + rss());
        }
    }
}
