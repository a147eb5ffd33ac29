package dev.mtl.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * One entity in a tag sequence: tokens {@code [start, end)} of type {@code type}. {@link #extract} uses
 * conlleval's chunk rules, so scores built on it equal conlleval's. Not a character span (see
 * {@code data.CharEntity}).
 */
public record Chunk(int start, int end, String type) {
  private static final String OUTSIDE = "O";
  private static final char BEGIN = 'B';
  private static final char INSIDE = 'I';

  /**
   * conlleval's rules: an entity starts at B-X, or at I-X after O, after another type or at the start;
   * it ends before the next tag that is not I-X of the same type. Tags other than O, B-X, I-X are an
   * {@link IllegalArgumentException}: they come from our own model or readers, so they are a bug.
   */
  public static List<Chunk> extract(List<String> tags) {
    List<Chunk> chunks = new ArrayList<>();
    int openStart = -1;
    String openType = null;
    for (int i = 0; i < tags.size(); i++) {
      String tag = tags.get(i);
      boolean outside = tag.equals(OUTSIDE);
      if (!outside && (tag.length() < 3 || tag.charAt(1) != '-'
          || (tag.charAt(0) != BEGIN && tag.charAt(0) != INSIDE))) {
        throw new IllegalArgumentException("tag " + i + " is \"" + tag + "\", expected O, B-TYPE or I-TYPE");
      }
      String type = outside ? null : tag.substring(2);
      boolean continues = !outside && tag.charAt(0) == INSIDE && type.equals(openType);
      if (openType != null && !continues) {
        chunks.add(new Chunk(openStart, i, openType));
        openType = null;
      }
      if (!outside && !continues) {
        openStart = i;
        openType = type;
      }
    }
    if (openType != null) {
      chunks.add(new Chunk(openStart, tags.size(), openType));
    }
    return chunks;
  }
}
