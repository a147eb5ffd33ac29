package dev.mtl.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mtl.Backbone;
import dev.mtl.SentenceEncoder;
import dev.mtl.TestModels;
import dev.mtl.model.WeightLoadException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Safetensors round trips, Hugging Face directories, and the promised loading errors. */
class WeightLoadingTest {

    @TempDir
    Path tmp;

    /** Writes a tiny HF directory as transformers' BertForMaskedLM would: bert. prefix, gamma/beta, cls head. */
    private Path hfDirectory(Backbone source, boolean legacyNames) throws IOException {
        Path dir = tmp.resolve("hf");
        TestModels.writeVocab(dir);
        source.config().write(dir.resolve("config.json"));
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Tensor t : source.parameters().toTensors().values()) {
            String k = "bert." + t.name();
            if (legacyNames && k.contains("LayerNorm")) {
                k = k.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta");
            }
            out.put(k, new Tensor(k, t.shape(), t.data()));
        }
        out.put("cls.predictions.bias", new Tensor("cls.predictions.bias", new long[] {3}, new float[3]));
        out.put("bert.pooler.dense.bias", new Tensor("bert.pooler.dense.bias", new long[] {2}, new float[2]));
        SafeTensors.write(dir.resolve("model.safetensors"), out, Map.of("format", "pt"));
        return dir;
    }

    @Test
    void safetensorsRoundTripIsBitIdentical() throws IOException {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("a", new Tensor("a", new long[] {2, 3}, new float[] {1, -2, 3.5f, Float.MIN_VALUE, 1e30f, -0f}));
        in.put("b.c", new Tensor("b.c", new long[] {1}, new float[] {42}));
        Path f = tmp.resolve("x.safetensors");
        SafeTensors.write(f, in, Map.of());
        Map<String, Tensor> back = SafeTensors.read(f);
        assertEquals(List.of("a", "b.c"), List.copyOf(back.keySet()));
        assertArrayEquals(in.get("a").data(), back.get("a").data());
        assertArrayEquals(new long[] {2, 3}, back.get("a").shape());
    }

    @Test
    void sameWeightsGiveTheSameBytesWhateverTheMetadataOrder() throws IOException {
        Map<String, Tensor> in = Map.of("a", new Tensor("a", new long[] {2}, new float[] {1, 2}));
        Map<String, String> ab = new LinkedHashMap<>();
        ab.put("format", "pt");
        ab.put("mtl.format_version", "1");
        Map<String, String> ba = new LinkedHashMap<>();
        ba.put("mtl.format_version", "1");
        ba.put("format", "pt");
        SafeTensors.write(tmp.resolve("ab.safetensors"), in, ab);
        SafeTensors.write(tmp.resolve("ba.safetensors"), in, ba);
        assertArrayEquals(
                Files.readAllBytes(tmp.resolve("ab.safetensors")), Files.readAllBytes(tmp.resolve("ba.safetensors")));
    }

    @Test
    void halfPrecisionConversion() {
        assertEquals(1.0f, SafeTensors.halfToFloat((short) 0x3c00));
        assertEquals(-2.0f, SafeTensors.halfToFloat((short) 0xc000));
        assertEquals(65504f, SafeTensors.halfToFloat((short) 0x7bff));
        assertEquals(5.9604645e-8f, SafeTensors.halfToFloat((short) 0x0001), 1e-12f);
    }

    @Test
    void huggingFaceDirectoryWithPrefixLegacyNamesAndVocabTxtLoadsExactly() throws Exception {
        try (Backbone source = TestModels.tinyBackbone(tmp.resolve("src"))) {
            Path dir = hfDirectory(source, true);
            try (SentenceEncoder a = new SentenceEncoder(
                            source,
                            dev.mtl.config.EmbeddingConfig.sentenceTransformers(),
                            dev.mtl.InferenceOptions.defaults(64));
                    SentenceEncoder b = SentenceEncoder.load(dir)) {
                List<String> texts = List.of("the music", "new york playing", "");
                float[][] ea = a.embed(texts);
                float[][] eb = b.embed(texts);
                for (int i = 0; i < texts.size(); i++) {
                    assertArrayEquals(ea[i], eb[i], texts.get(i));
                }
            }
        }
    }

    @Test
    void truncatedFileNamesTheTensorAndBothSizes() throws Exception {
        try (Backbone source = TestModels.tinyBackbone(tmp.resolve("src"))) {
            Path dir = hfDirectory(source, false);
            Path f = dir.resolve("model.safetensors");
            byte[] bytes = Files.readAllBytes(f);
            Files.write(f, java.util.Arrays.copyOf(bytes, bytes.length - 1000));
            IOException e = assertThrows(IOException.class, () -> Backbone.load(dir));
            assertTrue(e.getMessage().startsWith(f + ": truncated safetensors file: tensor '"), e.getMessage());
            assertTrue(
                    e.getMessage().matches(".*needs bytes up to \\d+ of the data section, the file has \\d+"),
                    e.getMessage());
        }
    }

    @Test
    void wrongShapeNamesTheKeyAndBothShapes() throws Exception {
        Map<String, Tensor> w = tinyWeights();
        String key = "encoder.layer.1.attention.self.key.weight";
        w.put(key, new Tensor(key, new long[] {32, 16}, new float[32 * 16]));
        WeightLoadException e = assertThrows(WeightLoadException.class, () -> loadInto(w));
        assertEquals(
                "test.safetensors: wrong shape for '" + key + "': file has [32, 16], model expects [32, 32]",
                e.getMessage());
    }

    @Test
    void missingKeyIsNamed() throws Exception {
        Map<String, Tensor> w = tinyWeights();
        w.remove("encoder.layer.0.output.LayerNorm.bias");
        WeightLoadException e = assertThrows(WeightLoadException.class, () -> loadInto(w));
        assertEquals(
                "test.safetensors: missing key 'encoder.layer.0.output.LayerNorm.bias' (expected shape (32))",
                e.getMessage());
    }

    @Test
    void unexpectedKeyIsNamed() throws Exception {
        Map<String, Tensor> w = tinyWeights();
        w.put(
                "encoder.layer.9.output.dense.bias",
                new Tensor("encoder.layer.9.output.dense.bias", new long[] {4}, new float[4]));
        WeightLoadException e = assertThrows(WeightLoadException.class, () -> loadInto(w));
        assertEquals(
                "test.safetensors: unexpected key 'encoder.layer.9.output.dense.bias' (shape [4]) is not a "
                        + "parameter of this model",
                e.getMessage());
    }

    @Test
    void notASafetensorsFile() throws Exception {
        Path f = tmp.resolve("bad.safetensors");
        Files.writeString(f, "this is not a weight file at all");
        IOException e = assertThrows(IOException.class, () -> SafeTensors.read(f));
        assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
    }

    private Map<String, Tensor> tinyWeights() throws IOException {
        try (Backbone b = TestModels.tinyBackbone(tmp.resolve("w"))) {
            return new LinkedHashMap<>(b.parameters().toTensors());
        }
    }

    private void loadInto(Map<String, Tensor> w) throws IOException {
        try (Backbone b = TestModels.tinyBackbone(tmp.resolve("t"))) {
            dev.mtl.model.BertModel fresh = new dev.mtl.model.BertModel(b.config());
            dev.mtl.model.ParameterTable.of(fresh, "").load(w, b.manager(), "test.safetensors");
        }
    }
}
