package dev.mtl.weights;

import java.io.IOException;
import java.nio.FloatBuffer;

/**
 * A named float32 tensor whose values can be read piece by piece: from Java memory ({@link Tensor}) or
 * straight from a weight file ({@link SafeTensors#open}), so that loading copies bounded chunks into
 * native memory and a checkpoint larger than the Java heap still loads.
 */
public interface TensorData {

    /** The checkpoint key. */
    String name();

    /** The dimensions, outermost first. */
    long[] shape();

    /** The number of values. */
    default long count() {
        long n = 1;
        for (long d : shape()) {
            n *= d;
        }
        return n;
    }

    /** Copies values {@code from} .. {@code from + into.remaining()} (row-major) into {@code into}. */
    void read(long from, FloatBuffer into) throws IOException;

    /** The same values under another key. */
    default TensorData named(String key) {
        TensorData self = this;
        return new TensorData() {
            @Override
            public String name() {
                return key;
            }

            @Override
            public long[] shape() {
                return self.shape();
            }

            @Override
            public void read(long from, FloatBuffer into) throws IOException {
                self.read(from, into);
            }
        };
    }
}
