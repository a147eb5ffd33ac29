package dev.mtl.serve;

/** Vector shaping the APIs ask for: OpenAI's {@code dimensions}, TEI's {@code normalize}. */
final class Vectors {

    private Vectors() {}

    /**
     * The first {@code dims} components scaled to unit length, as OpenAI shortens its embeddings; the
     * vector itself when {@code dims} is its whole length (already what the model's head gives).
     */
    static float[] truncate(float[] v, int dims) {
        if (dims == v.length) {
            return v;
        }
        float[] out = new float[dims];
        System.arraycopy(v, 0, out, 0, dims);
        return normalize(out);
    }

    /** Scaled to unit L2 length (a zero vector stays zero). */
    static float[] normalize(float[] v) {
        double sq = 0;
        for (float x : v) {
            sq += (double) x * x;
        }
        if (sq == 0) {
            return v;
        }
        float inv = (float) (1 / Math.sqrt(sq));
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] * inv;
        }
        return out;
    }
}
