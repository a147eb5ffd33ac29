package dev.mtl.bench;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import dev.mtl.Backbone;
import dev.mtl.Engines;
import dev.mtl.SentenceEncoder;
import dev.mtl.config.BertConfig;
import dev.mtl.config.EmbeddingConfig;
import dev.mtl.embedding.EmbeddingHead;
import dev.mtl.model.AttentionMask;
import dev.mtl.model.HfModule;
import dev.mtl.model.ParameterTable;
import dev.mtl.tokenize.PaddedBatch;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Where mtl's time goes on one representative batch: 32 sentences around the corpus's median token
 * length. The end-to-end {@code embed} time is split into tokenization, building the inputs, the
 * encoder forward pass, pooling and the Java-side rest; the forward pass is split further by op type
 * with a harness that replays the encoder's op sequence (BertEmbeddings, BertSelfAttention, AddNorm,
 * BertLayer) on the real weights with a clock around every op. PyTorch CPU ops are synchronous, so the
 * clock needs no sync. Every figure is a median over {@value #REPS} repetitions.
 *
 * <p>Shapes: B batch, T tokens, H hidden, N heads, D head size, I intermediate size.
 */
final class ForwardProfile {

    static final int BATCH = 32;
    static final int WARMUP = 5;
    static final int REPS = 30;
    static final int SWEEP_PASSES = 3;
    /** Long enough for ONNX Runtime's and OpenMP's spinning worker threads to go to sleep. */
    static final int SPIN_DOWN_MS = 200;

    /** The parts of one {@code embed} call; their medians add up to the end-to-end median. */
    enum Part {
        TOKENIZE("tokenization (Java+native)"),
        PAD("padding the batch in Java"),
        INPUT("input NDArrays (copy to native)"),
        EMBEDDING("embedding lookup"),
        LINEAR("linear (addmm)"),
        ATTENTION_MATMUL("attention matmuls"),
        SOFTMAX("softmax"),
        LAYER_NORM("LayerNorm"),
        GELU("GELU"),
        RESHAPE("reshape/transpose copies"),
        ELEMENTWISE("adds, q scale, mask"),
        FORWARD_REST("forward: unattributed (plain − sum of ops)"),
        POOLING("pooling + L2"),
        JAVA_REST("Java-side batching, rest of embed()");

        final String label;

        Part(String label) {
            this.label = label;
        }

        boolean isOp() {
            return compareTo(EMBEDDING) >= 0 && compareTo(ELEMENTWISE) <= 0;
        }
    }

    record PartResult(String part, double ms, double share, int callsPerForward) {}

    /** One length-sorted batch of the corpus: mtl's forward pass vs ONNX Runtime's session.run. */
    record LengthRow(int paddedLength, double mtlForwardMs, double ortRunMs) {}

    record Result(
            int batchSize,
            int paddedLength,
            double embedMs,
            double forwardMs,
            double ortForwardMs,
            List<PartResult> parts,
            double linearGflops,
            double attentionGflops,
            double forwardGflops,
            double ortForwardGflops,
            double forwardGflop,
            double matmulPeakGflopsMedian,
            double matmulPeakGflopsBest,
            double linearPeakGflopsMedian,
            double harnessMaxAbsDiff,
            List<LengthRow> byLength) {}

    private final SentenceEncoder encoder;
    private final Backbone backbone;
    private final BertConfig c;
    private final OrtSystem ort;
    private final Map<String, NDArray> w = new LinkedHashMap<>();
    private final long[] clock = new long[Part.values().length];
    private final int[] calls = new int[Part.values().length];

    ForwardProfile(SentenceEncoder encoder, OrtSystem ort) {
        this.encoder = encoder;
        this.backbone = encoder.backbone();
        this.c = backbone.config();
        this.ort = ort;
        for (Map.Entry<String, HfModule.Slot> e :
                ParameterTable.of(backbone.model(), "").slots().entrySet()) {
            w.put(e.getKey(), e.getValue().parameter().getArray());
        }
    }

    Result run(List<String> corpus, PrintStream out) throws Exception {
        Engines.inferenceMode();
        List<String> texts = representativeBatch(corpus);
        Encoding[] enc = backbone.tokenizer().encodeAll(texts);
        List<long[]> seqs = new ArrayList<>();
        for (Encoding e : enc) {
            seqs.add(e.getIds());
        }
        PaddedBatch p = PaddedBatch.of(seqs, backbone.tokenizer().padId());
        int b = p.batchSize();
        int t = p.length();
        Shape bt = new Shape(b, t);
        EmbeddingHead head =
                new EmbeddingHead(EmbeddingConfig.sentenceTransformers(), c.hiddenSize(), c.layerNormEps());

        double embedMs = medianMs(() -> encoder.embed(texts));
        double tokenizeMs = medianMs(() -> backbone.tokenizer().encodeAll(texts));
        double padMs = medianMs(() -> PaddedBatch.of(seqs, backbone.tokenizer().padId()));
        double inputMs = medianMs(() -> {
            try (NDManager m = backbone.manager().newSubManager()) {
                m.create(p.ids(), bt);
                m.create(p.typeIds(), bt);
                m.create(p.mask(), bt);
            }
            return null;
        });
        // The forward pass alone, as SentenceEncoder runs it; inputs are made outside the clock.
        double[] fwd = new double[REPS];
        double[] pool = new double[REPS];
        long[][] opNanos = new long[Part.values().length][REPS];
        double maxDiff = 0;
        for (int r = -WARMUP; r < REPS; r++) {
            try (NDManager m = backbone.manager().newSubManager()) {
                NDArray ids = m.create(p.ids(), bt);
                NDArray types = m.create(p.typeIds(), bt);
                NDArray mask = m.create(p.mask(), bt);
                long t0 = System.nanoTime();
                NDArray hidden = backbone.model().apply(ids, types, mask, false); // (B, T, H)
                long t1 = System.nanoTime();
                float[] pooled = head.pool(hidden, mask).toFloatArray();
                try (NDManager m2 = backbone.manager().newSubManager()) {
                    head.finish(m2.create(pooled, new Shape(b, c.hiddenSize()))).toFloatArray();
                }
                long t2 = System.nanoTime();
                Arrays.fill(clock, 0);
                Arrays.fill(calls, 0);
                NDArray replay = instrumentedForward(ids, types, mask);
                if (r >= 0) {
                    fwd[r] = (t1 - t0) / 1e6;
                    pool[r] = (t2 - t1) / 1e6;
                    for (Part part : Part.values()) {
                        opNanos[part.ordinal()][r] = clock[part.ordinal()];
                    }
                }
                if (r == 0) {
                    maxDiff = replay.sub(hidden).abs().max().getFloat();
                }
            }
        }
        double forwardMs = Stats.median(fwd);
        double poolMs = Stats.median(pool);

        Map<Part, Double> ms = new LinkedHashMap<>();
        ms.put(Part.TOKENIZE, tokenizeMs);
        ms.put(Part.PAD, padMs);
        ms.put(Part.INPUT, inputMs);
        double opSum = 0;
        for (Part part : Part.values()) {
            if (part.isOp()) {
                double v = Stats.median(opNanos[part.ordinal()]) / 1e6;
                ms.put(part, v);
                opSum += v;
            }
        }
        ms.put(Part.FORWARD_REST, forwardMs - opSum);
        ms.put(Part.POOLING, poolMs);
        ms.put(Part.JAVA_REST, embedMs - tokenizeMs - padMs - inputMs - forwardMs - poolMs);

        // ONNX Runtime on the very same padded batch, for the forward-vs-forward comparison.
        double ortMs = medianMs(() -> {
            try {
                return ort.lastHiddenState(p.ids(), p.mask(), b, t);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });

        long h = c.hiddenSize();
        long i = c.intermediateSize();
        int layers = c.numHiddenLayers();
        double linearFlop = (double) layers * 2 * b * t * (4 * h * h + 2 * h * i);
        double attentionFlop = (double) layers * 2 * 2 * b * (double) t * t * h; // QK^T and PV
        double totalFlop = linearFlop + attentionFlop;
        double[] peak = matmulPeak(false);
        double[] linearPeak = matmulPeak(true);

        List<PartResult> parts = new ArrayList<>();
        for (var e : ms.entrySet()) {
            parts.add(new PartResult(
                    e.getKey().label,
                    e.getValue(),
                    e.getValue() / embedMs,
                    calls[e.getKey().ordinal()]));
        }
        Result res = new Result(
                b,
                t,
                embedMs,
                forwardMs,
                ortMs,
                parts,
                linearFlop / ms.get(Part.LINEAR) / 1e6,
                attentionFlop / ms.get(Part.ATTENTION_MATMUL) / 1e6,
                totalFlop / forwardMs / 1e6,
                totalFlop / ortMs / 1e6,
                totalFlop / 1e9,
                peak[0],
                peak[1],
                linearPeak[0],
                maxDiff,
                byLength(corpus));
        print(res, out);
        return res;
    }

    /**
     * Forward pass only, batch by batch over the whole length-sorted corpus: all of mtl's batches, then
     * all of ONNX Runtime's (never interleaved batch by batch: each runtime's idle threads spin after a
     * call and would steal one of the two cores from the other). Median of {@value #SWEEP_PASSES} passes.
     */
    private List<LengthRow> byLength(List<String> corpus) throws Exception {
        Encoding[] enc = backbone.tokenizer().encodeAll(corpus);
        List<long[]> seqs = new ArrayList<>();
        for (Encoding e : enc) {
            seqs.add(e.getIds());
        }
        seqs.sort(Comparator.comparingInt((long[] s) -> s.length).reversed());
        List<PaddedBatch> batches = new ArrayList<>();
        for (int st = 0; st < seqs.size(); st += BATCH) {
            batches.add(PaddedBatch.of(
                    seqs.subList(st, Math.min(seqs.size(), st + BATCH)),
                    backbone.tokenizer().padId()));
        }
        int nb = batches.size();
        double[][] mtl = new double[nb][SWEEP_PASSES];
        double[][] onnx = new double[nb][SWEEP_PASSES];
        for (int pass = 0; pass < SWEEP_PASSES; pass++) {
            for (int k = 0; k < nb; k++) {
                PaddedBatch p = batches.get(k);
                Shape bt = new Shape(p.batchSize(), p.length());
                try (NDManager m = backbone.manager().newSubManager()) {
                    NDArray ids = m.create(p.ids(), bt);
                    NDArray types = m.create(p.typeIds(), bt);
                    NDArray mask = m.create(p.mask(), bt);
                    long t0 = System.nanoTime();
                    backbone.model().apply(ids, types, mask, false);
                    mtl[k][pass] = (System.nanoTime() - t0) / 1e6;
                }
            }
            Thread.sleep(SPIN_DOWN_MS);
            for (int k = 0; k < nb; k++) {
                PaddedBatch p = batches.get(k);
                long t0 = System.nanoTime();
                ort.lastHiddenState(p.ids(), p.mask(), p.batchSize(), p.length());
                onnx[k][pass] = (System.nanoTime() - t0) / 1e6;
            }
            Thread.sleep(SPIN_DOWN_MS);
        }
        List<LengthRow> rows = new ArrayList<>();
        for (int k = 0; k < nb; k++) {
            rows.add(new LengthRow(batches.get(k).length(), Stats.median(mtl[k]), Stats.median(onnx[k])));
        }
        return rows;
    }

    /** The {@value #BATCH} sentences centred on the corpus's median token length. */
    private List<String> representativeBatch(List<String> corpus) {
        Encoding[] enc = backbone.tokenizer().encodeAll(corpus);
        Integer[] order = new Integer[enc.length];
        for (int k = 0; k < order.length; k++) {
            order[k] = k;
        }
        Arrays.sort(
                order,
                Comparator.comparingInt((Integer k) -> enc[k].getIds().length).thenComparing(k -> k));
        int from = Math.max(0, Math.min(order.length - BATCH, order.length / 2 - BATCH / 2));
        List<String> out = new ArrayList<>();
        for (int k = from; k < Math.min(order.length, from + BATCH); k++) {
            out.add(corpus.get(order[k]));
        }
        return out;
    }

    /**
     * The encoder's op sequence with a clock around each op, mirroring BertModel.apply → AttentionMask,
     * BertEmbeddings, then per layer BertSelfAttention, AddNorm, dense → GELU, AddNorm. The per-batch
     * array goes first in every op so intermediates land in the batch's manager.
     */
    private NDArray instrumentedForward(NDArray ids, NDArray types, NDArray mask) {
        long b = ids.getShape().get(0);
        long t = ids.getShape().get(1);
        int n = c.numAttentionHeads();
        int d = c.headSize();
        long hs = c.hiddenSize();
        float scale = (float) (1.0 / Math.sqrt(d));
        NDManager m = ids.getManager();

        NDArray additive = time(Part.ELEMENTWISE, () -> AttentionMask.additive(mask)); // (B, 1, 1, T)
        NDArray x = time(Part.EMBEDDING, () -> lookup(ids, "embeddings.word_embeddings.weight")); // (B, T, H)
        NDArray tt = time(Part.EMBEDDING, () -> lookup(types, "embeddings.token_type_embeddings.weight"));
        NDArray pos = time(
                Part.EMBEDDING,
                () -> lookup(
                        m.arange(0, (int) t, 1, DataType.INT64), "embeddings.position_embeddings.weight")); // (T, H)
        NDArray x0 = x;
        x = time(Part.ELEMENTWISE, () -> x0.addi(tt).addi(pos));
        x = layerNorm(x, "embeddings.LayerNorm");
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            String p = "encoder.layer." + l + ".";
            NDArray in = x;
            NDArray q0 = linear(in, p + "attention.self.query");
            NDArray k0 = linear(in, p + "attention.self.key");
            NDArray v0 = linear(in, p + "attention.self.value");
            NDArray qs = time(Part.ELEMENTWISE, () -> q0.muli(scale));
            NDArray q = time(Part.RESHAPE, () -> qs.reshape(b, t, n, d).transpose(0, 2, 1, 3)); // (B, N, T, D)
            NDArray k = time(Part.RESHAPE, () -> k0.reshape(b, t, n, d).transpose(0, 2, 1, 3)); // (B, N, T, D)
            NDArray v = time(Part.RESHAPE, () -> v0.reshape(b, t, n, d).transpose(0, 2, 1, 3)); // (B, N, T, D)
            NDArray kT = time(Part.RESHAPE, () -> k.transpose(0, 1, 3, 2)); // (B, N, D, T)
            NDArray scores = time(Part.ATTENTION_MATMUL, () -> q.matMul(kT)); // (B, N, T, T)
            NDArray masked = time(Part.ELEMENTWISE, () -> scores.addi(additive));
            NDArray probs = time(Part.SOFTMAX, () -> masked.softmax(-1)); // (B, N, T, T)
            NDArray ctx = time(Part.ATTENTION_MATMUL, () -> probs.matMul(v)); // (B, N, T, D)
            NDArray merged = time(Part.RESHAPE, () -> ctx.transpose(0, 2, 1, 3).reshape(b, t, hs)); // (B, T, H)
            NDArray a0 = linear(merged, p + "attention.output.dense");
            NDArray a1 = time(Part.ELEMENTWISE, () -> a0.addi(in));
            NDArray a = layerNorm(a1, p + "attention.output.LayerNorm");
            NDArray h0 = linear(a, p + "intermediate.dense"); // (B, T, I)
            NDArray h1 = time(Part.GELU, () -> Activation.gelu(h0));
            NDArray o0 = linear(h1, p + "output.dense"); // (B, T, H)
            NDArray o1 = time(Part.ELEMENTWISE, () -> o0.addi(a));
            x = layerNorm(o1, p + "output.LayerNorm");
        }
        return x;
    }

    private NDArray linear(NDArray x, String prefix) {
        NDArray weight = param(prefix + ".weight");
        NDArray bias = param(prefix + ".bias");
        return time(Part.LINEAR, () -> Linear.linear(x, weight, bias).singletonOrThrow());
    }

    private NDArray layerNorm(NDArray x, String prefix) {
        NDArray gamma = param(prefix + ".weight");
        NDArray beta = param(prefix + ".bias");
        float eps = c.layerNormEps().floatValue();
        return time(
                Part.LAYER_NORM,
                () -> LayerNorm.layerNorm(x, new Shape(c.hiddenSize()), gamma, beta, eps)
                        .singletonOrThrow());
    }

    private NDArray lookup(NDArray ids, String key) {
        NDArray table = param(key);
        return ids.getNDArrayInternal()
                .embedding(ids, table, SparseFormat.DENSE)
                .singletonOrThrow();
    }

    private NDArray param(String key) {
        NDArray a = w.get(key);
        if (a == null) {
            throw new IllegalStateException("profile harness: the encoder has no parameter '" + key
                    + "'; its op sequence no longer matches core's BertModel");
        }
        return a;
    }

    private <T> T time(Part part, Supplier<T> op) {
        long t0 = System.nanoTime();
        T r = op.get();
        clock[part.ordinal()] += System.nanoTime() - t0;
        calls[part.ordinal()]++;
        return r;
    }

    private static double medianMs(Supplier<?> f) {
        double[] ms = new double[REPS];
        for (int r = -WARMUP; r < REPS; r++) {
            long t0 = System.nanoTime();
            f.get();
            long t1 = System.nanoTime();
            if (r >= 0) {
                ms[r] = (t1 - t0) / 1e6;
            }
        }
        return Stats.median(ms);
    }

    /**
     * (1024, 384) @ (384, 1536), a BERT-FFN-shaped product, as matMul or as linear (x W^T + b);
     * returns {median, best} GFLOPS.
     */
    private double[] matmulPeak(boolean asLinear) {
        int reps = 50;
        double flop = 2.0 * 1024 * 384 * 1536;
        double[] gflops = new double[reps];
        try (NDManager m = backbone.manager().newSubManager()) {
            NDArray a = m.randomNormal(new Shape(1024, 384));
            NDArray wt = asLinear ? m.randomNormal(new Shape(1536, 384)) : m.randomNormal(new Shape(384, 1536));
            NDArray bias = m.zeros(new Shape(1536));
            for (int r = -10; r < reps; r++) {
                try (NDManager s = m.newSubManager()) {
                    NDArray x = a.duplicate();
                    x.attach(s);
                    long t0 = System.nanoTime();
                    NDArray y = asLinear ? Linear.linear(x, wt, bias).singletonOrThrow() : x.matMul(wt);
                    long t1 = System.nanoTime();
                    y.attach(s);
                    if (r >= 0) {
                        gflops[r] = flop / (t1 - t0);
                    }
                }
            }
        }
        return new double[] {Stats.median(gflops), Stats.max(gflops)};
    }

    private static void print(Result r, PrintStream out) {
        out.printf(
                "%nprofile: one batch of %d sentences around the median length, padded to T=%d; medians of %d reps%n",
                r.batchSize(), r.paddedLength(), REPS);
        out.printf(
                "  end-to-end embed() %8.2f ms   (encoder forward %.2f ms; ONNX Runtime session.run on the same batch %.2f ms)%n",
                r.embedMs(), r.forwardMs(), r.ortForwardMs());
        out.printf("  %-40s %9s %7s %6s%n", "part", "ms", "share", "calls");
        for (PartResult p : r.parts()) {
            out.printf(
                    "  %-40s %9.2f %6.1f%% %6s%n",
                    p.part(),
                    p.ms(),
                    100 * p.share(),
                    p.callsPerForward() == 0 ? "" : String.valueOf(p.callsPerForward()));
        }
        out.printf("  forward pass: %.3f GFLOP (linear + attention matmuls)%n", r.forwardGflop());
        out.printf(
                "  achieved: linear %.1f GFLOPS, attention matmuls %.1f GFLOPS, whole mtl forward %.1f GFLOPS, "
                        + "ONNX Runtime forward %.1f GFLOPS%n",
                r.linearGflops(), r.attentionGflops(), r.forwardGflops(), r.ortForwardGflops());
        out.printf(
                "  reference NDArray (1024x384)@(384x1536): matMul median %.1f / best %.1f GFLOPS, "
                        + "linear (x W^T + b) median %.1f GFLOPS%n",
                r.matmulPeakGflopsMedian(), r.matmulPeakGflopsBest(), r.linearPeakGflopsMedian());
        out.printf("  harness replays the encoder: max |difference| to BertModel output %.2g%n", r.harnessMaxAbsDiff());
        List<LengthRow> rows = r.byLength();
        double mtlSum = rows.stream().mapToDouble(LengthRow::mtlForwardMs).sum();
        double ortSum = rows.stream().mapToDouble(LengthRow::ortRunMs).sum();
        out.printf(
                "%nforward pass only, per length-sorted batch of the corpus (medians of %d passes; not interleaved):%n",
                SWEEP_PASSES);
        out.printf("  %5s %12s %12s %10s%n", "T", "mtl ms", "ORT ms", "mtl/ORT");
        int step = Math.max(1, rows.size() / 12);
        for (int k = 0; k < rows.size(); k += step) {
            LengthRow row = rows.get(k);
            out.printf(
                    "  %5d %12.2f %12.2f %10.2f%n",
                    row.paddedLength(), row.mtlForwardMs(), row.ortRunMs(), row.mtlForwardMs() / row.ortRunMs());
        }
        out.printf(
                "  all %d batches: mtl %.0f ms, ORT %.0f ms, mtl/ORT %.2f%n",
                rows.size(), mtlSum, ortSum, mtlSum / ortSum);
    }
}
