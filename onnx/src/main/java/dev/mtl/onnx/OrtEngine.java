package dev.mtl.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.mtl.EngineKind;
import dev.mtl.ForwardEngine;
import dev.mtl.MultiTaskModel;
import dev.mtl.heads.Head;
import dev.mtl.tokenize.PaddedBatch;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The forward pass on ONNX Runtime: the model directory's {@code model.onnx} (FP32 or int8, as
 * exported), or the model exported in memory when it has none. Session settings: every graph
 * optimization, one intra-op thread per core (or {@code -Dmtl.onnx.threads}), idle threads sleeping (or spinning
 * with {@code -Dmtl.onnx.spin=true}), sequential execution. An int8 graph runs one pass per thread at once,
 * each on one thread ({@code -Dmtl.onnx.concurrency}). A graph with a task tower runs as two sessions
 * ({@link GraphSplit}), so that embedding-only calls skip the tower.
 * Thread-safe, as an {@link OrtSession} is.
 */
public final class OrtEngine implements ForwardEngine {

    /** Threads for ONNX Runtime, shared by the passes run at once; default: every core. */
    public static final String THREADS_PROPERTY = "mtl.onnx.threads";

    /** {@code true}: idle intra-op threads spin (ONNX Runtime's default; faster on a dedicated machine). */
    public static final String SPIN_PROPERTY = "mtl.onnx.spin";

    /** Passes run at once; default: one per thread for an int8 graph, 1 for FP32 (see docs/design.md). */
    public static final String CONCURRENCY_PROPERTY = "mtl.onnx.concurrency";

    private static final Logger LOG = LoggerFactory.getLogger(OrtEngine.class);

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    /** The whole graph, or with a task tower the part that the embedding needs ({@link GraphSplit}). */
    private final OrtSession session;
    /** With a task tower, the rest of the graph (the tower and the heads); null otherwise. */
    private final OrtSession tasks;

    /** Values the task part reads from the shared part's run, and the graph inputs it reads itself. */
    private final List<String> crossing;

    private final List<String> taskInputs;
    private final Set<String> taskOutputs;
    /** Every output of the model's graph, whichever part computes it. */
    private final Set<String> outputs;

    private final String source;
    private final int concurrency;
    /** Runs the passes {@link #submit}ted when {@link #concurrency} is above 1; null otherwise. */
    private final ExecutorService passes;

    /** A session factory, so that a file is read by ONNX Runtime itself and never enters the Java heap. */
    private interface Opener {
        OrtSession open(OrtEnvironment env, OrtSession.SessionOptions o) throws OrtException;
    }

    /** The graph's bytes, read only when it is to be split. */
    private interface Bytes {
        byte[] read() throws IOException;
    }

    /** The two sessions and how the second is fed; the split graph's bytes are not kept. */
    private record Parts(OrtSession shared, OrtSession tasks, List<String> crossing, List<String> taskInputs) {}

    OrtEngine(byte[] graph, String source) throws IOException {
        this((env, o) -> env.createSession(graph, o), () -> graph, source);
    }

    private OrtEngine(Opener opener, Bytes bytes, String source) throws IOException {
        this.source = source;
        int threads = Integer.getInteger(THREADS_PROPERTY, Runtime.getRuntime().availableProcessors());
        Parts parts = null;
        try {
            OrtSession first = open(opener, threads);
            boolean int8;
            try {
                int8 = !first.getMetadata()
                        .getCustomMetadataValue(OnnxMetadata.QUANTIZATION)
                        .orElse("none")
                        .equals("none");
            } catch (OrtException | RuntimeException e) {
                first.close();
                throw e;
            }
            concurrency = Math.max(1, Integer.getInteger(CONCURRENCY_PROPERTY, int8 ? threads : 1));
            int perPass = Math.max(1, threads / concurrency);
            outputs = new HashSet<>(first.getOutputNames());
            if (outputs.contains(OnnxExport.TASK_POOLED)) {
                parts = split(bytes, perPass);
            }
            if (parts != null || perPass != threads) {
                // The parts replace the whole graph; and passes side by side on one thread each beat
                // passes in turn on every thread (int8, measured).
                first.close();
                first = parts != null ? parts.shared() : open(opener, perPass);
            }
            session = first;
            tasks = parts == null ? null : parts.tasks();
            crossing = parts == null ? List.of() : parts.crossing();
            taskInputs = parts == null ? List.of() : parts.taskInputs();
            taskOutputs = tasks == null ? Set.of() : new HashSet<>(tasks.getOutputNames());
        } catch (OrtException e) {
            if (parts != null) {
                closeQuietly(parts.shared());
                closeQuietly(parts.tasks());
            }
            throw new IOException(source + ": ONNX Runtime cannot load the graph (" + e.getMessage() + ")", e);
        }
        passes = concurrency > 1 ? Executors.newFixedThreadPool(concurrency, OrtEngine::passThread) : null;
    }

