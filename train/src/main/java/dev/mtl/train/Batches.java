package dev.mtl.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * Where a run's batches come from: the task sampler picks the dataset of each micro-batch, and each
 * dataset is read {@code batchSize} at a time in a shuffled, length-bucketed order, pass after pass.
 * Both depend only on the seed and on where the run is ({@link TrainState}), so a resumed run draws
 * exactly the batches an uninterrupted one would.
 */
final class Batches {

    /** Examples sorted by length inside a chunk of this many batches, so batches pad little. */
    static final int BUCKET_BATCHES = 50;

    /** A micro-batch: which dataset it comes from and its instances. */
    record Batch(int dataset, List<Instance> instances) {
        long tokens() {
            return instances.stream().mapToLong(Instance::tokens).sum();
        }
    }

    /** A batch and the state after drawing it. */
    record Draw(Batch batch, TrainState state) {}

    private final List<List<Instance>> sets;
    private final TaskSampler sampler;
    private final int batchSize;
    private final long seed;
    /** Per dataset, the order of its current pass, and which pass that is. */
    private final int[][] orders;

    private final int[] orderPass;

    Batches(List<List<Instance>> sets, TaskSampler sampler, int batchSize, long seed) {
        this.sets = sets;
        this.sampler = sampler;
        this.batchSize = batchSize;
        this.seed = seed;
        this.orders = new int[sets.size()][];
        this.orderPass = new int[sets.size()];
    }

    /** Batches in one pass over every dataset. */
    long batchesPerEpoch() {
        long n = 0;
        for (List<Instance> s : sets) {
            n += (s.size() + batchSize - 1) / batchSize;
        }
        return n;
    }

    /** The next micro-batch after {@code state}. */
    Draw next(TrainState state) {
        int d = sampler.datasetForStep(state.microBatch());
        List<Instance> set = sets.get(d);
        int pass = state.datasetEpoch().get(d);
        int from = state.datasetPosition().get(d);
        int[] order = order(d, pass);
        int to = Math.min(set.size(), from + batchSize);
        List<Instance> batch = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            batch.add(set.get(order[i]));
        }
        boolean passDone = to >= set.size();
        return new Draw(new Batch(d, batch), state.drew(d, passDone ? pass + 1 : pass, passDone ? 0 : to));
    }

    private int[] order(int d, int pass) {
        if (orders[d] == null || orderPass[d] != pass) {
            orders[d] = order(sets.get(d), batchSize, seed, d, pass);
            orderPass[d] = pass;
        }
        return orders[d];
    }

    /**
     * The order in which one pass over a dataset is read, {@code batchSize} at a time: a shuffle, then
     * within chunks of {@link #BUCKET_BATCHES} batches a sort by length (so a batch pads to little more
     * than its longest member; random batches of short SNIPS utterances padded ~3× the real tokens),
     * then the batches shuffled. Deterministic in (seed, dataset, pass); a short batch, if any, is last.
     */
    static int[] order(List<Instance> set, int batchSize, long seed, int dataset, int pass) {
        Random rnd = new Random(seed * 31 + dataset * 1_000_003L + pass * 7919L);
        List<Integer> idx = new ArrayList<>(set.size());
        for (int i = 0; i < set.size(); i++) {
            idx.add(i);
        }
        Collections.shuffle(idx, rnd);
        int chunk = batchSize * BUCKET_BATCHES;
        List<List<Integer>> batches = new ArrayList<>();
        List<Integer> tail = List.of();
        for (int c = 0; c < idx.size(); c += chunk) {
            List<Integer> part = new ArrayList<>(idx.subList(c, Math.min(idx.size(), c + chunk)));
            part.sort(Comparator.comparingInt(i -> set.get(i).ids().length));
            for (int b = 0; b < part.size(); b += batchSize) {
                List<Integer> batch = part.subList(b, Math.min(part.size(), b + batchSize));
                if (batch.size() < batchSize) {
                    tail = batch;
                } else {
                    batches.add(batch);
                }
            }
        }
        Collections.shuffle(batches, rnd);
        int[] out = new int[set.size()];
        int k = 0;
        for (List<Integer> b : batches) {
            for (int i : b) {
                out[k++] = i;
            }
        }
        for (int i : tail) {
            out[k++] = i;
        }
        return out;
    }
}
