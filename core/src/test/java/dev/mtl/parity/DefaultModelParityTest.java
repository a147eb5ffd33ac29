package dev.mtl.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.mtl.SentenceEncoder;
import dev.mtl.tokenize.Windows;
import dev.mtl.weights.MiniLmWeights;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tier 3: the embedded all-MiniLM-L6-v2 on our DJL encoder against ONNX Runtime running the same ONNX
 * file (and against langchain4j's embeddings), on varied text in mixed-length batches.
 */
class DefaultModelParityTest {

    static SentenceEncoder encoder;
    static ReferenceOnnx reference;

    /** 60 varied sentences: accents, scripts, emoji, numbers, punctuation, an empty one, a long one. */
    static final List<String> TEXTS = new ArrayList<>(List.of(
            "The quick brown fox jumps over the lazy dog.",
            "",
            "Hi",
            "Crème brûlée, naïve café, jalapeño and Ångström.",
            "Москва — столица России.",
            "東京は日本の首都です。",
            "北京欢迎你",
            "مرحبا بالعالم",
            "שלום עולם",
            "नमस्ते दुनिया",
            "Γειά σου Κόσμε",
            "안녕하세요 세계",
            "I love pizza 🍕🍕 and tacos 🌮!",
            "😀😃😄😁",
            "Call me at +1 (555) 123-4567 or 555.987.6543.",
            "Pi is 3.14159265358979 and e is 2.718281828.",
            "Order #12345 shipped on 2024-03-15 at 14:30 UTC.",
            "Wait... what?!?! No way!!!",
            "----- ===== ***** ?????",
            "((nested (parentheses) here))",
            "email@example.com and https://example.org/path?q=1&r=2",
            "The U.K. and the U.S.A. signed the treaty.",
            "don't can't won't shouldn't y'all",
            "ALL CAPS SENTENCE SHOUTING LOUDLY",
            "mIxEd CaSe TeXt",
            "tab\tseparated\ttext",
            "   leading and trailing spaces   ",
            "multiple     spaces    between",
            "Supercalifragilisticexpialidocious antidisestablishmentarianism",
            "pneumonoultramicroscopicsilicovolcanoconiosis",
            "C++ and C# and F# are languages; so is Java 17.",
            "x = y^2 + 3*z - 4/w",
            "¿Dónde está la biblioteca?",
            "Ich möchte ein Bier, bitte.",
            "Ça va très bien, merci beaucoup !",
            "São Paulo é a maior cidade do Brasil.",
            "Zürich, Köln, and Malmö are cities.",
            "listen to westbam alumb allergic on google music",
            "add step to me to the 50 clásicos playlist",
            "What is the capital of Mongolia?",
            "How did serfdom develop in and then leave Russia ?",
            "book a table for 4 at a highly rated italian restaurant tomorrow at 8pm",
            "rate this current textbook a 1 out of 6",
            "will it be sunny in san francisco next week",
            "The stock rose 12.5% to $1,234.56 on Tuesday.",
            "A",
            "a b c d e f g h i j k l m n o p",
            "¡¡¡Hola!!!",
            "…ellipsis character and “smart quotes” and ‘single’ ones",
            "em—dash and en–dash and non‑breaking hyphen",
            "ﬁ ligature and ﬀ ligature",
            "Zero-width\u200bspace and soft\u00adhyphen",
            "Vietnamese: Tiếng Việt có dấu",
            "Thai: ภาษาไทย",
            "Emoji with skin tone 👍🏽 and family 👨‍👩‍👧",
            "1234567890",
            "The meeting is at 10:00am; don't be late.",
            "He said, \"It's fine\" — then left.",
            "Short.",
            "This is a somewhat longer sentence that talks about the weather, the news, sports, "
                    + "and many other topics that people like to discuss over coffee in the morning."));

    static String longText() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 80; i++) {
            sb.append("Sentence number ").append(i).append(" talks about something different. ");
        }
        return sb.toString(); // about 560 tokens, over the 512 maximum
    }

    @BeforeAll
    static void load() throws Exception {
        encoder = SentenceEncoder.loadDefault();
        reference = new ReferenceOnnx();
    }

    @AfterAll
    static void close() throws Exception {
        encoder.close();
        reference.close();
    }

    @Test
    void atLeastFiftyVariedSentences() {
        assertTrue(TEXTS.size() >= 50);
    }

    @Test
    void tokenIdsEqualReferenceTokenizerJson() throws Exception {
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(MiniLmWeights.TOKENIZER_RESOURCE);
                HuggingFaceTokenizer ref = HuggingFaceTokenizer.newInstance(in, Map.of())) {
            // The reference tokenizer.json truncates/pads to 128; compare on what fits.
            for (String text : TEXTS) {
                Encoding r = ref.encode(text);
                long[] refIds = r.getIds();
                long[] mask = r.getAttentionMask();
                int n = (int) Arrays.stream(mask).sum();
                long[] ours = encoder.backbone().tokenizer().encode(text).getIds();
                assertTrue(ours.length >= n, text);
                assertEquals(Arrays.toString(Arrays.copyOf(refIds, n)), Arrays.toString(Arrays.copyOf(ours, n)), text);
            }
        }
    }

    @Test
    void lastHiddenStateMatchesOnnxRuntimeInMixedLengthBatches() throws Exception {
        List<String> texts = new ArrayList<>(TEXTS);
        texts.add(longText());
        List<long[]> seqs = new ArrayList<>();
        for (String t : texts) {
            long[] ids = encoder.backbone().tokenizer().encode(t).getIds();
            seqs.add(Windows.truncate(ids, 512, ids[0], ids[ids.length - 1]));
        }
        assertTrue(encoder.backbone().tokenizer().encode(longText()).getIds().length > 512);
        double worst = 0;
        // Batches of 16 in input order, so lengths are mixed and padding matters.
        for (int start = 0; start < seqs.size(); start += 16) {
            List<long[]> batch = seqs.subList(start, Math.min(seqs.size(), start + 16));
            float[][][] ours = encoder.lastHiddenStates(batch);
            float[][][] ref = reference.lastHiddenState(batch);
            for (int i = 0; i < batch.size(); i++) {
                for (int t = 0; t < batch.get(i).length; t++) {
                    for (int h = 0; h < ours[i][t].length; h++) {
                        worst = Math.max(worst, Math.abs(ours[i][t][h] - ref[i][t][h]));
                    }
                }
            }
        }
        System.out.printf(
                "parity: max abs difference of the last hidden state vs ONNX Runtime = %.3g (%d sequences)%n",
                worst, seqs.size());
        assertTrue(worst <= 1e-4, "max abs difference " + worst);
        assertTrue(worst > 0 || seqs.isEmpty(), "suspicious: bit-identical to ONNX Runtime");
    }

    @Test
    void embeddingsMatchLangchain4j() {
        AllMiniLmL6V2EmbeddingModel l4j = new AllMiniLmL6V2EmbeddingModel();
        List<TextSegment> segs =
                TEXTS.stream().filter(t -> !t.isBlank()).map(TextSegment::from).toList();
        List<Embedding> ref = l4j.embedAll(segs).content();
        float[][] ours = encoder.embed(segs.stream().map(TextSegment::text).toList());
        double worst = 1;
        for (int i = 0; i < segs.size(); i++) {
            float[] r = ref.get(i).vector();
            double dot = 0;
            double nr = 0;
            double no = 0;
            for (int h = 0; h < r.length; h++) {
                dot += r[h] * ours[i][h];
                nr += r[h] * r[h];
                no += ours[i][h] * ours[i][h];
            }
            worst = Math.min(worst, dot / Math.sqrt(nr * no));
            assertEquals(1.0, Math.sqrt(no), 1e-5, "L2 norm of " + segs.get(i).text());
        }
        System.out.printf("parity: worst embedding cosine vs langchain4j = %.9f (%d texts)%n", worst, segs.size());
        assertTrue(worst >= 0.99999, "worst cosine " + worst);
    }
}
