package dev.mtl.heads;

/**
 * An entity found in an input.
 *
 * @param start offset of the first character in the input text (Java UTF-16 index)
 * @param end offset after the last character (exclusive)
 * @param label the entity type (the tag without B-/I-)
 * @param text {@code text.substring(start, end)}
 * @param score confidence: the mean over the entity's words of the probability of their tag
 * @param firstWord index of the first word
 * @param endWord index after the last word (exclusive)
 */
public record Entity(int start, int end, String label, String text, double score, int firstWord, int endWord) {}
