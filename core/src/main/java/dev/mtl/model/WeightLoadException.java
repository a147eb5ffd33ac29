package dev.mtl.model;

/** A weight file that does not fit the model; the message is one line naming file, key and shapes. */
public final class WeightLoadException extends RuntimeException {
    public WeightLoadException(String message) {
        super(message);
    }
}
