/**
 * Task heads on top of the encoder and the decoding that turns their scores into answers: BIO tag
 * sets, constrained Viterbi, the linear-chain CRF and conlleval-style entity spans.
 *
 * <p>The decoding classes work on plain Java arrays (shape {@code (T, L)}: positions × labels) so
 * they can be tested by brute force and reused by {@code eval}; only the heads themselves may use
 * {@code model}.
 */
package dev.mtl.heads;
