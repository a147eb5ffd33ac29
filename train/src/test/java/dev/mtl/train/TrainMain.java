package dev.mtl.train;

import java.nio.file.Path;
import java.util.List;

/** {@code java dev.mtl.train.TrainMain CONFIG OUTPUT [--resume]}: a training run in a child JVM, to be killed. */
public final class TrainMain {

    private TrainMain() {}

    public static void main(String[] args) throws Exception {
        TrainConfig cfg = TrainConfig.load(Path.of(args[0]));
        List<Dataset> data = Dataset.readAll(cfg);
        boolean resume = args.length > 2 && args[2].equals("--resume");
        new Trainer(cfg, data, Dataset.resolveTasks(cfg, data), Path.of(args[1]), System.err::println)
                .run(resume, TrainingProgress.NONE);
    }
}
