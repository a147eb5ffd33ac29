package dev.mtl.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Progress bars on stderr (me.tongfei:progressbar), shown only on a terminal so logs stay clean. */
final class Progress {

    private Progress() {}

    /** A bar with rate and ETA, or null when not on a terminal. Max unknown until set. */
    static ProgressBar bar(String task, boolean terminal) {
        if (!terminal) {
            return null;
        }
        return new ProgressBarBuilder()
                .setTaskName(task)
                .setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .setUnit(" texts", 1)
                .showSpeed()
                .build();
    }
}