    /**
     * The graph as two sessions, so that embedding-only calls skip the task tower; null, with a
     * warning, when it cannot be split (the whole graph then runs for every call).
     */
    private Parts split(Bytes bytes, int threads) {
        try {
            GraphSplit s = GraphSplit.of(bytes.read(), Set.of(OnnxExport.EMBEDDING, OnnxExport.POOLED))
                    .orElse(null);
            if (s == null) {
                return null;
            }
            OrtSession shared = open((e, o) -> e.createSession(s.shared(), o), threads);
            try {
                if (!shared.getInputNames().containsAll(Inputs.NAMES)) {
                    throw new IllegalStateException("its first part does not read all of " + Inputs.NAMES);
                }
                OrtSession tasks = open((e, o) -> e.createSession(s.tasks(), o), threads);
                return new Parts(shared, tasks, s.crossing(), s.taskInputs());
            } catch (OrtException | RuntimeException e) {
                closeQuietly(shared);
                throw e;
            }
        } catch (IOException | OrtException | RuntimeException | OutOfMemoryError e) {
            // An OutOfMemoryError here left only garbage behind: the copies of the graph being split.
            LOG.warn("{}: every call runs the task tower (the graph could not be split: {})", source, e.toString());
            return null;
        }
    }

    private static void closeQuietly(OrtSession s) {
        try {
            s.close();
        } catch (OrtException | RuntimeException e) {
            LOG.debug("closing a session", e);
        }
    }

