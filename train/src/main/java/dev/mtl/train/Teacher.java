package dev.mtl.train;

import ai.djl.ndarray.NDManager;
import dev.mtl.Engines;
import dev.mtl.MultiTaskModel;
import dev.mtl.tokenize.PaddedBatch;
import dev.mtl.weights.SafeTensors;
import dev.mtl.weights.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The starting model's embedding of every training text that distillation holds in place, computed once
 * before the first step in the model's own forward pass (no dropout), and kept in the run directory
 * ({@value #FILE}) so that a resumed run uses the same vectors without the starting model.
 */
final class Teacher {

    static final String FILE = "teacher.safetensors";

    /** Texts per forward pass while computing the vectors. */
    private static final int BATCH = 64;

    private Teacher() {}

    /**
     * The instances of each named dataset with their teacher vectors: read from {@code dir} on resume,
     * else computed with {@code model} (which must still be the starting model) and written there.
     */
    static Map<String, List<Instance>> attach(
            MultiTaskModel model, Map<String, List<Instance>> sets, Path dir, boolean resume) throws IOException {
        Path file = dir.resolve(FILE);
        Map<String, float[][]> vectors = new LinkedHashMap<>();
        if (resume) {
            if (!Files.isRegularFile(file)) {
                throw new IOException(
                        file + ": missing; the run distils towards these vectors and cannot resume without them");
            }
            SafeTensors.read(file).forEach((name, t) -> vectors.put(name, rows(t)));
        } else {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (var e : sets.entrySet()) {
                float[][] v = embed(model, e.getValue());
                vectors.put(e.getKey(), v);
                tensors.put(e.getKey(), tensor(e.getKey(), v));
            }
            SafeTensors.write(file, tensors, Map.of("format", "pt"));
        }
        Map<String, List<Instance>> out = new LinkedHashMap<>();
        for (var e : sets.entrySet()) {
            float[][] v = vectors.get(e.getKey());
            List<Instance> set = e.getValue();
            int k = set.isEmpty() ? 0 : set.get(0).sequences().size();
            if (v == null || v.length != set.size() * k) {
                throw new IOException(file + ": no vectors for " + set.size() * k + " texts of dataset " + e.getKey());
            }
            List<Instance> with = new ArrayList<>(set.size());
            for (int i = 0; i < set.size(); i++) {
                with.add(set.get(i).withTeacher(java.util.Arrays.copyOfRange(v, i * k, (i + 1) * k)));
            }
            out.put(e.getKey(), with);
        }
        return out;
    }

    /** Row i·k + j: sequence j of instance i. Sorted by length into batches, so little is padded. */
    private static float[][] embed(MultiTaskModel model, List<Instance> set) {
        List<long[]> seqs = new ArrayList<>();
        set.forEach(in -> seqs.addAll(in.sequences()));
        int[] order = IntStream.range(0, seqs.size())
                .boxed()
                .sorted(Comparator.comparingInt(i -> seqs.get(i).length))
                .mapToInt(Integer::intValue)
                .toArray();
        float[][] out = new float[seqs.size()][];
        int dim = model.embeddingDimension();
        try (Engines.NoGrad g = Engines.noGrad()) {
            for (int start = 0; start < order.length; start += BATCH) {
                int end = Math.min(order.length, start + BATCH);
                List<long[]> batch = new ArrayList<>(end - start);
                for (int i = start; i < end; i++) {
                    batch.add(seqs.get(order[i]));
                }
                try (NDManager m = model.backbone().manager().newSubManager()) {
                    PaddedBatch p =
                            PaddedBatch.of(batch, model.backbone().tokenizer().padId());
                    float[] flat = model.forward(m, p, List.of(model.embeddingHead()), false)
                            .output(model.embeddingHead())
                            .toFloatArray();
                    for (int i = start; i < end; i++) {
                        out[order[i]] = java.util.Arrays.copyOfRange(flat, (i - start) * dim, (i - start + 1) * dim);
                    }
                }
            }
        }
        return out;
    }

    private static Tensor tensor(String name, float[][] rows) {
        int dim = rows.length == 0 ? 0 : rows[0].length;
        float[] flat = new float[rows.length * dim];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, flat, i * dim, dim);
        }
        return new Tensor(name, new long[] {rows.length, dim}, flat);
    }

    private static float[][] rows(Tensor t) {
        int n = (int) t.shape()[0];
        int dim = (int) t.shape()[1];
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            out[i] = java.util.Arrays.copyOfRange(t.data(), i * dim, (i + 1) * dim);
        }
        return out;
    }
}
