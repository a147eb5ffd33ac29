package dev.mtl.bench;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A fixed benchmark corpus of real sentences in equal shares from three datasets in the repository's
 * {@code data/} directory: SNIPS utterances (short commands), TREC questions and WNUT-17 tweets (longer,
 * noisy). Each share is taken at evenly spaced positions of its file, so the corpus is the same on every
 * run and spans each file rather than its first lines; the shares are interleaved so any prefix of the
 * corpus mixes all three sources.
 */
record Corpus(List<String> sentences, Map<String, Integer> perSource) {

    static final String SNIPS = "snips/train/seq.in";
    static final String TREC = "trec/train_5500.label";
    static final String WNUT = "wnut17/wnut17train.conll";

    static Corpus build(Path dataDir, int size) throws IOException {
        List<List<String>> sources =
                List.of(snips(dataDir.resolve(SNIPS)), trec(dataDir.resolve(TREC)), wnut(dataDir.resolve(WNUT)));
        String[] names = {"snips", "trec", "wnut17"};
        String[] files = {SNIPS, TREC, WNUT};
        List<List<String>> shares = new ArrayList<>();
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (int s = 0; s < sources.size(); s++) {
            int share = size / sources.size() + (s < size % sources.size() ? 1 : 0);
            List<String> all = sources.get(s);
            if (share > all.size()) {
                throw new IllegalArgumentException(dataDir.resolve(files[s]) + ": has " + all.size()
                        + " sentences, a corpus of " + size + " needs " + share + " from it");
            }
            List<String> picked = new ArrayList<>(share);
            for (int i = 0; i < share; i++) {
                picked.add(all.get((int) ((long) i * all.size() / share)));
            }
            shares.add(picked);
            counts.put(names[s], share);
        }
        List<String> out = new ArrayList<>(size);
        for (int i = 0; out.size() < size; i++) {
            for (List<String> share : shares) {
                if (i < share.size()) {
                    out.add(share.get(i));
                }
            }
        }
        return new Corpus(List.copyOf(out), counts);
    }

    /** One utterance per line (JointBERT layout). */
    static List<String> snips(Path file) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : lines(file, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                out.add(line.strip());
            }
        }
        return out;
    }

    /** {@code COARSE:fine question text}; the file is Latin-1, not UTF-8. */
    static List<String> trec(Path file) throws IOException {
        List<String> out = new ArrayList<>();
        List<String> lines = lines(file, StandardCharsets.ISO_8859_1);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            int space = line.indexOf(' ');
            if (space < 0) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": no space after the label");
            }
            out.add(line.substring(space + 1).strip());
        }
        return out;
    }

    /** CoNLL: {@code token<TAB>tag} per line, a blank (or tab-only) line between sentences. */
    static List<String> wnut(Path file) throws IOException {
        List<String> out = new ArrayList<>();
        StringBuilder sentence = new StringBuilder();
        List<String> lines = lines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                if (sentence.length() > 0) {
                    out.add(sentence.toString());
                    sentence.setLength(0);
                }
                continue;
            }
            int tab = line.indexOf('\t');
            if (tab <= 0) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": expected token<TAB>tag");
            }
            if (sentence.length() > 0) {
                sentence.append(' ');
            }
            sentence.append(line, 0, tab);
        }
        if (sentence.length() > 0) {
            out.add(sentence.toString());
        }
        return out;
    }

    private static List<String> lines(Path file, Charset cs) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file + ": not found (point --data at the repository's data/ directory)");
        }
        return Files.readAllLines(file, cs);
    }
}
