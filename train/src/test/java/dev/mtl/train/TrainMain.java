package dev.mtl.train;

import dev.mtl.TestModels;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code java dev.mtl.train.TrainMain CONFIG OUTPUT [--resume]}: a training run in a child JVM, to be killed. */
public final class TrainMain {

    private TrainMain() {}

    /**
     * Starts a training run of {@code config} into {@code output} in a child JVM with one native thread
     * (bit-reproducible under any load), its output and errors to {@code log}.
     */
    static Process start(Path config, Path output, boolean resume, Path log) throws IOException {
        List<String> args = new ArrayList<>(List.of(config.toString(), output.toString()));
        if (resume) {
            args.add("--resume");
        }
        ProcessBuilder pb = new ProcessBuilder(TestModels.javaCommand(
                        TrainMain.class,
                        List.of("-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1"),
                        args.toArray(String[]::new)))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("MKL_DYNAMIC", "FALSE");
        pb.environment().put("OMP_DYNAMIC", "FALSE");
        return pb.start();
    }

    public static void main(String[] args) throws Exception {
        TrainConfig cfg = TrainConfig.load(Path.of(args[0]));
        List<Dataset> data = Dataset.readAll(cfg);
        boolean resume = args.length > 2 && args[2].equals("--resume");
        new Trainer(cfg, data, Dataset.resolveTasks(cfg, data), Path.of(args[1]), System.err::println)
                .run(resume, TrainingProgress.NONE);
    }
}
