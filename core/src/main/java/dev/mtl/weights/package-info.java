/**
 * Weight files: safetensors read/write, the ONNX initializer reader, and the recovery of Hugging Face
 * names for the embedded MiniLM. Produces plain Java {@link dev.mtl.weights.Tensor}s; the model package
 * owns the table that maps these keys to parameters. Depends on config only.
 */
package dev.mtl.weights;
