package dev.mtl.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code mtl}: the command-line tool. Each command is one class; this one only dispatches and turns
 * any failure into one line on stderr and a non-zero exit (a stack trace only with {@code --verbose}).
 */
@Command(
        name = "mtl",
        mixinStandardHelpOptions = true,
        version = "mtl 0.1.0",
        description = "Multi-task BERT on the JVM: sentence embeddings, classification, NER.",
        subcommands = {
            EmbedCommand.class,
            PredictCommand.class,
            TrainCommand.class,
            EvalCommand.class,
            ServeCommand.class
        })
public final class Main implements Runnable {

    /** Exit code for bad input or a failed run (usage errors get picocli's 2). */
    public static final int EXIT_FAILURE = 1;

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.err, true)));
    }

    /** Runs the tool; returns the exit code (used by tests without exiting the JVM). */
    public static int run(String[] args, PrintWriter err) {
        boolean verbose = java.util.Arrays.asList(args).contains("--verbose");
        CommandLine cl = new CommandLine(new Main());
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            err.println("mtl " + cmd.getCommandName() + ": " + Errors.oneLine(ex));
            if (verbose) {
                ex.printStackTrace(err);
            }
            return EXIT_FAILURE;
        });
        return cl.execute(args);
    }
}
