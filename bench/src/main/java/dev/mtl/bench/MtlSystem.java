package dev.mtl.bench;

import dev.mtl.SentenceEncoder;
import java.util.List;

/** mtl as users run it: {@code SentenceEncoder.loadDefault().embed(texts)}, batches of 32. */
final class MtlSystem implements EmbedSystem {

    static final int BATCH = 32;

    private final SentenceEncoder encoder;

    MtlSystem() throws Exception {
        SentenceEncoder e = SentenceEncoder.loadDefault();
        this.encoder = e.withOptions(e.options().withBatchSize(BATCH));
    }

    SentenceEncoder encoder() {
        return encoder;
    }

    @Override
    public String name() {
        return "mtl";
    }

    @Override
    public float[][] embed(List<String> texts) {
        return encoder.embed(texts);
    }

    @Override
    public void close() {
        encoder.close();
    }
}
