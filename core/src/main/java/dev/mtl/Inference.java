package dev.mtl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mtl.heads.Head;
import dev.mtl.tokenize.Alignment;
import dev.mtl.tokenize.PaddedBatch;
import dev.mtl.tokenize.Windows;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model's forward pass over many inputs of any length. A text longer than the maximum is split into
 * overlapping windows; windows of all inputs are sorted by length and cut into batches that pad
 * little; each batch runs the model's forward pass once on its {@link ForwardEngine} (PyTorch or ONNX
 * Runtime), which hands back what the heads produced as Java arrays. Then per input: a sentence-level head's row
 * comes from its one window, or, for a text of several windows, from the head run again on the
 * token-weighted mean of the windows' pooled vectors; each word takes a token head's row from the
 * window where the word is most central. Last, each head's decoder turns the rows into results. The
 * results come back in input order.
 */
final class Inference {

    private static final Logger LOG = LoggerFactory.getLogger(Inference.class);

    /** One window of one input, and what the heads said about it. */
    static final class Segment {
        final int input;
        final long[] ids;
        final int contentStart;
        final Map<Head<?, ?>, float[][]> rows = new HashMap<>();

        Segment(int input, long[] ids, int contentStart) {
            this.input = input;
            this.ids = ids;
            this.contentStart = contentStart;
        }
    }

    private Inference() {}

    /** @return per head, the decoded result of each input (in input order) */
    static Map<Head<?, ?>, Object[]> run(
            MultiTaskModel model,
            List<Alignment> inputs,
            List<Head<?, ?>> heads,
            InferenceOptions options,
            IntConsumer progress) {
        Backbone backbone = model.backbone();
        if (options.maxLength() > backbone.config().maxPositionEmbeddings()) {
            throw new IllegalArgumentException("max length " + options.maxLength() + " exceeds the model's "
                    + "max_position_embeddings " + backbone.config().maxPositionEmbeddings());
        }
        try (Engines.NoGrad g = Engines.noGrad()) {
            return runWithoutGrad(model, inputs, heads, options, progress);
        }
    }

    private static Map<Head<?, ?>, Object[]> runWithoutGrad(
            MultiTaskModel model,
            List<Alignment> inputs,
            List<Head<?, ?>> heads,
            InferenceOptions options,
            IntConsumer progress) {
        Backbone backbone = model.backbone();
        int n = inputs.size();
        List<List<Segment>> byInput = windows(inputs, options, backbone);
        boolean sentenceHeads = heads.stream().anyMatch(h -> h.input() == Head.Input.SENTENCE);
        int hidden = backbone.config().hiddenSize();
        float[][][] pooledSum = new float[2][n][]; // [0]: the shared pooled vector, [1]: the task tower's
        float[] weight = new float[n];
        int[] left = new int[n];
        List<Segment> all = new ArrayList<>();
        byInput.forEach(all::addAll);
        all.forEach(s -> left[s.input]++);
        all.sort(Comparator.comparingInt((Segment s) -> s.ids.length).reversed());
        EngineSlot slot = model.engineSlot();
        ForwardEngine engine = slot.engine();
        int[] ends = batchEnds(all, maxBatch(all.size(), options.batchSize(), engine.concurrency()));
        List<List<Segment>> batches = new ArrayList<>(ends.length);
        for (int k = 0, start = 0; k < ends.length; start = ends[k++]) {
            batches.add(all.subList(start, ends[k]));
        }
        // Passes run up to the engine's concurrency ahead; their results are taken in order.
        Deque<CompletableFuture<ForwardEngine.Result>> inFlight = new ArrayDeque<>();
        int submitted = 0;
        int done = 0;
        for (List<Segment> batch : batches) {
            while (submitted < batches.size() && inFlight.size() < engine.concurrency()) {
                List<Segment> next = batches.get(submitted++);
                List<long[]> seqs = new ArrayList<>(next.size());
                next.forEach(s -> seqs.add(s.ids));
                boolean pool = sentenceHeads
                        && next.stream().anyMatch(s -> byInput.get(s.input).size() > 1);
                inFlight.add(
                        engine.submit(PaddedBatch.of(seqs, backbone.tokenizer().padId()), heads, pool));
            }
            ForwardEngine.Result f = result(inFlight.remove());
            slot.countForward(engine);
            int length = batch.stream().mapToInt(s -> s.ids.length).max().orElseThrow(); // padded length
            for (Head<?, ?> h : heads) {
                copyRows(f.outputs().get(h), batch, h, length);
            }
            float[][] pooledOf = {f.pooled(), f.taskPooled()}; // (B, H) each, or null
            for (int b = 0; b < batch.size(); b++) {
                Segment s = batch.get(b);
                if (byInput.get(s.input).size() > 1 && (pooledOf[0] != null || pooledOf[1] != null)) {
                    float w = s.ids.length;
                    for (int k = 0; k < 2; k++) {
                        if (pooledOf[k] != null) {
                            float[] sum = pooledSum[k][s.input] == null
                                    ? (pooledSum[k][s.input] = new float[hidden])
                                    : pooledSum[k][s.input];
                            for (int h = 0; h < hidden; h++) {
                                sum[h] += w * pooledOf[k][b * hidden + h];
                            }
                        }
                    }
                    weight[s.input] += w;
                }
            }
            for (Segment s : batch) {
                if (--left[s.input] == 0) {
                    done++;
                }
            }
            progress.accept(done);
        }
        Map<Head<?, ?>, float[][]> combined = combineWindows(model, heads, pooledSum, weight, options);
        Map<Head<?, ?>, Object[]> results = new LinkedHashMap<>();
        for (Head<?, ?> h : heads) {
            Head.Decoder<?> decoder = h.decoder();
            Object[] out = new Object[n];
            for (int i = 0; i < n; i++) {
                Alignment a = inputs.get(i);
                float[][] rows = h.input() == Head.Input.TOKENS
                        ? wordRows(a, byInput.get(i), h)
                        : byInput.get(i).size() > 1
                                ? new float[][] {combined.get(h)[i]}
                                : byInput.get(i).get(0).rows.get(h);
                out[i] = decoder.decode(rows, a);
            }
            results.put(h, out);
        }
        return results;
    }

