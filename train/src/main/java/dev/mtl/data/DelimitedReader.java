package dev.mtl.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Reads sentence-classification data from CSV or TSV with RFC 4180 quoting (commons-csv): one record per
 * example, the text and label columns chosen by header name or, without a header, by 0-based index.
 * Quoted fields may hold the delimiter, doubled quotes and newlines. Empty lines are skipped. Not for
 * token-level data, and not for "TSV" whose fields start with an unbalanced {@code "}: that is not
 * RFC 4180 and is reported as malformed.
 */
public final class DelimitedReader {
    public static final char COMMA = ',';
    public static final char TAB = '\t';

    /** A column picked by header name or by 0-based index; exactly one of the two is set. */
    public record Column(String name, int index) {
        private static final int UNSET = -1;

        public Column {
            if ((name == null) == (index == UNSET) || index < UNSET) {
                throw new IllegalArgumentException(
                        "column needs a name or an index >= 0, got name=" + name + ", index=" + index);
            }
        }

        public static Column named(String name) {
            return new Column(Objects.requireNonNull(name, "name"), UNSET);
        }

        public static Column at(int index) {
            return new Column(null, index);
        }

        boolean byName() {
            return name != null;
        }

        @Override
        public String toString() {
            return byName() ? "\"" + name + "\"" : Integer.toString(index);
        }
    }

    /**
     * @param header the first record names the columns (required when a column is picked by name)
     * @param label the label column; null for a file of sentence pairs
     * @param labelSeparator splits a label field into several labels; null keeps it whole
     * @param textPair the second text of a pair, or null: then each record is a labelled text
     * @param score a pair's similarity score, or null (positive pairs)
     */
    public record Options(
            char delimiter,
            boolean header,
            Column text,
            Column label,
            String labelSeparator,
            Charset charset,
            Column textPair,
            Column score) {
        public Options {
            Objects.requireNonNull(text, "text");
            Objects.requireNonNull(charset, "charset");
            if ((label == null) == (textPair == null)) {
                throw new IllegalArgumentException("a label column or a text-pair column, one of the two");
            }
            if (score != null && textPair == null) {
                throw new IllegalArgumentException("a score column needs a text-pair column");
            }
            for (Column c : java.util.Arrays.asList(text, label, textPair, score)) {
                if (!header && c != null && c.byName()) {
                    throw new IllegalArgumentException("columns picked by name need header=true, got " + c);
                }
            }
            if (labelSeparator != null && labelSeparator.isEmpty()) {
                throw new IllegalArgumentException("labelSeparator must be null or non-empty, got \"\"");
            }
        }

        /** A labelled-text file. */
        public Options(
                char delimiter, boolean header, Column text, Column label, String labelSeparator, Charset charset) {
            this(delimiter, header, text, label, labelSeparator, charset, null, null);
        }

        /** Comma-separated with a header row, UTF-8, single labels. */
        public static Options csv(String textColumn, String labelColumn) {
            return new Options(
                    COMMA, true, Column.named(textColumn), Column.named(labelColumn), null, StandardCharsets.UTF_8);
        }

        /** Tab-separated without a header, UTF-8, single labels. */
        public static Options tsv(int textColumn, int labelColumn) {
            return new Options(TAB, false, Column.at(textColumn), Column.at(labelColumn), null, StandardCharsets.UTF_8);
        }

        public Options withCharset(Charset cs) {
            return new Options(delimiter, header, text, label, labelSeparator, cs, textPair, score);
        }

        public Options withLabelSeparator(String separator) {
            return new Options(delimiter, header, text, label, separator, charset, textPair, score);
        }

        /** The same layout read as sentence pairs: the second text, and its score if {@code score} is not null. */
        public Options withPairs(Column pair, Column scoreColumn) {
            return new Options(delimiter, header, text, null, null, charset, pair, scoreColumn);
        }
    }

    private final Options options;

    public DelimitedReader(Options options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    public List<Example> read(Path path) throws IOException {
        String content = TextFile.decode(path, options.charset());
        LineIndex lines = new LineIndex(content);
        CSVFormat.Builder builder =
                CSVFormat.RFC4180.builder().setDelimiter(options.delimiter()).setIgnoreEmptyLines(true);
        if (options.header()) {
            builder.setHeader().setSkipHeaderRecord(true); // no names given: take them from the first record
        }
        CSVFormat format = builder.get();
        List<Example> examples = new ArrayList<>();
        try (CSVParser parser = parseOrFail(path, content, format)) {
            if (options.header()) {
                for (Column c :
                        java.util.Arrays.asList(options.text(), options.label(), options.textPair(), options.score())) {
                    if (c != null && c.byName() && !parser.getHeaderMap().containsKey(c.name())) {
                        throw new DataFormatException(
                                path, 1, "no column " + c + " in header " + parser.getHeaderNames());
                    }
                }
            }
            Iterator<CSVRecord> records = parser.iterator();
            long nextLine = parser.getCurrentLineNumber() + 1;
            while (true) {
                CSVRecord record;
                try {
                    if (!records.hasNext()) {
                        break;
                    }
                    record = records.next();
                } catch (UncheckedIOException e) {
                    // commons-csv reports bad quoting this way; name the line where the broken record starts
                    throw new DataFormatException(path, (int) nextLine, "malformed quoting (RFC 4180)");
                }
                int line = lines.lineOf(record.getCharacterPosition());
                String text = field(path, line, record, options.text());
                if (options.textPair() != null) {
                    examples.add(pair(path, line, record, text));
                    nextLine = parser.getCurrentLineNumber() + 1;
                    continue;
                }
                String label = field(path, line, record, options.label()).strip();
                if (label.isEmpty()) {
                    throw new DataFormatException(path, line, "empty label in column " + options.label());
                }
                List<String> labels = options.labelSeparator() == null
                        ? List.of(label)
                        : Arrays.asList(label.split(Pattern.quote(options.labelSeparator()), -1));
                examples.add(
                        new Example(path.getFileName() + ":" + line, text, List.of(), List.of(), labels, List.of()));
                nextLine = parser.getCurrentLineNumber() + 1;
            }
        }
        return examples;
    }

    private Example pair(Path path, int line, CSVRecord record, String text) {
        String pair = field(path, line, record, options.textPair());
        if (text.isBlank() || pair.isBlank()) {
            throw new DataFormatException(
                    path, line, "empty text in column " + (text.isBlank() ? options.text() : options.textPair()));
        }
        Double score = null;
        if (options.score() != null) {
            String s = field(path, line, record, options.score()).strip();
            try {
                score = Double.parseDouble(s);
            } catch (NumberFormatException e) {
                score = Double.NaN;
            }
            if (!Double.isFinite(score)) {
                throw new DataFormatException(
                        path, line, "score '" + s + "' in column " + options.score() + " is not a number");
            }
        }
        return Example.pair(path.getFileName() + ":" + line, text, pair, score, null);
    }

    private static CSVParser parseOrFail(Path path, String content, CSVFormat format) throws IOException {
        try {
            return CSVParser.parse(content, format);
        } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
            // the header record itself is malformed (bad quoting, duplicate or empty names); the content is
            // in memory, so an IOException here is about the text, never about reading the file
            throw new DataFormatException(path, 1, "malformed header: " + e.getMessage());
        }
    }

    private static String field(Path path, int line, CSVRecord record, Column column) {
        boolean present = column.byName() ? record.isSet(column.name()) : record.isSet(column.index());
        if (!present) {
            throw new DataFormatException(
                    path,
                    line,
                    "missing column " + column + " (record has " + record.size()
                            + (record.size() == 1 ? " column)" : " columns)"));
        }
        return column.byName() ? record.get(column.name()) : record.get(column.index());
    }

    /** Maps a character offset in the decoded file to its 1-based line number. */
    private static final class LineIndex {
        private final String content;
        private final int[] starts;

        LineIndex(String content) {
            this.content = content;
            List<Integer> s = new ArrayList<>();
            s.add(0);
            for (int i = 0; i < content.length(); i++) {
                if (content.charAt(i) == '\n') {
                    s.add(i + 1);
                }
            }
            starts = s.stream().mapToInt(Integer::intValue).toArray();
        }

        /** commons-csv puts a record after the previous one's end, before any skipped empty lines. */
        int lineOf(long offset) {
            int at = (int) offset;
            while (at < content.length() && (content.charAt(at) == '\r' || content.charAt(at) == '\n')) {
                at++;
            }
            int i = Arrays.binarySearch(starts, at);
            return i >= 0 ? i + 1 : -i - 1; // insertion point = index of the next line start
        }
    }
}
