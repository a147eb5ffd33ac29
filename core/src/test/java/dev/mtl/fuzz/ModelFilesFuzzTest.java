package dev.mtl.fuzz;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.ThreadMXBean;
import dev.mtl.config.BertConfig;
import dev.mtl.tokenize.TextTokenizer;
import dev.mtl.weights.SafeTensors;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Model files from a hostile source: config.json, safetensors and tokenizer.json, the seed corpora under
 * {@code fuzz/} as they are and mutated (see {@link Mutations}). Each may load or fail with an
 * {@link IOException} naming the file; nothing else escapes, and a safetensors header that claims more
 * bytes than the file has allocates nothing.
 */
class ModelFilesFuzzTest {

    @TestFactory
    Stream<DynamicTest> configJson() {
        return Mutations.fuzz("config", 1, 400, content -> {
            Path f = Mutations.file("config.json", content);
            Mutations.onlyDocumented(f.toString(), () -> BertConfig.read(f), IOException.class);
        });
    }

    @TestFactory
    Stream<DynamicTest> safetensors() {
        Mutations.Generator<byte[]> headers = Mutations.of("safetensors-header");
        // A seed header with its own length and 64 data bytes, room for its tensors: the file reads.
        Stream<DynamicTest> seeds =
                Mutations.unmutated("safetensors-header", h -> safetensorsFile(h.length, h, new byte[64]), this::reads);
        // A length field (true, or any long), a mutated JSON header, then 0-64 data bytes.
        Stream<DynamicTest> mutated = Mutations.tries(
                2,
                400,
                r -> {
                    byte[] header = headers.next(r);
                    long len = r.nextInt(4) == 0 ? r.nextLong() : header.length;
                    byte[] data = new byte[r.nextInt(65)];
                    r.nextBytes(data);
                    return safetensorsFile(len, header, data);
                },
                this::reads);
        return Stream.concat(seeds, mutated);
    }

    private void reads(byte[] content) {
        Path f = Mutations.file(".safetensors", content);
        Mutations.onlyDocumented(f.toString(), () -> SafeTensors.read(f), IOException.class);
    }

    private static byte[] safetensorsFile(long headerLength, byte[] header, byte[] data) {
        return ByteBuffer.allocate(8 + header.length + data.length)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(headerLength)
                .put(header)
                .put(data)
                .array();
    }

    @TestFactory
    Stream<DynamicTest> tokenizerJson() {
        return Mutations.fuzz("tokenizer", 3, 150, content -> {
            String json = new String(content, StandardCharsets.UTF_8);
            Mutations.onlyDocumented(
                    "tokenizer.json",
                    () -> TextTokenizer.fromJson(json, "tokenizer.json").close(),
                    IOException.class);
        });
    }

    /** Found by {@link #tokenizerJson}: the native tokenizer used to abort the JVM on this file. */
    @Test
    void malformedJsonThatAbortedTheNativeTokenizerIsAnError() {
        String json = Mutations.seeds("tokenizer").get(1);
        IOException e = assertThrows(IOException.class, () -> TextTokenizer.fromJson(json, "crash-decoder.json"));
        assertTrue(e.getMessage().startsWith("crash-decoder.json: not valid JSON"), e.getMessage());
    }

    @Test
    void aHeaderClaimingHugeSizesAllocatesNothing() throws Exception {
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        byte[] header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1000000000,1000],\"data_offsets\":[0,4000000000000]}}"
                .getBytes(StandardCharsets.UTF_8);
        Path claimsTerabytes = Mutations.file(
                ".safetensors",
                ByteBuffer.allocate(8 + header.length)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putLong(header.length)
                        .put(header)
                        .array());
        Path claimsHugeHeader = Mutations.file(
                ".safetensors",
                ByteBuffer.allocate(16)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putLong(Long.MAX_VALUE / 2)
                        .array());
        Path claimsLargeHeader = Mutations.file(
                ".safetensors",
                ByteBuffer.allocate(16)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putLong(90_000_000L) // under the header cap, over the file's size
                        .array());
        long tid = Thread.currentThread().getId();
        for (Path f : new Path[] {claimsTerabytes, claimsHugeHeader, claimsLargeHeader}) {
            assertThrows(IOException.class, () -> SafeTensors.read(f)); // warm-up: classes, JSON parser
            long before = mx.getThreadAllocatedBytes(tid);
            IOException e = assertThrows(IOException.class, () -> SafeTensors.read(f));
            long allocated = mx.getThreadAllocatedBytes(tid) - before;
            assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
            assertTrue(allocated < 1_000_000, f + ": " + allocated + " bytes allocated for " + e.getMessage());
        }
    }
}
