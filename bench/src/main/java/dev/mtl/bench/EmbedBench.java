package dev.mtl.bench;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.mtl.EngineKind;
import dev.mtl.MultiTaskModel;
import dev.mtl.onnx.ExportOptions;
import dev.mtl.onnx.OnnxExport;
import dev.mtl.onnx.OrtEngine;
import dev.mtl.weights.MiniLmWeights;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mtl bench embed}: sentences per second of mtl (PyTorch, ONNX Runtime, int8), plain ONNX
 * Runtime (langchain4j's FP32 and int8 graphs, sorted batches of 32) and langchain4j (FP32, int8) on the
 * same corpus in the same JVM. Each system gets a warm-up pass, then the systems take turns pass by pass
 * (the starting system rotates each round) so machine noise and JIT/GC drift hit all three alike.
 * Before any timing counts, the three must agree on the embeddings.
 */
@Command(
        name = "embed",
        mixinStandardHelpOptions = true,
        description = "Sentence-embedding throughput: mtl (PyTorch, ONNX Runtime, int8) vs plain ONNX Runtime vs"
                + " langchain4j (FP32 and int8).")
final class EmbedBench implements Callable<Integer> {

    static final int MIN_CORPUS = 2000;
    static final int SANITY_SENTENCES = 100;
    static final double MIN_COSINE = 0.9999;
    static final int EXIT_DISAGREE = 3;
    /** int8 systems against mtl on PyTorch: quantization moves vectors (langchain4j's int8 graph the most). */
    static final double MIN_COSINE_INT8 = 0.9;

    static final String MTL_PYTORCH = "mtl-pytorch";
    static final String MTL_ORT = "mtl-ort";
    static final String MTL_INT8 = "mtl-int8";
    static final String ORT = "ort";
    static final String ORT_INT8 = "ort-lc4j-int8";
    static final String LC4J = "langchain4j";
    static final String LC4J_INT8 = "langchain4j-int8";

    /** The ratios the design targets: mtl against each peer, FP32 with FP32 and int8 with int8. */
    static final List<String[]> RATIOS = List.of(
            new String[] {MTL_ORT, ORT},
            new String[] {MTL_PYTORCH, ORT},
            new String[] {MTL_ORT, MTL_PYTORCH},
            new String[] {MTL_INT8, ORT_INT8},
            new String[] {MTL_INT8, LC4J_INT8},
            new String[] {MTL_INT8, MTL_ORT},
            new String[] {MTL_ORT, LC4J},
            new String[] {ORT_INT8, ORT});

    @Option(
            names = "--passes",
            defaultValue = "5",
            description = "Timed passes per system (default: ${DEFAULT-VALUE}).")
    int passes;

    @Option(
            names = "--corpus-size",
            defaultValue = "3000",
            description = "Sentences, equal shares of SNIPS, TREC, WNUT-17 (default: ${DEFAULT-VALUE}, at least "
                    + MIN_CORPUS + ").")
    int corpusSize;

    @Option(
            names = "--threads",
            description =
                    "PyTorch and ONNX Runtime intra-op threads (default: -Dai.djl.pytorch.num_threads, else available processors).")
    Integer threads;

    @Option(
            names = "--data",
            defaultValue = "data",
            description = "The repository's data directory (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--json", description = "Also write the results as JSON to this file.")
    Path json;

    @Mixin
    VerboseOption verbose;

    record SystemResult(
            String system,
            double[] passSeconds,
            double warmupSeconds,
            double medianPerSecond,
            double minPerSecond,
            double maxPerSecond) {}

    record Sanity(int sentences, double worstCosine, String worstPair, int worstSentence) {}

    record Report(
            String date,
            Map<String, Object> machine,
            Map<String, Object> corpus,
            int passes,
            List<SystemResult> systems,
            Map<String, Double> ratios,
            Map<String, Double> roundRatios,
            Sanity sanity) {}

    @Override
    public Integer call() throws Exception {
        validate();
        int n = resolveThreads();
        // Must happen before the PyTorch engine starts (the first NDManager).
        System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(n));
        PrintStream out = System.out;

        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("availableProcessors", Runtime.getRuntime().availableProcessors());
        machine.put("threads", n);
        machine.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        out.printf(
                "machine: %d processors, %d intra-op threads for PyTorch and ONNX Runtime, %s%n",
                Runtime.getRuntime().availableProcessors(), n, machine.get("java"));

        Corpus corpus = Corpus.build(data, corpusSize);
        HuggingFaceTokenizer tokenizer = OrtSystem.loadTokenizer();
        int[] lengths = Arrays.stream(tokenizer.batchEncode(corpus.sentences()))
                .mapToInt(e -> e.getIds().length)
                .toArray();
        double meanTokens = Arrays.stream(lengths).average().orElse(0);
        int maxTokens = Arrays.stream(lengths).max().orElse(0);
        Map<String, Object> corpusInfo = new LinkedHashMap<>();
        corpusInfo.put("size", corpus.sentences().size());
        corpusInfo.put("perSource", corpus.perSource());
        corpusInfo.put("meanTokens", meanTokens);
        corpusInfo.put("maxTokens", maxTokens);
        out.printf(
                "corpus: %d sentences from %s %s; tokens per sentence ([CLS]/[SEP] included): mean %.1f, max %d%n",
                corpus.sentences().size(), data, corpus.perSource(), meanTokens, maxTokens);

        System.setProperty(OrtEngine.THREADS_PROPERTY, String.valueOf(n));
        List<EmbedSystem> systems = new ArrayList<>();
        try (TempDir int8Dir = TempDir.create("mtl-bench-int8")) {
            writeInt8Model(int8Dir.path());
            systems.add(timedLoad(MTL_PYTORCH, () -> new MtlSystem(MTL_PYTORCH, EngineKind.PYTORCH, null), out));
            systems.add(timedLoad(MTL_ORT, () -> new MtlSystem(MTL_ORT, EngineKind.ONNXRUNTIME, null), out));
            systems.add(
                    timedLoad(MTL_INT8, () -> new MtlSystem(MTL_INT8, EngineKind.ONNXRUNTIME, int8Dir.path()), out));
            systems.add(timedLoad(ORT, () -> new OrtSystem(ORT, MiniLmWeights.ONNX_RESOURCE, tokenizer, n), out));
            systems.add(timedLoad(ORT_INT8, () -> new OrtSystem(ORT_INT8, OrtSystem.INT8_RESOURCE, tokenizer, n), out));
            systems.add(timedLoad(LC4J, () -> new Langchain4jSystem(false), out));
            systems.add(timedLoad(LC4J_INT8, () -> new Langchain4jSystem(true), out));
            return measure(systems, corpus, n, machine, corpusInfo, out);
        } finally {
            for (EmbedSystem s : systems) {
                s.close();
            }
            tokenizer.close();
        }
    }

    private int measure(
            List<EmbedSystem> systems,
            Corpus corpus,
            int threads,
            Map<String, Object> machine,
            Map<String, Object> corpusInfo,
            PrintStream out)
            throws Exception {
        List<String> texts = corpus.sentences();
        int k = systems.size();
        float[][][] warmOut = new float[k][][];
        double[] warmSeconds = new double[k];
        out.println("warm-up pass:");
        for (int s = 0; s < k; s++) {
            long t0 = System.nanoTime();
            warmOut[s] = systems.get(s).embed(texts);
            warmSeconds[s] = (System.nanoTime() - t0) / 1e9;
            out.printf(
                    "  %-17s %7.2f s  (%.1f sent/s)%n",
                    systems.get(s).name(), warmSeconds[s], texts.size() / warmSeconds[s]);
        }

        Sanity sanity = agreement(systems, warmOut);
        out.printf(
                "agreement on the first %d sentences: worst cosine %.7f (%s, sentence %d); required >= %s%n",
                sanity.sentences(), sanity.worstCosine(), sanity.worstPair(), sanity.worstSentence(), MIN_COSINE);
        if (!(sanity.worstCosine() >= MIN_COSINE)) {
            System.err.printf(
                    "mtl bench embed: the systems disagree (worst cosine %.6f between %s on sentence %d: \"%s\"); "
                            + "not benchmarking wrong output%n",
                    sanity.worstCosine(),
                    sanity.worstPair(),
                    sanity.worstSentence(),
                    texts.get(sanity.worstSentence()));
            return EXIT_DISAGREE;
        }

        double[][] seconds = new double[k][passes];
        for (int r = 0; r < passes; r++) {
            StringBuilder line = new StringBuilder("round " + (r + 1) + "/" + passes + ":");
            for (int j = 0; j < k; j++) {
                int s = (r + j) % k;
                System.gc(); // collect the previous system's garbage outside anyone's clock
                long t0 = System.nanoTime();
                float[][] e = systems.get(s).embed(texts);
                seconds[s][r] = (System.nanoTime() - t0) / 1e9;
                if (e.length != texts.size()) {
                    throw new IllegalStateException(systems.get(s).name() + " returned " + e.length + " embeddings for "
                            + texts.size() + " texts");
                }
                line.append(String.format("  %s %.2f s", systems.get(s).name(), seconds[s][r]));
            }
            out.println(line);
        }

        List<SystemResult> results = new ArrayList<>();
        for (int s = 0; s < k; s++) {
            double[] perSecond =
                    Arrays.stream(seconds[s]).map(x -> texts.size() / x).toArray();
            results.add(new SystemResult(
                    systems.get(s).name(),
                    seconds[s],
                    warmSeconds[s],
                    Stats.median(perSecond),
                    Stats.min(perSecond),
                    Stats.max(perSecond)));
        }
        Map<String, Double> median = new LinkedHashMap<>();
        results.forEach(r -> median.put(r.system(), r.medianPerSecond()));
        Map<String, Double> ratios = new LinkedHashMap<>();
        Map<String, double[]> perRound = new LinkedHashMap<>();
        List<String> names = systems.stream().map(EmbedSystem::name).toList();
        for (String[] r : RATIOS) {
            ratios.put(r[0] + "/" + r[1], median.get(r[0]) / median.get(r[1]));
            double[] a = seconds[names.indexOf(r[0])];
            double[] b = seconds[names.indexOf(r[1])];
            perRound.put(
                    r[0] + "/" + r[1],
                    IntStream.range(0, passes).mapToDouble(i -> b[i] / a[i]).toArray());
        }
        printTable(results, ratios, perRound, texts.size(), out);
        Map<String, Double> roundRatios = new LinkedHashMap<>();
        perRound.forEach((key, v) -> roundRatios.put(key, Stats.median(v)));

        if (json != null) {
            Report report = new Report(
                    Instant.now().toString(), machine, corpusInfo, passes, results, ratios, roundRatios, sanity);
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), report);
            out.println("wrote " + json);
        }
        return 0;
    }

    /**
     * Worst pairwise cosine over the first sentences among the FP32 systems, and of each int8 system to
     * mtl on PyTorch; langchain4j only averages chunks past 510 tokens.
     */
    private static Sanity agreement(List<EmbedSystem> systems, float[][][] outputs) {
        int n = Math.min(SANITY_SENTENCES, outputs[0].length);
        double worst = Double.POSITIVE_INFINITY;
        double worstInt8 = Double.POSITIVE_INFINITY;
        String pair = "";
        int at = -1;
        for (int a = 0; a < systems.size(); a++) {
            for (int b = a + 1; b < systems.size(); b++) {
                boolean int8 = systems.get(b).name().contains("int8");
                if (systems.get(a).name().contains("int8") || (int8 && a != 0)) {
                    continue;
                }
                for (int i = 0; i < n; i++) {
                    double cos = Stats.cosine(outputs[a][i], outputs[b][i]);
                    if (int8) {
                        if (!(cos >= worstInt8)) {
                            worstInt8 = cos;
                        }
                        if (!(cos >= MIN_COSINE_INT8)) { // a broken int8 graph, reported as the worst pair
                            return new Sanity(
                                    n,
                                    cos,
                                    systems.get(a).name() + " vs "
                                            + systems.get(b).name(),
                                    i);
                        }
                        continue;
                    }
                    if (!(cos >= worst)) { // also catches NaN
                        worst = cos;
                        pair = systems.get(a).name() + " vs " + systems.get(b).name();
                        at = i;
                    }
                }
            }
        }
        System.out.printf(
                "int8 systems vs %s: worst cosine %.4f (required >= %s)%n", MTL_PYTORCH, worstInt8, MIN_COSINE_INT8);
        return new Sanity(n, worst, pair, at);
    }

    /** The bundled model's files and its int8 graph, as {@code mtl export --format onnx --quantize int8} writes them. */
    private static void writeInt8Model(Path dir) throws Exception {
        try (MultiTaskModel m = MultiTaskModel.loadDefault()) {
            m.save(dir);
            OnnxExport.write(m, ExportOptions.int8(), dir.resolve(OnnxExport.FILE));
        }
    }

    /**
     * The systems' medians, then each ratio twice: of the medians, and the median of the ratios within
     * each round (both systems timed minutes apart at most, so a slow spell of the machine cancels).
     */
    private static void printTable(
            List<SystemResult> results,
            Map<String, Double> ratios,
            Map<String, double[]> perRound,
            int size,
            PrintStream out) {
        out.printf("%n%-17s %14s %10s %10s %14s%n", "system", "median sent/s", "min", "max", "median s/pass");
        for (SystemResult r : results) {
            out.printf(
                    "%-17s %14.1f %10.1f %10.1f %14.2f%n",
                    r.system(), r.medianPerSecond(), r.minPerSecond(), r.maxPerSecond(), size / r.medianPerSecond());
        }
        out.printf("%n%-32s %9s %10s %10s %10s%n", "ratio", "medians", "per round", "min", "max");
        for (var e : ratios.entrySet()) {
            double[] rounds = perRound.get(e.getKey());
            out.printf(
                    "%-32s %9.2f %10.2f %10.2f %10.2f%n",
                    e.getKey(), e.getValue(), Stats.median(rounds), Stats.min(rounds), Stats.max(rounds));
        }
    }

    private interface Loader {
        EmbedSystem load() throws Exception;
    }

    private static EmbedSystem timedLoad(String name, Loader loader, PrintStream out) throws Exception {
        long t0 = System.nanoTime();
        EmbedSystem s = loader.load();
        out.printf("loaded %-17s in %.1f s%n", name, (System.nanoTime() - t0) / 1e9);
        return s;
    }

    private void validate() {
        if (passes < 1) {
            throw new IllegalArgumentException("--passes must be >= 1, got " + passes);
        }
        if (corpusSize < MIN_CORPUS) {
            throw new IllegalArgumentException("--corpus-size must be >= " + MIN_CORPUS + ", got " + corpusSize);
        }
        if (threads != null && threads < 1) {
            throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        }
    }

    private int resolveThreads() {
        if (threads != null) {
            return threads;
        }
        String prop = System.getProperty("ai.djl.pytorch.num_threads");
        if (prop != null) {
            try {
                int v = Integer.parseInt(prop.trim());
                if (v >= 1) {
                    return v;
                }
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
            throw new IllegalArgumentException(
                    "-Dai.djl.pytorch.num_threads must be a positive integer, got '" + prop + "'");
        }
        return Runtime.getRuntime().availableProcessors();
    }
}
