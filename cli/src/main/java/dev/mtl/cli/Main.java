package dev.mtl.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * {@code mtl}: the command-line tool. Each command is one class; this one only dispatches and turns
 * any failure into one line on stderr and a non-zero exit (a stack trace only with {@code --verbose}).
 * Help, version and {@code --verbose} are declared here once and inherited by every command, so they
 * go before or after the command name alike.
 */
@Command(
        name = "mtl",
        scope = CommandLine.ScopeType.INHERIT,
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Multi-task BERT on the JVM: sentence embeddings, classification, NER.",
        subcommands = {
            EmbedCommand.class,
            PredictCommand.class,
            TrainCommand.class,
            EvalCommand.class,
            ServeCommand.class,
            ExportCommand.class
        })
public final class Main implements Runnable {

    /** Exit code for bad input or a failed run (usage errors get picocli's 2). */
    public static final int EXIT_FAILURE = 1;

    @Option(
            names = "--verbose",
            scope = CommandLine.ScopeType.INHERIT,
            description = "Show the stack trace after an error message.")
    boolean verbose;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.err, true)));
    }

    /** Runs the tool; returns the exit code (used by tests and benchmarks without exiting the JVM). */
    public static int run(String[] args, PrintWriter err) {
        return run(args, new PrintWriter(System.out, true), err);
    }

    /** As {@link #run(String[], PrintWriter)}, with help and version text going to {@code out}. */
    static int run(String[] args, PrintWriter out, PrintWriter err) {
        Main main = new Main();
        CommandLine cl = new CommandLine(main);
        cl.setOut(out);
        cl.setErr(err);
        // Both handlers run after parsing, so main.verbose holds the flag wherever it was given.
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            err.println(cmd.getCommandSpec().qualifiedName() + ": " + Errors.oneLine(ex));
            if (main.verbose) {
                ex.printStackTrace(err);
            }
            return EXIT_FAILURE;
        });
        cl.setParameterExceptionHandler((ex, arguments) -> {
            CommandLine cmd = ex.getCommandLine();
            String name = cmd.getCommandSpec().qualifiedName();
            err.println(name + ": " + usageError(ex) + " (see '" + name + " --help')");
            if (main.verbose) {
                ex.printStackTrace(err);
            }
            return cmd.getCommandSpec().exitCodeOnInvalidInput();
        });
        return cl.execute(args);
    }

    /**
     * picocli's message on one line, with its spelling suggestion for a mistyped option. A mistyped
     * required option is reported as what it is, not as the required option missing.
     */
    private static String usageError(ParameterException ex) {
        CommandLine cmd = ex.getCommandLine();
        ParameterException e = ex instanceof UnmatchedArgumentException
                        || cmd.getUnmatchedArguments().isEmpty()
                ? ex
                : new UnmatchedArgumentException(cmd, cmd.getUnmatchedArguments());
        String msg = Errors.oneLine(e);
        if (e instanceof UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
            msg += "; did you mean " + String.join(" or ", u.getSuggestions()) + "?";
        }
        return msg;
    }
}
