package dev.mtl.bench;

import picocli.CommandLine.Option;

/** {@code --verbose} for every benchmark; {@link BenchRunner} acts on it (a stack trace with an error). */
final class VerboseOption {

    @Option(names = "--verbose", description = "Show stack traces on errors.")
    boolean verbose;
}
