package io.qwen4j.formats;

/** Progress of long work (converting, quantizing), reported as units done of a total; the CLI draws a bar. */
@FunctionalInterface
public interface Progress {
    Progress NONE = (task, done, total) -> {};

    /** {@code done} of {@code total} units of {@code task} are finished; called with done == total at the end. */
    void update(String task, long done, long total);
}
