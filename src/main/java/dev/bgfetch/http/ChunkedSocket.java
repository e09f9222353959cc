package dev.bgfetch.http;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;

/**
 * The plain socket under a TLS connection, whose stream takes what the kernel holds in reads of up
 * to {@link #CHUNK} bytes and hands it out as asked.
 *
 * <p>Why: a TLS layer asks its socket for one record at a time (16 KiB with Conscrypt's engine
 * socket, and the JDK's asks for a record's 5-byte header, then its body), so 1 GiB over https was
 * 65,000 read calls, each waking the sender: the reads were 29% of the worker's CPU on W6 (0.69 s a
 * GiB, async-profiler) against 0.39 s a GiB for plain http, whose reads are 64-256 KiB. One more copy
 * (from this stream's array into the TLS layer's) costs less than the calls it saves.
 */
final class ChunkedSocket extends Socket {
    /** At most this much is read from the kernel at once (also the JDK's temporary direct buffer per thread). */
    static final int CHUNK = 64 * 1024;
    /** Reads from the kernel, for tests. */
    static final java.util.concurrent.atomic.AtomicLong READS = new java.util.concurrent.atomic.AtomicLong();

    private InputStream in;

    /**
     * One stream for the socket's life, so that every reader (HttpClient reading a proxy's answer to
     * CONNECT, then the TLS layer) sees the bytes in order, whatever the one before left buffered.
     */
    @Override
    public synchronized InputStream getInputStream() throws IOException {
        if (in == null) {
            in = new Chunked(super.getInputStream());
        }
        return in;
    }

    /** A buffer in front of the socket's stream: no {@code available()} probes, one kernel read when empty. */
    static final class Chunked extends FilterInputStream {
        private final byte[] buf = new byte[CHUNK];
        private int pos;
        private int end;

        Chunked(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            if (pos == end && fill() <= 0) {
                return -1;
            }
            return buf[pos++] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            if (pos == end) {
                if (len >= CHUNK) {
                    return in.read(b, off, len); // as large as ours: no reason to copy twice
                }
                int n = fill();
                if (n <= 0) {
                    return n;
                }
            }
            int n = Math.min(len, end - pos);
            System.arraycopy(buf, pos, b, off, n);
            pos += n;
            return n;
        }

        /** One read from the socket into the empty buffer (blocking, with the socket's timeout). */
        private int fill() throws IOException {
            pos = 0;
            end = 0;
            int n = in.read(buf, 0, CHUNK);
            READS.incrementAndGet();
            if (n > 0) {
                end = n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            if (n <= 0) {
                return 0;
            }
            if (pos < end) {
                int k = (int) Math.min(n, end - pos);
                pos += k;
                return k;
            }
            return in.skip(n);
        }

        @Override
        public int available() throws IOException {
            return (end - pos) + in.available();
        }

        @Override
        public boolean markSupported() {
            return false;
        }

        @Override
        public synchronized void mark(int readlimit) {
            // not supported (markSupported is false)
        }

        @Override
        public synchronized void reset() throws IOException {
            throw new IOException("mark/reset not supported");
        }
    }
}
