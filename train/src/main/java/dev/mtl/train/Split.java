package dev.mtl.train;

/** The three parts of a data set. Only {@link #TRAIN} is required. */
public enum Split {
    TRAIN,
    DEV,
    TEST
}
