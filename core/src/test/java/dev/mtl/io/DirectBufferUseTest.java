package dev.mtl.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mtl.weights.SafeTensors;
import dev.mtl.weights.Tensor;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Large files are written and read in bounded pieces. A heap buffer handed whole to a file channel
 * makes the JDK copy it through a temporary direct buffer of the same size, which it then keeps per
 * thread for reuse: a checkpoint's largest tensor stayed resident for the rest of a training run.
 */
class DirectBufferUseTest {

    private static final long LIMIT = 8L << 20;

    @TempDir
    Path tmp;

    @Test
    void safetensorsWriteAndReadKeepDirectMemorySmall() throws Exception {
        inFreshThread(this::safetensorsRoundTrip);
    }

    @Test
    void atomicWriteOfALargeArrayKeepsDirectMemorySmall() throws Exception {
        inFreshThread(this::atomicWrite);
    }

    private void safetensorsRoundTrip() throws Exception {
        float[] values = new float[16 << 20]; // 64 MB
        for (int i = 0; i < values.length; i += 4099) {
            values[i] = i;
        }
        Path file = tmp.resolve("big.safetensors");
        long before = directBytes();
        SafeTensors.write(file, Map.of("w", new Tensor("w", new long[] {values.length}, values)), Map.of());
        long afterWrite = directBytes();
        float[] back = SafeTensors.read(file).get("w").data();
        long afterRead = directBytes();
        assertArrayEquals(values, back);
        assertTrue(afterWrite - before < LIMIT, "writing kept " + (afterWrite - before) + " bytes of direct memory");
        assertTrue(afterRead - before < LIMIT, "reading kept " + (afterRead - before) + " bytes of direct memory");
    }

    private void atomicWrite() throws Exception {
        byte[] bytes = new byte[48 << 20];
        bytes[bytes.length - 1] = 7;
        long before = directBytes();
        AtomicFiles.write(tmp.resolve("big.bin"), bytes);
        long after = directBytes();
        assertArrayEquals(bytes, Files.readAllBytes(tmp.resolve("big.bin")));
        assertTrue(after - before < LIMIT, "writing kept " + (after - before) + " bytes of direct memory");
    }

    /** The JDK caches temporary buffers per thread: a new thread starts with none. */
    private static void inFreshThread(org.junit.jupiter.api.function.Executable body) throws Exception {
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(() -> {
            try {
                body.execute();
            } catch (Throwable e) {
                failure[0] = e;
            }
        });
        t.start();
        t.join();
        if (failure[0] instanceof Error e) {
            throw e;
        }
        if (failure[0] != null) {
            throw new AssertionError(failure[0]);
        }
    }

    private static long directBytes() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct"))
                .mapToLong(BufferPoolMXBean::getMemoryUsed)
                .sum();
    }
}
