/**
 * The HTTP server behind {@code mtl serve}: JSON endpoints for predictions, OpenAI-shaped embeddings,
 * model information, health and Prometheus metrics, the demo page, and the dynamic batcher that
 * merges concurrent requests into one forward pass on a single inference thread. Uses the public
 * API of {@code dev.mtl} only ({@link dev.mtl.MultiTaskModel}, {@link dev.mtl.PredictionJson},
 * {@link dev.mtl.config.Output}); it never sees a tensor.
 */
package dev.mtl.serve;
