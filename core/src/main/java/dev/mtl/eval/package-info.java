/**
 * Metrics on plain Java lists: accuracy, macro-F1, per-class scores and the confusion matrix for
 * classification; conlleval-compatible entity-level precision/recall/F1 for NER; and a writer for the
 * {@code word gold predicted} layout so any run can be re-scored with conlleval itself. May use
 * {@code data}; knows nothing about models or tensors.
 */
package dev.mtl.eval;
