package dev.mtl.onnx;

/**
 * Symmetric per-output-channel int8 quantization of a MatMul weight (K, N): column n becomes
 * round(w / s_n) with s_n = max|w[:, n]| / qmax and zero point 0. Activations are quantized at run
 * time by the operator that consumes these (DynamicQuantizeMatMul).
 *
 * @param data the quantized weight, (K, N) row-major
 * @param scales one scale per output column, (N)
 */
record Int8Weights(byte[] data, float[] scales) {

    /** The full signed 8-bit range. */
    static final int QMAX_8BIT = 127;
    /**
     * 7 bits: on x86 without VNNI, the uint8 × int8 kernels add pairs of products in 16 bits, which
     * full-range weights can saturate; ONNX Runtime's quantizer calls this "reduce_range" and leaves it
     * off by default, as mtl does.
     */
    static final int QMAX_7BIT = 63;

    /** @param w (K, N) row-major */
    static Int8Weights quantize(float[] w, int k, int n, int qmax) {
        float[] scales = new float[n];
        for (int r = 0; r < k; r++) {
            for (int c = 0; c < n; c++) {
                scales[c] = Math.max(scales[c], Math.abs(w[r * n + c]));
            }
        }
        for (int c = 0; c < n; c++) {
            scales[c] = scales[c] == 0 ? 1f : scales[c] / qmax;
        }
        byte[] q = new byte[w.length];
        for (int r = 0; r < k; r++) {
            for (int c = 0; c < n; c++) {
                long v = Math.round(w[r * n + c] / scales[c]);
                q[r * n + c] = (byte) Math.max(-qmax, Math.min(qmax, v));
            }
        }
        return new Int8Weights(q, scales);
    }

    /** The weight as it is used: data × scale, (K, N). */
    float[] dequantize(int k, int n) {
        float[] w = new float[data.length];
        for (int r = 0; r < k; r++) {
            for (int c = 0; c < n; c++) {
                w[r * n + c] = data[r * n + c] * scales[c];
            }
        }
        return w;
    }
}
