/**
 * Readers that turn data files (JointBERT directories, CoNLL, TSV/CSV, label-prefixed lines, JSONL) into
 * {@link dev.mtl.data.Example} records, and the {@link dev.mtl.data.LabelVocabulary} built from them.
 * Every reader decodes strictly and reports malformed input as a one-line {@code path:line: problem}
 * {@link dev.mtl.data.DataFormatException}. May use {@code tokenize}; nothing here knows about tensors.
 */
package dev.mtl.data;
