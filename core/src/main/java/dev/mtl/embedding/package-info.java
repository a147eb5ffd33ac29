/**
 * The sentence-embedding head: pooling (mean, CLS, max), optional projection, optional LayerNorm, L2
 * normalization. Reads the encoder's last hidden state; depends on model and config.
 */
package dev.mtl.embedding;
