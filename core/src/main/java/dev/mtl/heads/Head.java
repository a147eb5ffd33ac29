package dev.mtl.heads;

import ai.djl.ndarray.NDArray;
import dev.mtl.config.Output;
import dev.mtl.model.HfModule;
import dev.mtl.tokenize.Alignment;
import java.util.List;

/**
 * A head on the shared encoder: its own parameters, its forward pass on what it reads of the encoder's
 * output, its loss against targets, and the decoding of its output into one result per input. Every
 * head kind implements this, the sentence-embedding head included; {@link dev.mtl.Heads#create} maps a task's
 * config to its head. The model runs the encoder once and each requested head on its input; training
 * and inference share that forward pass.
 *
 * <p>Shapes: B batch, T tokens, H hidden.
 *
 * @param <T> one example's target, as {@link #loss} takes it
 * @param <R> one input's result
 */
public abstract class Head<T, R> extends HfModule {

    /** What a head reads from the encoder. */
    public enum Input {
        /** The pooled sentence vector, (B, H): one row per sequence. */
        SENTENCE,
        /** The final hidden state of every token, (B, T, H). */
        TOKENS
    }

    /** Turns one input's rows of the head's output into its result. */
    @FunctionalInterface
    public interface Decoder<R> {
        /**
         * @param rows the head's output for one input, copied to Java: one row for a sentence head, one
         *     per word of {@code input} for a token head (each word read at its first sub-token)
         * @param input the input's words and where they are in its text
         */
        R decode(float[][] rows, Alignment input);
    }

    private final String name;

    protected Head(String name) {
        this.name = name;
    }

    /** The task name; the head's parameters are saved under {@code heads.<name>.}. */
    public final String name() {
        return name;
    }

    public abstract Input input();

    /** Which part of a prediction carries this head's results. */
    public abstract Output output();

    /** (B, H) or (B, T, H), as {@link #input} says → this head's output for each row. */
    public abstract NDArray forward(NDArray x, boolean training);

    /**
     * The mean loss of a batch. Every intermediate belongs to {@code output}'s manager (the batch's).
     *
     * @param output what {@link #forward} returned in training
     * @param targets one per sequence of the batch, in row order
     */
    public abstract NDArray loss(NDArray output, List<T> targets);

    /**
     * One example's target from its gold strings.
     *
     * @param gold a sentence head's labels, or a token head's tags, one per word of {@code input}
     * @throws IllegalArgumentException naming what does not fit this head (a label it does not know)
     */
    public T target(List<String> gold, Alignment input) {
        throw new UnsupportedOperationException(name + ": this head is not trained from labels");
    }

    /** A decoder over the head's current parameters; take one per prediction call. */
    public abstract Decoder<R> decoder();

    /** {@link #loss} for targets kept untyped (a dataset holds the targets of several heads). */
    @SuppressWarnings("unchecked")
    public final NDArray lossOf(NDArray output, List<?> targets) {
        return loss(output, (List<T>) targets);
    }
}
