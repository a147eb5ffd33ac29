package dev.mtl.bench;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code mtl bench}: benchmarks that print numbers. Parsing and messages only; each subcommand is its
 * own class. {@code spark} is listed here but runs as {@link SparkBench} on the spark module's class
 * path, which the launcher sets up.
 */
@Command(
        name = "mtl bench",
        mixinStandardHelpOptions = true,
        version = "mtl bench 0.1.0",
        subcommands = {
            EmbedBench.class,
            TrainBench.class,
            TrainSoak.class,
            ServeBench.class,
            ServeSoak.class,
            BenchMain.Spark.class
        },
        description = {
            "Benchmarks of mtl, each against a peer measured in the same run: they print numbers and"
                    + " ratios, and assert nothing.",
        },
        footer = {"", "'mtl bench COMMAND --help' shows a benchmark's options."})
public final class BenchMain implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        BenchRunner.exit(BenchRunner.execute(new BenchMain(), args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /**
     * Stands for {@link SparkBench} in the list: Spark pins its own Jackson, so that benchmark cannot
     * run on this class path. The description is a compile-time constant, so Spark is never loaded.
     */
    @Command(
            name = "spark",
            mixinStandardHelpOptions = true,
            description = {
                SparkBench.DESCRIPTION,
                "Runs on the spark module's class path: start it with ./mtl bench spark."
            })
    static final class Spark implements Callable<Integer> {

        @CommandLine.Unmatched
        List<String> args;

        @Override
        public Integer call() {
            throw new IllegalStateException(
                    "runs on the spark module's class path (Spark pins its own Jackson): start it with ./mtl bench spark");
        }
    }
}
