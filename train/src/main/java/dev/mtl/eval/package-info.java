/**
 * Metrics on plain Java lists: accuracy, macro-F1, per-class scores and the confusion matrix for
 * classification; conlleval-compatible entity-level precision/recall/F1 for NER; a writer for the
 * {@code word gold predicted} layout so any run can be re-scored with conlleval itself; and the
 * end-of-run training report (an HTML page and PNG plots made from {@code metrics.jsonl}). May use
 * {@code data}, and {@code heads.Entities} for conlleval's chunk rules (one definition shared by decoding
 * and scoring, so served spans and F1 agree); knows nothing about models or tensors.
 */
package dev.mtl.eval;
