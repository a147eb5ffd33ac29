package dev.mtl.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import dev.mtl.MultiTaskModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenAI clients that nobody here wrote, against a live server on loopback with its default limits:
 * the official OpenAI Java SDK and LangChain4j's OpenAI embedding model get the vectors the Java API
 * ({@code MultiTaskModel.embed}, what {@code mtl embed} runs) computes, and parse the server's errors.
 */
class OpenAiClientsTest {

    @TempDir
    static Path tmp;

    static ServeFixture f;
    static MultiTaskModel direct;
    static OpenAIClient sdk;

    @BeforeAll
    static void start() throws Exception {
        Path dir = ServeFixture.writeTinyModel(tmp);
        f = ServeFixture.start(dir, ServeSettings.defaults());
        direct = MultiTaskModel.load(dir);
        sdk = OpenAIOkHttpClient.builder()
                .baseUrl(f.server.url() + "/v1")
                .apiKey("not-checked")
                .maxRetries(0)
                .build();
    }

    @AfterAll
    static void stop() {
        sdk.close();
        f.close();
        direct.close();
    }

    /** Sentences of mixed length (1 to 24 words) from the tiny vocabulary's words and letters. */
    static List<String> sentences(int n, long seed) {
        String[] words = {"the", "play", "music", "new", "york", "playing", "a", "b", "x", "yo", "cat", ".", "!"};
        Random r = new Random(seed);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int len = 1 + r.nextInt(24);
            StringBuilder s = new StringBuilder();
            for (int w = 0; w < len; w++) {
                s.append(w == 0 ? "" : " ").append(words[r.nextInt(words.length)]);
            }
            out.add(s.toString());
        }
        return out;
    }

    private static double maxAbsDiff(float[] expected, List<Float> actual) {
        assertEquals(expected.length, actual.size());
        double d = 0;
        for (int i = 0; i < expected.length; i++) {
            d = Math.max(d, Math.abs(expected[i] - actual.get(i)));
        }
        return d;
    }

    @Test
    void officialSdkGetsTheJavaApisVectorsForManyInputsInOneRequest() {
        List<String> texts = sentences(300, 1);
        float[][] ref = direct.embed(texts, direct.defaultOptions(), n -> {});
        CreateEmbeddingResponse r = sdk.embeddings()
                .create(EmbeddingCreateParams.builder()
                        .model("mtl")
                        .inputOfArrayOfStrings(texts)
                        .build());
        assertEquals(texts.size(), r.data().size());
        double worst = 0;
        for (int i = 0; i < texts.size(); i++) {
            assertEquals(i, r.data().get(i).index());
            worst = Math.max(worst, maxAbsDiff(ref[i], r.data().get(i).embedding()));
        }
        assertTrue(worst < 1e-5, "max abs diff " + worst);
        assertTrue(r.usage().promptTokens() > texts.size(), "usage counts tokens");
    }

    @Test
    void dimensionsTruncateAndRenormalise() {
        List<String> texts = sentences(5, 2);
        float[][] ref = direct.embed(texts, direct.defaultOptions(), n -> {});
        CreateEmbeddingResponse r = sdk.embeddings()
                .create(EmbeddingCreateParams.builder()
                        .model("mtl")
                        .inputOfArrayOfStrings(texts)
                        .dimensions(8)
                        .build());
        for (int i = 0; i < texts.size(); i++) {
            List<Float> v = r.data().get(i).embedding();
            assertEquals(8, v.size());
            double norm = 0;
            for (float x : v) {
                norm += x * x;
            }
            assertEquals(1.0, Math.sqrt(norm), 1e-5);
            float[] head = Arrays.copyOf(ref[i], 8);
            double scale = 0;
            for (float x : head) {
                scale += x * x;
            }
            for (int k = 0; k < 8; k++) {
                head[k] /= (float) Math.sqrt(scale);
            }
            assertTrue(maxAbsDiff(head, v) < 1e-5, "text " + i);
        }
    }

    @Test
    void tokenIdArraysEmbedLikeTheirText() {
        List<String> texts = sentences(4, 3);
        float[][] ref = direct.embed(texts, direct.defaultOptions(), n -> {});
        List<List<Long>> ids = new ArrayList<>();
        for (String t : texts) {
            long[] all = direct.backbone().tokenizer().encode(t).getIds();
            List<Long> content = new ArrayList<>();
            for (int k = 1; k < all.length - 1; k++) { // without [CLS] and [SEP]
                content.add(all[k]);
            }
            ids.add(content);
        }
        CreateEmbeddingResponse many = sdk.embeddings()
                .create(EmbeddingCreateParams.builder()
                        .model("mtl")
                        .inputOfArrayOfTokenArrays(ids)
                        .build());
        CreateEmbeddingResponse one = sdk.embeddings()
                .create(EmbeddingCreateParams.builder()
                        .model("mtl")
                        .inputOfArrayOfTokens(ids.get(0))
                        .build());
        for (int i = 0; i < texts.size(); i++) {
            assertTrue(maxAbsDiff(ref[i], many.data().get(i).embedding()) < 1e-5, "text " + i);
        }
        assertTrue(maxAbsDiff(ref[0], one.data().get(0).embedding()) < 1e-5);
    }

    @Test
    void sdkParsesTheServersErrorObject() {
        BadRequestException e = assertThrows(
                BadRequestException.class,
                () -> sdk.embeddings()
                        .create(EmbeddingCreateParams.builder()
                                .model("mtl")
                                .input("play the music")
                                .dimensions(1000)
                                .build()));
        assertEquals(400, e.statusCode());
        assertEquals("invalid_request_error", e.type().orElseThrow());
        assertEquals("dimensions", e.param().orElseThrow());
        assertTrue(e.getMessage().contains("'dimensions' must be in [1, 32] for this model, got 1000"), e.getMessage());
    }

    @Test
    void modelsListsTheServedModelAndRetrievesItById() {
        List<Model> models = sdk.models().list().data();
        assertEquals(1, models.size());
        String id = direct.backbone().name();
        assertEquals(id, models.get(0).id());
        assertEquals(id, sdk.models().retrieve(id).id());
        NotFoundException e =
                assertThrows(NotFoundException.class, () -> sdk.models().retrieve("gpt-4o"));
        assertEquals("model_not_found", e.code().orElseThrow());
    }

    @Test
    void langChain4jEmbedAllGetsTheJavaApisVectors() {
        List<String> texts = sentences(240, 4);
        float[][] ref = direct.embed(texts, direct.defaultOptions(), n -> {});
        OpenAiEmbeddingModel lc = OpenAiEmbeddingModel.builder()
                .baseUrl(f.server.url() + "/v1")
                .apiKey("not-checked")
                .modelName("mtl")
                .maxRetries(0)
                .build();
        List<Embedding> got =
                lc.embedAll(texts.stream().map(TextSegment::from).toList()).content();
        assertEquals(texts.size(), got.size());
        double worst = 0;
        for (int i = 0; i < texts.size(); i++) {
            float[] v = got.get(i).vector();
            List<Float> boxed = new ArrayList<>(v.length);
            for (float x : v) {
                boxed.add(x);
            }
            worst = Math.max(worst, maxAbsDiff(ref[i], boxed));
        }
        assertTrue(worst < 1e-5, "max abs diff " + worst);
    }
}
