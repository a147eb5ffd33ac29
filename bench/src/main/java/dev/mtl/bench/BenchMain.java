package dev.mtl.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code mtl bench}: benchmarks that print numbers. Parsing and messages only; each subcommand is its
 * own class.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        subcommands = {EmbedBench.class, TrainBench.class, ServeBench.class},
        description = "Benchmarks of mtl against its peers.")
public final class BenchMain implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // Before anything touches DJL: no telemetry, no downloads.
        System.setProperty("ai.djl.offline", "true");
        CommandLine cli = new CommandLine(new BenchMain());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            boolean verbose = cmd.getCommand() instanceof EmbedBench b && b.verbose;
            if (verbose) {
                e.printStackTrace();
            }
            String msg = e.getMessage() == null ? e.toString() : e.getMessage();
            cmd.getErr().println("mtl bench " + cmd.getCommandName() + ": " + msg);
            return e instanceof IllegalArgumentException ? 2 : 1;
        });
        int code = cli.execute(args);
        // langchain4j's and ONNX Runtime's pools are not daemon threads: leave explicitly.
        System.exit(code);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand (embed)");
    }
}
