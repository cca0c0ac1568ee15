package io.qwen4j.cli;

import io.qwen4j.formats.Progress;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** {@link Progress} drawn as a bar on stderr (me.tongfei:progressbar), for work big enough to wait for. */
final class ProgressBars implements Progress {
    /** Below this many units (bytes or values) nothing is drawn: tiny models finish before a bar means anything. */
    private static final long MIN_UNITS = 64L << 20;

    private ProgressBar bar;
    private String task;

    @Override
    public synchronized void update(String task, long done, long total) {
        if (total < MIN_UNITS) {
            return;
        }
        if (bar == null || !task.equals(this.task)) {
            close();
            this.task = task;
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setUnit("M", 1 << 20)
                    .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(System.err))
                    .setUpdateIntervalMillis(250).continuousUpdate().build();
        }
        bar.stepTo(done);
        if (done >= total) {
            close();
        }
    }

    private void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