    private OrtSession open(Opener opener, int threads) throws OrtException {
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            o.setIntraOpNumThreads(threads);
            o.addConfigEntry("session.intra_op.allow_spinning", Boolean.getBoolean(SPIN_PROPERTY) ? "1" : "0");
            return opener.open(env, o);
        }
    }

    private static Thread passThread(Runnable r) {
        Thread t = new Thread(r, "mtl-onnx-pass");
        t.setDaemon(true);
        return t;
    }

    /**
     * The directory's model.onnx if it has one, else the model exported (FP32) in memory. The export
     * holds the graph in the Java heap several times over; a heap too small for it leaves the model to
     * PyTorch ({@link ForwardEngine.Unavailable}) rather than failing.
     */
    public static OrtEngine open(MultiTaskModel model, Path dir) throws IOException {
        Path file = dir == null ? null : dir.resolve(OnnxExport.FILE);
        OrtEngine e;
        if (file != null && Files.isRegularFile(file)) {
            e = new OrtEngine(
                    (env, o) -> env.createSession(file.toString(), o), () -> Files.readAllBytes(file), file.toString());
        } else {
            try {
                e = new OrtEngine(OnnxExport.toBytes(model, ExportOptions.fp32()), "the model exported in memory");
            } catch (OutOfMemoryError oom) {
                // One large allocation failed and its arrays are garbage now: the heap is usable again.
                throw new ForwardEngine.Unavailable(
                        "the model is too large to convert to ONNX in this Java heap ("
                                + Runtime.getRuntime().maxMemory() / (1 << 20)
                                + " MB); `mtl export --format onnx` writes a model.onnx that ONNX Runtime reads"
                                + " outside the heap",
                        oom);
            }
        }
        for (Head<?, ?> h : model.heads().values()) {
            if (!e.outputs.contains(OnnxExport.outputName(h))) {
                e.close();
                throw new IOException(e.source + ": the graph has no output '" + OnnxExport.outputName(h)
                        + "' for task '" + h.name() + "'; export the model again (mtl export --format onnx)");
            }
        }
        return e;
    }

    @Override
    public EngineKind kind() {
        return EngineKind.ONNXRUNTIME;
    }

    /** Whether the graph runs as two parts, so that embedding-only calls skip the task tower. */
    boolean runsTasksApart() {
        return tasks != null;
    }

    @Override
    public int concurrency() {
        return concurrency;
    }

    @Override
    public CompletableFuture<Result> submit(PaddedBatch batch, List<Head<?, ?>> heads, boolean pooled) {
        if (passes == null) {
            return ForwardEngine.super.submit(batch, heads, pooled);
        }
        return CompletableFuture.supplyAsync(() -> run(batch, heads, pooled), passes);
    }

    @Override
    public Result run(PaddedBatch batch, List<Head<?, ?>> heads, boolean pooled) {
        Map<Head<?, ?>, String> names = new LinkedHashMap<>();
        heads.forEach(h -> names.put(h, OnnxExport.outputName(h)));
        boolean readsTasks = tasks != null && names.values().stream().anyMatch(taskOutputs::contains);
        // Without a split every output comes from one run; with it, the tower's pooled vector is only
        // wanted by the heads that read the tower.
        boolean taskPooled = pooled && outputs.contains(OnnxExport.TASK_POOLED) && (tasks == null || readsTasks);
        Set<String> first = new HashSet<>();
        Set<String> second = new HashSet<>();
        for (String o : names.values()) {
            (taskOutputs.contains(o) ? second : first).add(o);
        }
        if (pooled) {
            first.add(OnnxExport.POOLED);
        }
        if (taskPooled) {
            (tasks == null ? first : second).add(OnnxExport.TASK_POOLED);
        }
        if (readsTasks) {
            first.addAll(crossing);
        }
        try (Inputs in = Inputs.of(env, batch);
                OrtSession.Result r = session.run(in.tensors(), first);
                OrtSession.Result t = readsTasks ? tasks.run(taskFeed(in, r), second) : null) {
            Map<Head<?, ?>, float[]> out = new LinkedHashMap<>();
            for (Map.Entry<Head<?, ?>, String> e : names.entrySet()) {
                out.put(e.getKey(), floats(second.contains(e.getValue()) ? t : r, e.getValue()));
            }
            return new Result(
                    out,
                    pooled ? floats(r, OnnxExport.POOLED) : null,
                    taskPooled ? floats(tasks == null ? r : t, OnnxExport.TASK_POOLED) : null);
        } catch (OrtException e) {
            throw new IllegalStateException(
                    source + ": ONNX Runtime failed on a batch of " + batch.batchSize() + " × " + batch.length()
                            + " tokens (" + e.getMessage() + ")",
                    e);
        }
    }

    /** The task part's inputs: the values it reads from the shared part's run, and the graph inputs. */
    private Map<String, OnnxTensor> taskFeed(Inputs in, OrtSession.Result shared) {
        Map<String, OnnxTensor> feed = new HashMap<>();
        for (String c : crossing) {
            feed.put(c, (OnnxTensor) shared.get(c).orElseThrow());
        }
        for (String i : taskInputs) {
            feed.put(i, in.tensors().get(i));
        }
        return feed;
    }

    /** A padded batch as the graph's three inputs, closed together. */
    record Inputs(Map<String, OnnxTensor> tensors) implements AutoCloseable {
        static final List<String> NAMES =
                List.of(OnnxExport.INPUT_IDS, OnnxExport.ATTENTION_MASK, OnnxExport.TOKEN_TYPE_IDS);

        static Inputs of(OrtEnvironment env, PaddedBatch p) throws OrtException {
            long[] shape = {p.batchSize(), p.length()};
            Inputs in = new Inputs(new HashMap<>());
            try {
                in.tensors.put(OnnxExport.INPUT_IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(p.ids()), shape));
                in.tensors.put(
                        OnnxExport.ATTENTION_MASK, OnnxTensor.createTensor(env, LongBuffer.wrap(p.mask()), shape));
                in.tensors.put(
                        OnnxExport.TOKEN_TYPE_IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(p.typeIds()), shape));
            } catch (OrtException | RuntimeException e) {
                in.close();
                throw e;
            }
            return in;
        }

        @Override
        public void close() {
            tensors.values().forEach(OnnxTensor::close);
        }
    }

    private static float[] floats(OrtSession.Result r, String name) {
        FloatBuffer b = ((OnnxTensor) r.get(name).orElseThrow()).getFloatBuffer();
        float[] a = new float[b.remaining()];
        b.get(a);
        return a;
    }

    @Override
    public void close() {
        if (passes != null) {
            passes.shutdown();
        }
        try {
            session.close();
            if (tasks != null) {
                tasks.close();
            }
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Registered in META-INF/services: how core finds this engine. */
    public static final class Provider implements ForwardEngine.Provider {
        @Override
        public EngineKind kind() {
            return EngineKind.ONNXRUNTIME;
        }

        @Override
        public ForwardEngine open(MultiTaskModel model, Path dir) throws IOException {
            return OrtEngine.open(model, dir);
        }
    }
}
