package dev.mtl.cli;

import dev.mtl.InferenceOptions;
import picocli.CommandLine.Option;

/**
 * {@code --batch-size}, {@code --max-length}, {@code --truncate}: the run-time settings of a forward
 * pass, shared by embed, predict and eval. Turned into the core's {@link InferenceOptions} once the
 * model is known, since the length's default and bound are the model's.
 */
final class InferenceFlags {

    /** [CLS], one content token, [SEP]. */
    static final int MIN_LENGTH = 3;

    @Option(
            names = "--batch-size",
            paramLabel = "N",
            defaultValue = "" + InferenceOptions.DEFAULT_BATCH_SIZE,
            description = "Sequences per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize = InferenceOptions.DEFAULT_BATCH_SIZE;

    @Option(
            names = "--max-length",
            paramLabel = "N",
            description = "Longest window in tokens, [CLS] and [SEP] included (default: the model's maximum).")
    Integer maxLength;

    @Option(
            names = "--truncate",
            description = "Cut texts longer than the maximum (with a warning) instead of windowing them.")
    boolean truncate;

    /** What can be checked before a model is loaded, so a typo does not wait for the weights. */
    void validate() {
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch-size must be >= 1, got " + batchSize);
        }
        if (maxLength != null && maxLength < MIN_LENGTH) {
            throw new IllegalArgumentException("--max-length must be >= " + MIN_LENGTH + ", got " + maxLength);
        }
    }

    /**
     * The model's defaults with these flags applied.
     *
     * @param positions the model's max_position_embeddings: no window may be longer
     */
    InferenceOptions apply(InferenceOptions defaults, int positions) {
        validate();
        InferenceOptions o = defaults.withBatchSize(batchSize).withTruncate(truncate);
        if (maxLength != null) {
            if (maxLength > positions) {
                throw new IllegalArgumentException("--max-length must be at most the model's "
                        + "max_position_embeddings " + positions + ", got " + maxLength);
            }
            o = o.withMaxLength(maxLength);
        }
        return o;
    }
}
