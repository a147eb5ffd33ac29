package dev.mtl.data;

import java.util.ArrayList;
import java.util.List;

/** Tag syntax and IOB1 → IOB2 conversion shared by the token-tagged readers. */
final class Tags {
    static final String OUTSIDE = "O";
    private static final String BEGIN = "B-";
    private static final String INSIDE = "I-";

    private Tags() {}

    /** Returns null when {@code tag} is O, B-TYPE or I-TYPE, else the problem in words. */
    static String problem(String tag) {
        boolean ok = tag.equals(OUTSIDE)
                || ((tag.startsWith(BEGIN) || tag.startsWith(INSIDE)) && tag.length() > BEGIN.length());
        return ok ? null : "invalid tag \"" + tag + "\", expected O, B-TYPE or I-TYPE";
    }

    /** True when {@code tag} is an I-X that starts an entity: after O, after another type, or first. */
    static boolean opensWithInside(String previous, String tag) {
        if (!tag.startsWith(INSIDE)) {
            return false;
        }
        return previous == null || previous.equals(OUTSIDE) || !type(previous).equals(type(tag));
    }

    /** Index of the first entity-opening I-X, or -1 when the tags are already valid IOB2. */
    static int firstOpeningInside(List<String> tags) {
        for (int i = 0; i < tags.size(); i++) {
            if (opensWithInside(i == 0 ? null : tags.get(i - 1), tags.get(i))) {
                return i;
            }
        }
        return -1;
    }

    /** IOB1 → IOB2: each I-X that opens an entity becomes B-X; a no-op on valid IOB2. */
    static List<String> toIob2(List<String> tags) {
        List<String> out = new ArrayList<>(tags.size());
        for (int i = 0; i < tags.size(); i++) {
            String tag = tags.get(i);
            out.add(opensWithInside(i == 0 ? null : tags.get(i - 1), tag) ? BEGIN + type(tag) : tag);
        }
        return out;
    }

    static String type(String tag) {
        return tag.equals(OUTSIDE) ? "" : tag.substring(BEGIN.length());
    }
}
