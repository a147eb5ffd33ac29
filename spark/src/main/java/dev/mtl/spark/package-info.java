/**
 * mtl on Apache Spark: {@link dev.mtl.spark.MtlSparkJob}, a batch job from text, JSONL or Parquet to
 * typed Parquet or JSONL, and {@link dev.mtl.spark.MtlTransformer}, the same prediction as a Spark ML
 * {@code Transformer} (a Pipeline stage, saved and loaded with its pipeline). The model is loaded once
 * per executor JVM and fed chunks of rows from each partition. Uses the public API ({@code dev.mtl})
 * only.
 */
package dev.mtl.spark;
