package dev.mtl.weights;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * A named float32 tensor held in Java memory, between a weight file and the model's NDArrays.
 *
 * @param name the checkpoint key (Hugging Face naming)
 * @param shape the dimensions, outermost first
 * @param data the values in row-major order
 */
public record Tensor(String name, long[] shape, float[] data) implements TensorData {

    public Tensor {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(name + ": negative dimension in " + Arrays.toString(shape));
            }
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException(
                    name + ": shape " + Arrays.toString(shape) + " needs " + n + " values, got " + data.length);
        }
    }

    /** The transpose of a 2-D tensor (ONNX MatMul weights are [in, out]; HF Linear wants [out, in]). */
    public Tensor transpose2d(String newName) {
        if (shape.length != 2) {
            throw new IllegalArgumentException(
                    name + ": transpose2d needs 2 dimensions, got " + Arrays.toString(shape));
        }
        int rows = (int) shape[0];
        int cols = (int) shape[1];
        float[] t = new float[data.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = data[r * cols + c];
            }
        }
        return new Tensor(newName, new long[] {cols, rows}, t);
    }

    @Override
    public long count() {
        return data.length;
    }

    @Override
    public void read(long from, FloatBuffer into) {
        into.put(data, Math.toIntExact(from), into.remaining());
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }
}
