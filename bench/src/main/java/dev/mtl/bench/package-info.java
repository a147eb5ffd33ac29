/**
 * Throughput benchmarks of the public API against its peers: langchain4j's in-process
 * all-MiniLM-L6-v2 and plain ONNX Runtime on the same ONNX file. Benchmarks print numbers; the only
 * thing they assert is that the systems compute the same embeddings. May use mtl-core's public API,
 * DJL, ONNX Runtime and langchain4j; nothing in core depends on this package.
 */
package dev.mtl.bench;
