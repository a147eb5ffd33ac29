/**
 * Tokenizer loading (HF tokenizer.json through DJL's native tokenizers, or a WordPiece vocab.txt) and
 * windows for input longer than the model's maximum. Depends on config only.
 */
package dev.mtl.tokenize;