    /** The pass's result, or the failure it ended with as thrown by the engine. */
    private static ForwardEngine.Result result(CompletableFuture<ForwardEngine.Result> pass) {
        try {
            return pass.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    /**
     * The largest batch: the configured size, but for an engine that runs several passes at once, small
     * enough that a call of fewer texts than it takes still gives each of its threads a pass.
     */
    static int maxBatch(int segments, int batchSize, int concurrency) {
        return concurrency <= 1 ? batchSize : Math.max(1, Math.min(batchSize, -Math.floorDiv(-segments, concurrency)));
    }

    /** Each input's windows (or, with truncation, its one cut sequence). */
    private static List<List<Segment>> windows(List<Alignment> inputs, InferenceOptions options, Backbone backbone) {
        long cls = backbone.tokenizer().clsId();
        long sep = backbone.tokenizer().sepId();
        List<List<Segment>> byInput = new ArrayList<>(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            long[] ids = inputs.get(i).ids();
            List<Segment> segs = new ArrayList<>(1);
            if (ids.length > options.maxLength() && options.truncate()) {
                LOG.warn("input {} has {} tokens; truncated to {} as requested", i, ids.length, options.maxLength());
                segs.add(new Segment(i, Windows.truncate(ids, options.maxLength(), cls, sep), 0));
            } else {
                for (Windows.Window w : Windows.split(ids, options.maxLength(), options.overlap(), cls, sep)) {
                    segs.add(new Segment(i, w.ids(), w.contentStart()));
                }
            }
            byInput.add(segs);
        }
        return byInput;
    }

    /** A head's output for a batch, copied to its segments: one row each, or one per token. */
    private static void copyRows(float[] flat, List<Segment> batch, Head<?, ?> head, int length) {
        int rowsPerSegment = head.input() == Head.Input.SENTENCE ? 1 : length;
        int width = flat.length / (batch.size() * rowsPerSegment);
        for (int b = 0; b < batch.size(); b++) {
            Segment s = batch.get(b);
            if (head.input() == Head.Input.SENTENCE) {
                s.rows.put(head, new float[][] {Arrays.copyOfRange(flat, b * width, (b + 1) * width)});
            } else {
                float[][] rows = new float[s.ids.length][];
                for (int t = 0; t < s.ids.length; t++) {
                    int from = (b * length + t) * width;
                    rows[t] = Arrays.copyOfRange(flat, from, from + width);
                }
                s.rows.put(head, rows);
            }
        }
    }

    /**
     * For inputs of several windows: each sentence-level head run on the token-weighted mean of the
     * windows' pooled vectors (weight = the window's tokens), in batches.
     */
    private static Map<Head<?, ?>, float[][]> combineWindows(
            MultiTaskModel model, List<Head<?, ?>> heads, float[][][] pooledSums, float[] weight, InferenceOptions o) {
        Map<Head<?, ?>, float[][]> out = new HashMap<>();
        for (Head<?, ?> h : heads) {
            if (h.input() != Head.Input.SENTENCE) {
                continue;
            }
            float[][] pooledSum = pooledSums[model.readsTower(h) ? 1 : 0];
            List<Integer> multi = new ArrayList<>();
            for (int i = 0; i < pooledSum.length; i++) {
                if (pooledSum[i] != null) {
                    multi.add(i);
                }
            }
            if (multi.isEmpty()) {
                continue;
            }
            int hidden = pooledSum[multi.get(0)].length;
            float[][] rows = new float[pooledSum.length][];
            for (int start = 0; start < multi.size(); start += o.batchSize()) {
                List<Integer> chunk = multi.subList(start, Math.min(multi.size(), start + o.batchSize()));
                float[] flat = new float[chunk.size() * hidden];
                for (int c = 0; c < chunk.size(); c++) {
                    int i = chunk.get(c);
                    for (int d = 0; d < hidden; d++) {
                        flat[c * hidden + d] = pooledSum[i][d] / weight[i];
                    }
                }
                try (NDManager m = model.backbone().manager().newSubManager()) {
                    NDArray y = h.forward(m.create(flat, new Shape(chunk.size(), hidden)), false);
                    float[] r = y.toFloatArray();
                    int width = r.length / chunk.size();
                    for (int c = 0; c < chunk.size(); c++) {
                        rows[chunk.get(c)] = Arrays.copyOfRange(r, c * width, (c + 1) * width);
                    }
                }
            }
            out.put(h, rows);
        }
        return out;
    }

    /** A token head's row for each word: the word's first sub-token, in its most central window. */
    private static float[][] wordRows(Alignment a, List<Segment> segs, Head<?, ?> head) {
        int words = a.words().size();
        float[][] rows = new float[words][];
        for (int w = 0; w < words; w++) {
            int tok = a.firstToken()[w];
            int labels = segs.get(0).rows.get(head)[0].length;
            rows[w] = tok < 0 ? new float[labels] : rowAt(tok - 1, segs, head); // content index
        }
        return rows;
    }

    /** The row of content token {@code c} from the window where it is most central. */
    static float[] rowAt(int c, List<Segment> segs, Head<?, ?> head) {
        Segment best = null;
        int bestMargin = -1;
        for (Segment s : segs) {
            int len = s.ids.length - Windows.SPECIAL_TOKENS;
            int pos = c - s.contentStart;
            if (pos >= 0 && pos < len) {
                int margin = Math.min(pos, len - 1 - pos);
                if (margin > bestMargin) {
                    best = s;
                    bestMargin = margin;
                }
            }
        }
        if (best == null) { // only possible with explicit truncation: the word is past the cut
            return new float[segs.get(0).rows.get(head)[0].length];
        }
        return best.rows.get(head)[c - best.contentStart + 1];
    }

    /**
     * Per-batch overhead in padded-token units for {@link #batchEnds}: op dispatch and the low
     * efficiency of small products make a forward pass cost about this much beyond its tokens.
     */
    static final int BATCH_OVERHEAD_TOKENS = 64;

    /**
     * Where to cut segments sorted by decreasing length into batches of at most {@code maxBatch}: the
     * cuts that minimise padded tokens (rows × longest row) plus {@link #BATCH_OVERHEAD_TOKENS} per
     * batch, by dynamic programming over the sorted order. On a large, globally sorted input this gives
     * full batches as fixed-size cutting does; on a small mixed set (the server's merged requests) it
     * puts long and short texts in different batches instead of padding short ones to the longest.
     *
     * @return the exclusive end index of each batch, in order
     */
    static int[] batchEnds(List<Segment> sortedDesc, int maxBatch) {
        int n = sortedDesc.size();
        long[] cost = new long[n + 1]; // cost[i]: best cost of segments i..n-1
        int[] next = new int[n + 1];
        for (int i = n - 1; i >= 0; i--) {
            long longest = sortedDesc.get(i).ids.length;
            cost[i] = Long.MAX_VALUE;
            for (int j = i + 1; j <= Math.min(n, i + maxBatch); j++) {
                long c = BATCH_OVERHEAD_TOKENS + (j - i) * longest + cost[j];
                if (c <= cost[i]) { // among equal costs the longer first batch
                    cost[i] = c;
                    next[i] = j;
                }
            }
        }
        List<Integer> ends = new ArrayList<>();
        for (int i = 0; i < n; i = next[i]) {
            ends.add(next[i]);
        }
        return ends.stream().mapToInt(Integer::intValue).toArray();
    }
}
