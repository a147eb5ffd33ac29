package dev.mtl.weights;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mtl.io.BoundedIo;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads and writes the Hugging Face safetensors format: an 8-byte little-endian header length, a JSON
 * header mapping each key to {@code dtype}, {@code shape} and {@code data_offsets}, then the raw bytes.
 *
 * <p>The format is small enough that our own reader gives better error messages than a dependency
 * would (there is no well-kept Java library for it): a truncated file names the tensor that runs past
 * the end and both byte counts. F32, F16 and BF16 are read (converted to float32); we write F32.
 * {@link #open} reads the header only; tensors are then read in pieces (a checkpoint may exceed the heap).
 */
public final class SafeTensors {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int HEADER_LENGTH_BYTES = 8;
    /** A header larger than this is a corrupt length field, not a real header. */
    private static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private SafeTensors() {}

    /** Reads every tensor of the file into Java memory, in header order. */
    public static Map<String, Tensor> read(Path file) throws IOException {
        try (Opened f = open(file)) {
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (TensorData t : f.tensors().values()) {
                if (t.count() > Integer.MAX_VALUE - 8) {
                    throw new IOException(file + ": tensor '" + t.name() + "' is too large for one Java array");
                }
                float[] data = new float[(int) t.count()];
                t.read(0, FloatBuffer.wrap(data));
                out.put(t.name(), new Tensor(t.name(), t.shape(), data));
            }
            return out;
        }
    }

    /**
     * Opens the file and checks its header (every tensor's dtype, shape and byte range) without reading
     * any tensor: values are read on demand, chunk by chunk, until the file is closed. The header is
     * allocated only after its claimed length is checked against the file's size.
     */
    public static Opened open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file + ": weight file not found");
        }
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            return new Opened(ch, header(file, ch));
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** An open weight file: its tensors, readable until {@link #close}. */
    public static final class Opened implements AutoCloseable {
        private final FileChannel channel;
        private final Map<String, TensorData> tensors;

        private Opened(FileChannel channel, Map<String, TensorData> tensors) {
            this.channel = channel;
            this.tensors = tensors;
        }

        /** Key → tensor, in header order. */
        public Map<String, TensorData> tensors() {
            return tensors;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    private static Map<String, TensorData> header(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < HEADER_LENGTH_BYTES) {
            throw new IOException(file + ": truncated safetensors file (" + size + " bytes, header length needs 8)");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(HEADER_LENGTH_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        BoundedIo.readFully(ch, lenBuf, 0);
        long headerLen = lenBuf.flip().getLong();
        if (headerLen <= 0 || headerLen > MAX_HEADER_BYTES) {
            throw new IOException(file + ": not a safetensors file (header length " + headerLen + ")");
        }
        if (HEADER_LENGTH_BYTES + headerLen > size) {
            throw new IOException(file + ": truncated safetensors file (header needs " + headerLen + " bytes, file has "
                    + (size - HEADER_LENGTH_BYTES) + " after the length field)");
        }
        ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
        BoundedIo.readFully(ch, headerBuf, HEADER_LENGTH_BYTES);
        Map<String, Object> header;
        try {
            header = JSON.readValue(
                    new String(headerBuf.array(), StandardCharsets.UTF_8),
                    new TypeReference<LinkedHashMap<String, Object>>() {});
        } catch (IOException e) {
            throw new IOException(file + ": corrupt safetensors header (not a JSON object)");
        }
        if (header == null) {
            throw new IOException(file + ": corrupt safetensors header (not a JSON object)");
        }
        long dataStart = HEADER_LENGTH_BYTES + headerLen;
        long dataSize = size - dataStart;
        Map<String, TensorData> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : header.entrySet()) {
            if (!e.getKey().equals("__metadata__")) {
                out.put(e.getKey(), entry(file, ch, e.getKey(), e.getValue(), dataStart, dataSize));
            }
        }
        return out;
    }

    private static TensorData entry(Path file, FileChannel ch, String key, Object spec, long dataStart, long dataSize)
            throws IOException {
        if (!(spec instanceof Map<?, ?> m)
                || !(m.get("dtype") instanceof String dtype)
                || !(m.get("shape") instanceof List<?> shapeList)
                || !(m.get("data_offsets") instanceof List<?> offs)
                || offs.size() != 2
                || !(offs.get(0) instanceof Integer || offs.get(0) instanceof Long)
                || !(offs.get(1) instanceof Integer || offs.get(1) instanceof Long)) {
            throw new IOException(file + ": corrupt safetensors header entry for '" + key + "'");
        }
        long[] shape = new long[shapeList.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            if (!(shapeList.get(i) instanceof Integer || shapeList.get(i) instanceof Long)
                    || ((Number) shapeList.get(i)).longValue() < 0) {
                throw new IOException(file + ": tensor '" + key + "' has an invalid shape " + shapeList);
            }
            shape[i] = ((Number) shapeList.get(i)).longValue();
            try {
                count = Math.multiplyExact(count, shape[i]);
            } catch (ArithmeticException overflow) {
                throw new IOException(file + ": tensor '" + key + "' has an invalid shape " + shapeList);
            }
        }
        long begin = ((Number) offs.get(0)).longValue();
        long end = ((Number) offs.get(1)).longValue();
        int width = switch (dtype) {
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            default ->
                throw new IOException(
                        file + ": tensor '" + key + "' has dtype " + dtype + "; supported: F32, F16, BF16");
        };
        if (end > dataSize) {
            throw new IOException(file + ": truncated safetensors file: tensor '" + key + "' needs bytes up to " + end
                    + " of the data section, the file has " + dataSize);
        }
        if (begin < 0 || count > Long.MAX_VALUE / width || end - begin != count * width) {
            throw new IOException(file + ": tensor '" + key + "' has " + (end - begin) + " bytes, its shape "
                    + java.util.Arrays.toString(shape) + " in " + dtype + " needs " + count * width);
        }
        return new Stored(file, ch, key, shape, dtype, width, dataStart + begin);
    }

    /** A tensor's bytes in the file, converted to float32 as they are read. */
    private record Stored(Path file, FileChannel ch, String name, long[] shape, String dtype, int width, long offset)
            implements TensorData {

        @Override
        public void read(long from, FloatBuffer into) throws IOException {
            int n = into.remaining();
            ByteBuffer buf = ByteBuffer.allocate(n * width).order(ByteOrder.LITTLE_ENDIAN);
            try {
                BoundedIo.readFully(ch, buf, offset + from * width);
            } catch (IOException e) {
                throw new IOException(file + ": cannot read tensor '" + name + "': " + e.getMessage(), e);
            }
            buf.flip();
            switch (dtype) {
                case "F32" -> into.put(buf.asFloatBuffer());
                case "BF16" -> {
                    for (int i = 0; i < n; i++) {
                        into.put(Float.intBitsToFloat((buf.getShort() & 0xffff) << 16));
                    }
                }
                default -> {
                    for (int i = 0; i < n; i++) {
                        into.put(halfToFloat(buf.getShort()));
                    }
                }
            }
        }
    }

    /**
     * Writes tensors as F32 to {@code file}, in the iteration order of the map; metadata keys sorted, so
     * the same weights give the same bytes in every JVM ({@code Map.of}'s order is salted per JVM).
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("__metadata__", new TreeMap<>(metadata));
        long offset = 0;
        List<Tensor> order = new ArrayList<>(tensors.values());
        for (Tensor t : order) {
            long bytes = 4L * t.data().length;
            Map<String, Object> spec = new LinkedHashMap<>();
            spec.put("dtype", "F32");
            spec.put("shape", t.shape());
            spec.put("data_offsets", new long[] {offset, offset + bytes});
            header.put(t.name(), spec);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        // Pad the header with spaces to a multiple of 8 so the data section is aligned (as the reference does).
        int padded = (json.length + 7) / 8 * 8;
        byte[] headerBytes = new byte[padded];
        System.arraycopy(json, 0, headerBytes, 0, json.length);
        java.util.Arrays.fill(headerBytes, json.length, padded, (byte) ' ');
        try (OutputStream out =
                new java.io.BufferedOutputStream(BoundedIo.pieces(Files.newOutputStream(file)), 1 << 16)) {
            ByteBuffer len = ByteBuffer.allocate(HEADER_LENGTH_BYTES)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(padded);
            out.write(len.array());
            out.write(headerBytes);
            ByteBuffer piece = ByteBuffer.allocate(BoundedIo.PIECE).order(ByteOrder.LITTLE_ENDIAN);
            for (Tensor t : order) {
                float[] data = t.data();
                for (int at = 0; at < data.length; at += BoundedIo.PIECE / 4) {
                    int n = Math.min(BoundedIo.PIECE / 4, data.length - at);
                    piece.clear();
                    piece.asFloatBuffer().put(data, at, n);
                    out.write(piece.array(), 0, 4 * n);
                }
            }
        }
    }

    /** IEEE 754 half precision to float (Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign);
            }
            float v = mant / 1024f * (float) Math.pow(2, -14); // subnormal
            return sign != 0 ? -v : v;
        }
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }
}
