package dev.mtl.serve;

import ai.djl.huggingface.tokenizers.Encoding;
import dev.mtl.Prediction;
import dev.mtl.config.Output;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * One request's texts waiting for the model, or one part of a request too large for one batch. A
 * request over the token budget is split into parts of at most the budget each (a single text over it
 * makes a part alone); the parts run as batches of their own, other requests can run between them, and
 * the request's future completes when the last part has, or fails with the first part that fails.
 */
final class Job {

    final List<String> texts;
    final Set<Output> tasks;
    final long enqueuedNanos;
    final CompletableFuture<Batcher.Result> future = new CompletableFuture<>();
    /** Null until tokenized on the inference thread, unless the request gave token ids. */
    Encoding[] encodings;

    int[] tokens;
    int tokenTotal;
    /** The request this job is a part of; null for a whole request. */
    private final Job whole;

    Job(List<String> texts, Encoding[] encodings, Set<Output> tasks) {
        this(texts, encodings, tasks, System.nanoTime(), null);
    }

    private Job(List<String> texts, Encoding[] encodings, Set<Output> tasks, long enqueuedNanos, Job whole) {
        this.texts = texts;
        this.encodings = encodings;
        this.tasks = tasks;
        this.enqueuedNanos = enqueuedNanos;
        this.whole = whole;
        if (encodings != null) {
            count();
        }
    }

    /** Answered already, or a part of a request that has been (failed, timed out or cancelled). */
    boolean abandoned() {
        return future.isDone() || (whole != null && whole.future.isDone());
    }

    boolean tokenized() {
        return tokens != null;
    }

    /** Tokenizes each text once: the counts decide the batches, the encodings feed the forward pass. */
    void tokenize(Function<String, Encoding> tokenizer) {
        Encoding[] enc = new Encoding[texts.size()];
        for (int i = 0; i < enc.length; i++) {
            enc[i] = tokenizer.apply(texts.get(i));
        }
        encodings = enc;
        count();
    }

    private void count() {
        tokens = new int[encodings.length];
        tokenTotal = 0;
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = encodings[i].getIds().length;
            tokenTotal += tokens[i];
        }
    }

    /** Parts of at most {@code budget} tokens each, in order; this job's future completes from theirs. */
    List<Job> split(int budget) {
        List<Job> parts = new ArrayList<>();
        Prediction[] all = new Prediction[texts.size()];
        int from = 0;
        while (from < texts.size()) {
            int to = from + 1;
            int used = tokens[from];
            while (to < texts.size() && used + tokens[to] <= budget) {
                used += tokens[to++];
            }
            parts.add(new Job(
                    texts.subList(from, to), Arrays.copyOfRange(encodings, from, to), tasks, enqueuedNanos, this));
            from = to;
        }
        AtomicInteger left = new AtomicInteger(parts.size());
        int offset = 0;
        for (Job p : parts) {
            int at = offset;
            offset += p.texts.size();
            p.future.whenComplete((r, e) -> {
                if (e != null) {
                    future.completeExceptionally(e instanceof CompletionException ? e.getCause() : e);
                    return;
                }
                for (int i = 0; i < r.predictions().size(); i++) {
                    all[at + i] = r.predictions().get(i);
                }
                if (left.decrementAndGet() == 0) {
                    future.complete(new Batcher.Result(Arrays.asList(all), tokens));
                }
            });
        }
        return parts;
    }
}
