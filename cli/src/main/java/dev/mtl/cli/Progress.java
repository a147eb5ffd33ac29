package dev.mtl.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarStyle;

/** Progress bars on stderr (me.tongfei:progressbar), shown only on a terminal so logs stay clean. */
final class Progress {

    /** A maximum not known in advance (stdin): the bar shows a count and a rate, no percentage or ETA. */
    static final long UNKNOWN = -1;

    private Progress() {}

    /** True when stderr is an interactive terminal; a pipe or a log file gets no bar. */
    static boolean terminal() {
        return System.console() != null;
    }

    /** A bar with rate and ETA (when {@code max} is known) on stderr. */
    static ProgressBar onStderr(String task, long max) {
        return bar(task, max, new ConsoleProgressBarConsumer(System.err));
    }

    /** A bar over {@code max} texts ({@link #UNKNOWN}: open-ended) drawn by {@code consumer}. */
    static ProgressBar bar(String task, long max, ProgressBarConsumer consumer) {
        return new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(max)
                .setStyle(ProgressBarStyle.ASCII)
                .setConsumer(consumer)
                .setUnit(" texts", 1)
                .showSpeed()
                .build();
    }
}
