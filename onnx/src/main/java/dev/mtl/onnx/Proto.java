package dev.mtl.onnx;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * One protobuf message being written, field by field, with protobuf-java's wire-format writer. A
 * nested message is written whole and then embedded as a length-delimited field, which is all that
 * the few ONNX messages we emit need (field numbers in {@link Onnx}).
 */
final class Proto {

    private final ByteArrayOutputStream buffer;
    private final CodedOutputStream out;

    Proto() {
        this(32);
    }

    /** @param capacity the bytes expected, so that a large message is not copied while it grows */
    Proto(int capacity) {
        buffer = new ByteArrayOutputStream(capacity);
        out = CodedOutputStream.newInstance(buffer);
    }

    /** The bytes written so far. */
    int size() {
        flush();
        return buffer.size();
    }

    Proto string(int field, String value) {
        try {
            out.writeString(field, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    Proto int64(int field, long value) {
        try {
            out.writeInt64(field, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    Proto float32(int field, float value) {
        try {
            out.writeFloat(field, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    Proto bytes(int field, byte[] value) {
        try {
            out.writeByteArray(field, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Embeds {@code value} from its own buffer: no copy of it is made first (weights are most of a graph). */
    Proto message(int field, Proto value) {
        int size = value.size();
        try {
            out.writeTag(field, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(size);
            out.flush();
            value.buffer.writeTo(buffer);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    private void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    byte[] toByteArray() {
        flush();
        return buffer.toByteArray();
    }
}
