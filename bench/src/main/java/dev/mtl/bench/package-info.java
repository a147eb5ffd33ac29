/**
 * Benchmarks, each against a peer measured in the same run, printing numbers and ratios: {@code embed}
 * (mtl vs langchain4j's all-MiniLM-L6-v2 vs plain ONNX Runtime on the same ONNX file), {@code train}
 * (training speed and MFU against a matmul peak probed inside each window), {@code serve} ({@code mtl
 * serve} under HTTP load vs {@code mtl embed}'s code and the in-memory call) and {@code spark} (the
 * Spark job vs a single process). Nothing here is a test; the one check that stops a run is {@code
 * embed} refusing to time systems that compute different embeddings. May use the public API of every
 * mtl module, DJL, ONNX Runtime and langchain4j; no product module depends on this package.
 */
package dev.mtl.bench;
