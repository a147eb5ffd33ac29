/**
 * The {@code mtl} command line: one class per command, the options several commands share as picocli
 * mixins, and the one-line error convention. Parsing, file handling and messages only; it uses the
 * public API of core, train and serve and knows nothing about tensors.
 */
package dev.mtl.cli;
