package dev.mtl.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.mtl.data.ConllReader;
import dev.mtl.data.DelimitedReader;
import dev.mtl.data.Example;
import dev.mtl.data.Field;
import dev.mtl.data.JointBertReader;
import dev.mtl.data.JsonlReader;
import dev.mtl.data.LabelPrefixReader;
import dev.mtl.data.StsbReader;
import dev.mtl.data.TagScheme;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One data set of a training run: where its splits are, which reader parses them, and which task each
 * of its example fields trains. All options are checked here, so {@link #read} fails only on the files.
 *
 * @param train file or directory (JointBERT) of the training split; {@code dev} and {@code test} may be null
 * @param feeds task name → the example field that gives its targets
 * @param encoding charset of the files (TREC needs ISO-8859-1)
 * @param options format-specific reader options, see {@link Format}
 */
public record DatasetSpec(
        @JsonProperty(value = "name", required = true) String name,
        @JsonProperty(value = "format", required = true) Format format,
        @JsonProperty(value = "train", required = true) Path train,
        @JsonProperty("dev") Path dev,
        @JsonProperty("test") Path test,
        @JsonProperty(value = "feeds", required = true) Map<String, Field> feeds,

        @JsonProperty(value = "encoding", defaultValue = "UTF-8")
        String encoding,

        @JsonProperty(value = "options", defaultValue = "{}")
        Map<String, Object> options) {

    /** The readers of {@code dev.mtl.data}, with the options each takes and the fields it fills. */
    public enum Format {
        /** {@link JointBertReader}: option label_separator (default '#'). */
        @JsonProperty("jointbert")
        JOINTBERT(List.of("label_separator"), Field.LABEL, Field.TAGS),
        /** {@link ConllReader}: option scheme iob1|iob2|auto (default auto). */
        @JsonProperty("conll")
        CONLL(List.of("scheme"), Field.TAGS),
        /** {@link DelimitedReader}, header row, text/label columns named "text"/"label" unless set. */
        @JsonProperty("csv")
        CSV(Delimited.OPTIONS, Field.LABEL, Field.SCORE, Field.PAIR),
        /** {@link DelimitedReader}, no header, text in column 0 and label in column 1 unless set. */
        @JsonProperty("tsv")
        TSV(Delimited.OPTIONS, Field.LABEL, Field.SCORE, Field.PAIR),
        /** {@link LabelPrefixReader}: options level coarse|fine (default coarse), pattern (default TREC's). */
        @JsonProperty("label_prefix")
        LABEL_PREFIX(List.of("level", "pattern"), Field.LABEL),
        /** {@link JsonlReader}: no options. */
        @JsonProperty("jsonl")
        JSONL(List.of(), Field.LABEL, Field.TAGS, Field.SCORE, Field.PAIR),
        /** {@link StsbReader}: the STS Benchmark's published layout, scores divided by 5; no options. */
        @JsonProperty("stsb")
        STSB(List.of(), Field.SCORE, Field.PAIR);

        private final List<String> options;
        private final List<Field> fields;

        Format(List<String> options, Field... fields) {
            this.options = options;
            this.fields = List.of(fields);
        }

        public List<String> options() {
            return options;
        }

        /** The example fields this format's reader fills. */
        public List<Field> fields() {
            return fields;
        }

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Enum constants cannot refer to their enum's static fields; this holder they can. */
    private static final class Delimited {
        static final List<String> OPTIONS = List.of(
                "text_column",
                "label_column",
                "header",
                "delimiter",
                "label_separator",
                "text_pair_column",
                "score_column");
    }

    /** The examples of the three splits; a split the spec does not name is an empty list. */
    public record Splits(List<Example> train, List<Example> dev, List<Example> test) {}

    public DatasetSpec {
        if (name == null || name.isBlank()) {
            throw new SettingException("name", "must be a non-empty string");
        }
        if (format == null || train == null) {
            throw new SettingException(format == null ? "format" : "train", "must be set");
        }
        if (feeds == null || feeds.isEmpty()) {
            throw new SettingException("feeds", "must map at least one task to a field (label, tags, score or pair)");
        }
        // The config's order, the same in every JVM: Map.copyOf's iteration order is salted per JVM, and
        // the order of the feeds is the order in which task losses are computed and summed.
        feeds = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(feeds));
        for (Map.Entry<String, Field> f : feeds.entrySet()) {
            if (!format.fields().contains(f.getValue())) {
                throw new SettingException(
                        "feeds." + f.getKey(),
                        "format " + format.key() + " has no '" + f.getValue().key() + "' field; allowed: "
                                + String.join(
                                        ", ",
                                        format.fields().stream().map(Field::key).toList()));
            }
        }
        encoding = encoding == null ? "UTF-8" : encoding;
        options = options == null ? Map.of() : Map.copyOf(options);
        reader(format, charset(encoding), options); // every option checked now, not at the first read
    }

    public Charset charset() {
        return charset(encoding);
    }

    /** The split's path as configured (resolved against the config file's directory by {@link TrainConfig#load}). */
    public Optional<Path> path(Split split) {
        return Optional.ofNullable(
                switch (split) {
                    case TRAIN -> train;
                    case DEV -> dev;
                    case TEST -> test;
                });
    }

    /** Reads one split; an empty list when the spec names no such split. */
    public List<Example> read(Split split) throws IOException {
        Optional<Path> path = path(split);
        return path.isEmpty() ? List.of() : reader(format, charset(), options).read(path.get());
    }

    /** Reads all splits, relative paths resolved against {@code baseDir} (absolute ones are kept). */
    public Splits read(Path baseDir) throws IOException {
        DatasetSpec resolved = resolve(baseDir);
        return new Splits(resolved.read(Split.TRAIN), resolved.read(Split.DEV), resolved.read(Split.TEST));
    }

    /** The same spec with its paths resolved against {@code baseDir} and normalized. */
    public DatasetSpec resolve(Path baseDir) {
        return new DatasetSpec(
                name,
                format,
                baseDir.resolve(train).normalize(),
                dev == null ? null : baseDir.resolve(dev).normalize(),
                test == null ? null : baseDir.resolve(test).normalize(),
                feeds,
                encoding,
                options);
    }

    private interface Reader {
        List<Example> read(Path path) throws IOException;
    }

    private static Reader reader(Format format, Charset charset, Map<String, Object> options) {
        for (String key : options.keySet()) {
            if (!format.options().contains(key)) {
                throw SettingException.unknownKey(
                        "options." + key,
                        format.options().isEmpty()
                                ? List.of("nothing (format " + format.key() + " takes no options)")
                                : format.options());
            }
        }
        Options o = new Options(options);
        switch (format) {
            case JOINTBERT: {
                JointBertReader r = new JointBertReader(
                        o.string("label_separator", JointBertReader.DEFAULT_LABEL_SEPARATOR), charset);
                return r::read;
            }
            case CONLL: {
                ConllReader r = new ConllReader(o.oneOf("scheme", TagScheme.class, TagScheme.AUTO), charset);
                return r::read;
            }
            case CSV:
            case TSV: {
                boolean csv = format == Format.CSV;
                boolean header = o.bool("header", csv);
                DelimitedReader.Column text = o.column(
                        "text_column", csv ? DelimitedReader.Column.named("text") : DelimitedReader.Column.at(0));
                DelimitedReader.Column label = o.column(
                        "label_column", csv ? DelimitedReader.Column.named("label") : DelimitedReader.Column.at(1));
                String delimiter = o.string("delimiter", csv ? "," : "\t");
                if (delimiter.length() != 1) {
                    throw new SettingException("options.delimiter", "'" + delimiter + "' must be a single character");
                }
                DelimitedReader.Options opts;
                try {
                    opts = new DelimitedReader.Options(
                            delimiter.charAt(0), header, text, label, o.string("label_separator", null), charset);
                    DelimitedReader.Column pair = o.column("text_pair_column", null);
                    if (pair != null) {
                        if (options.containsKey("label_column") || options.containsKey("label_separator")) {
                            throw new SettingException(
                                    "options.text_pair_column", "a file of pairs has no label column");
                        }
                        opts = opts.withPairs(pair, o.column("score_column", null));
                    } else if (options.containsKey("score_column")) {
                        throw new SettingException("options.score_column", "needs text_pair_column");
                    }
                } catch (IllegalArgumentException e) {
                    if (e instanceof SettingException) {
                        throw e;
                    }
                    throw new SettingException("options", e.getMessage());
                }
                DelimitedReader r = new DelimitedReader(opts);
                return r::read;
            }
            case LABEL_PREFIX: {
                Pattern pattern;
                String regex = o.string("pattern", null);
                try {
                    pattern = regex == null ? LabelPrefixReader.TREC_PATTERN : Pattern.compile(regex);
                } catch (PatternSyntaxException e) {
                    throw new SettingException(
                            "options.pattern", "'" + regex + "' is not a valid regex: " + e.getDescription());
                }
                LabelPrefixReader r;
                try {
                    r = new LabelPrefixReader(
                            pattern,
                            o.oneOf("level", LabelPrefixReader.Level.class, LabelPrefixReader.Level.COARSE),
                            charset);
                } catch (IllegalArgumentException e) {
                    throw e instanceof SettingException ? e : new SettingException("options.pattern", e.getMessage());
                }
                return r::read;
            }
            case JSONL: {
                JsonlReader r = new JsonlReader(charset);
                return r::read;
            }
            case STSB: {
                StsbReader r = new StsbReader(charset);
                return r::read;
            }
            default:
                throw new AssertionError(format);
        }
    }

    private static Charset charset(String encoding) {
        try {
            return Charset.forName(encoding);
        } catch (IllegalCharsetNameException | java.nio.charset.UnsupportedCharsetException e) {
            throw new SettingException(
                    "encoding", "'" + encoding + "' is not a charset this JVM supports (e.g. UTF-8, ISO-8859-1)");
        }
    }

    /** Typed access to the loosely typed option values (strings, integers, booleans from YAML). */
    private record Options(Map<String, Object> values) {
        String string(String key, String otherwise) {
            Object v = values.get(key);
            if (v == null) {
                return otherwise;
            }
            if (!(v instanceof String s) || s.isEmpty()) {
                throw new SettingException("options." + key, "'" + v + "' must be a non-empty string");
            }
            return s;
        }

        boolean bool(String key, boolean otherwise) {
            Object v = values.get(key);
            if (v != null && !(v instanceof Boolean)) {
                throw new SettingException("options." + key, "'" + v + "' is not one of true, false");
            }
            return v == null ? otherwise : (Boolean) v;
        }

        DelimitedReader.Column column(String key, DelimitedReader.Column otherwise) {
            Object v = values.get(key);
            if (v == null) {
                return otherwise;
            }
            if (v instanceof Integer i && i >= 0) {
                return DelimitedReader.Column.at(i);
            }
            if (v instanceof String s && !s.isEmpty()) {
                return DelimitedReader.Column.named(s);
            }
            throw new SettingException("options." + key, "'" + v + "' must be a column name or a 0-based index");
        }

        <E extends Enum<E>> E oneOf(String key, Class<E> type, E otherwise) {
            Object v = values.get(key);
            if (v == null) {
                return otherwise;
            }
            List<String> names = new ArrayList<>();
            Arrays.stream(type.getEnumConstants())
                    .forEach(c -> names.add(c.name().toLowerCase(Locale.ROOT)));
            int i = names.indexOf(String.valueOf(v));
            if (i < 0) {
                throw SettingException.notOneOf("options." + key, v, names);
            }
            return type.getEnumConstants()[i];
        }
    }
}
