package dev.mtl.model;

import ai.djl.ndarray.NDArray;

/** Dropout that is a no-op outside training (and when the rate is zero), as in PyTorch's eval mode. */
public final class Dropouts {

    private Dropouts() {}

    public static NDArray apply(NDArray x, float rate, boolean training) {
        if (!training || rate == 0f) {
            return x;
        }
        return x.getNDArrayInternal().dropout(x, rate, true).singletonOrThrow();
    }
}
