package dev.mtl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;

/**
 * One trainable tensor: its expected shape, how to initialise it when no checkpoint provides it, and
 * its current value. The value is set once (loaded or initialised) and then changed in place, so
 * that the optimizer's state stays attached to it.
 */
public final class Param {

    private final Shape shape;
    private final Initializer initializer;
    private NDArray array;

    Param(Shape shape, Initializer initializer) {
        this.shape = shape;
        this.initializer = initializer;
    }

    public Shape shape() {
        return shape;
    }

    public Initializer initializer() {
        return initializer;
    }

    public boolean isInitialized() {
        return array != null;
    }

    /** The current value; it must have been loaded or initialised. */
    public NDArray array() {
        if (array == null) {
            throw new IllegalStateException("parameter of shape " + shape + " was neither loaded nor initialised");
        }
        return array;
    }

    void set(NDArray value) {
        this.array = value;
    }
}
