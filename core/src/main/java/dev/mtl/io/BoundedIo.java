package dev.mtl.io;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * File I/O in pieces of at most {@link #PIECE} bytes. A Java-heap buffer handed to a file channel is
 * copied through a temporary direct buffer of its whole size, which the JDK then keeps per thread for
 * reuse: writing a 47 MB tensor in one call leaves 47 MB of native memory with the thread for good.
 */
public final class BoundedIo {

    /** The largest single read or write handed to a channel. */
    public static final int PIECE = 1 << 20;

    private BoundedIo() {}

    /** {@code out} with every write split into pieces of at most {@link #PIECE} bytes. */
    public static OutputStream pieces(OutputStream out) {
        return new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                java.util.Objects.checkFromIndexSize(off, len, b.length);
                for (int at = off, end = off + len; at < end; at += PIECE) {
                    out.write(b, at, Math.min(PIECE, end - at));
                }
            }
        };
    }

    /** Fills {@code buf} from {@code ch} at {@code position}, piece by piece; EOF first is an error. */
    public static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        int limit = buf.limit();
        try {
            while (buf.hasRemaining()) {
                buf.limit(Math.min(limit, buf.position() + PIECE));
                int n = ch.read(buf, pos);
                buf.limit(limit);
                if (n < 0) {
                    throw new IOException("unexpected end of file");
                }
                pos += n;
            }
        } finally {
            buf.limit(limit);
        }
    }
}
