package dev.mtl.bench;

import java.util.Arrays;
import picocli.CommandLine;

/**
 * How every benchmark starts and ends, on either class path (the bench module's or the spark
 * module's): DJL offline, one line on stderr for a failure, a stack trace only with {@code --verbose}.
 * Depends on picocli alone, so that {@link SparkBench} can use it without the bench module's libraries.
 */
final class BenchRunner {

    private BenchRunner() {}

    /** Runs the command and returns its exit code: 2 for bad arguments, 1 for a failed run. */
    static int execute(Object command, String[] args) {
        // Before anything touches DJL: no telemetry, no downloads.
        System.setProperty("ai.djl.offline", "true");
        boolean verbose = Arrays.asList(args).contains("--verbose");
        CommandLine cli = new CommandLine(command);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (verbose) {
                e.printStackTrace();
            }
            String msg = e.getMessage() == null ? e.toString() : e.getMessage();
            cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + msg);
            return e instanceof IllegalArgumentException ? 2 : 1;
        });
        return cli.execute(args);
    }

    /** Ends the JVM: langchain4j's, ONNX Runtime's and Spark's pools are not daemon threads. */
    static void exit(int code) {
        System.exit(code);
    }
}
