package dev.mtl.data;

/**
 * How B-/I- tags in a token-tagged file are to be read. Readers always return IOB2.
 *
 * <ul>
 *   <li>{@link #IOB2}: every entity starts with B-X; an I-X that opens an entity (after O, a different
 *       type, or at sentence start) is an error.
 *   <li>{@link #IOB1}: an entity starts with I-X; B-X only separates two adjacent entities of one type
 *       (CoNLL-2003 as released). Converted to IOB2 by turning each entity-opening I-X into B-X.
 *   <li>{@link #AUTO}: IOB1 if any I-X in the file opens an entity, else IOB2. The conversion rewrites
 *       exactly the tags that conlleval already reads as entity starts, so guessing IOB1 for an IOB2 file
 *       with a stray I-X yields the entities conlleval would score; the price is that such annotation
 *       errors pass silently. Use {@link #IOB2} to catch them.
 * </ul>
 */
public enum TagScheme {
    IOB1,
    IOB2,
    AUTO
}
