package dev.bgfetch.http;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Proxy;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import org.apache.hc.client5.http.impl.io.DefaultManagedHttpClientConnection;
import org.apache.hc.client5.http.io.DetachedSocketFactory;
import org.apache.hc.client5.http.io.ManagedHttpClientConnection;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.impl.io.SocketHolder;
import org.apache.hc.core5.http.io.HttpConnectionFactory;

/**
 * Lets a plain-http body's bytes go from the socket straight into a body's direct (O_DIRECT) block,
 * through HttpClient's own body stream, so its counting of the body stays exact.
 *
 * <p>Why: a body read through {@code java.net.Socket} lands in the JDK's temporary direct buffer,
 * is copied into our heap array, then into the aligned block the disk write needs: on W1 (1 GiB) the
 * two copies were 0.37 s of the worker's 1.61 s of CPU (async-profiler, {@code Unsafe.copyMemory}).
 * A socket made from a {@link SocketChannel} can read into a direct buffer with no copy. HttpClient
 * reads a large body by passing our array down to the socket's stream when its own buffer is empty;
 * that stream, here, recognises the array of a {@link Reader} on the same thread and reads into the
 * reader's block instead, returning the count, so every layer above (content length, chunks) counts
 * the bytes as usual. It does so only when the socket already holds data ({@code FIONREAD}), because
 * a channel's blocking read has no timeout: a wait for data goes through the socket's stream, which
 * keeps the stall timeout. TLS connections are untouched (their reads go through the TLS socket).
 */
final class DirectReads {
    private static final ThreadLocal<Reader> CURRENT = new ThreadLocal<>();
    /** Bytes read straight into direct memory, for tests. */
    static final java.util.concurrent.atomic.AtomicLong BYTES = new java.util.concurrent.atomic.AtomicLong();

    private DirectReads() {
    }

    /** Plain sockets made from channels (so their reads can go to direct memory); SOCKS ones as usual. */
    static final DetachedSocketFactory SOCKETS = new DetachedSocketFactory() {
        @Override
        public Socket create(Proxy socksProxy) throws IOException {
            return create("http", socksProxy);
        }

        @Override
        public Socket create(String scheme, Proxy socksProxy) throws IOException {
            if (socksProxy != null && socksProxy.type() != Proxy.Type.DIRECT) {
                return new Socket(socksProxy);
            }
            return "http".equalsIgnoreCase(scheme) ? SocketChannel.open().socket() : new Socket();
        }
    };

    static final int MAX_HEADER_LINE = 100 * 1024;
    /** Interim answers one request may get before its final one (curl has no limit, and hangs). */
    static final int MAX_INFORMATIONAL = 100;

    /** HttpClient's connections, with {@code buffer} bytes of session buffer, whose plain sockets read through {@link ChannelInput}. */
    static HttpConnectionFactory<ManagedHttpClientConnection> connections(int buffer) {
        // HttpClient's default 8 KB line limit refused real servers' long cookies and CSP headers;
        // curl reads up to 100 KB of headers, so a line may be as long as that
        Http1Config h1 = Http1Config.custom().setBufferSize(buffer).setMaxLineLength(MAX_HEADER_LINE).build();
        return socket -> {
            Connection c = new Connection(h1);
            if (socket != null) {
                c.bind(socket);
            }
            return c;
        };
    }

    private static final class Connection extends DefaultManagedHttpClientConnection {
        private static final java.util.concurrent.atomic.AtomicLong COUNTER = new java.util.concurrent.atomic.AtomicLong();

        Connection(Http1Config h1) {
            // HttpClient's own parser skips lines that are not a status line, so a server that answers
            // "hello" or an SSH banner looks like one that said nothing at all; the core parser refuses
            // them, which makes them protocol errors (fetch-error).
            super("bgfetch-" + COUNTER.getAndIncrement(), null, latin1(), h1, null, null, null, HEADS);
        }

        /**
         * HttpClient's parser takes the end of the stream for the end of the header section: a
         * connection cut after "Content-Length: 5\r\n" was an answer without a length, read to its
         * (empty) end and delivered as an empty file, and one cut inside a header line a broken
         * answer (fetch-error). Once a status line was read, both are a connection cut short (network
         * trouble), as a cut body is; a first line that is not HTTP stays a broken answer.
         */
        private static final org.apache.hc.core5.http.io.HttpMessageParserFactory<org.apache.hc.core5.http.ClassicHttpResponse> HEADS =
                config -> new org.apache.hc.core5.http.impl.io.DefaultHttpResponseParser(config) {
                    private boolean statusRead;

                    @Override
                    public org.apache.hc.core5.http.ClassicHttpResponse parse(
                            org.apache.hc.core5.http.io.SessionInputBuffer buffer, InputStream in)
                            throws IOException, org.apache.hc.core5.http.HttpException {
                        EndWatch watched = new EndWatch(in);
                        statusRead = false;
                        org.apache.hc.core5.http.ClassicHttpResponse r;
                        try {
                            r = super.parse(buffer, watched);
                        } catch (org.apache.hc.core5.http.HttpException e) {
                            if (watched.ended && (statusRead || watched.startsLikeAStatusLine())) {
                                throw cut(); // "HTTP/1.1 20" and the end: cut, not an answer in another protocol
                            }
                            throw e;
                        }
                        if (r != null && watched.ended) {
                            throw cut();
                        }
                        return r; // null: nothing at all came (the caller's "no response")
                    }

                    @Override
                    protected org.apache.hc.core5.http.ClassicHttpResponse createMessage(
                            org.apache.hc.core5.util.CharArrayBuffer line)
                            throws IOException, org.apache.hc.core5.http.HttpException {
                        org.apache.hc.core5.http.ClassicHttpResponse m = super.createMessage(line);
                        statusRead = true;
                        return m;
                    }
                };

        private static IOException cut() {
            return new org.apache.hc.core5.http.ConnectionClosedException(
                    "the server closed the connection in the middle of the answer's header");
        }

        /**
         * Header text goes out as the bytes it was read as: a server's validator is held as the Latin-1
         * characters of its bytes, and without an encoder HttpClient wrote 0x80-0x9F and control bytes
         * as '?', so an If-Range with a UTF-8 ETag ("€") never matched and every resume started over.
         * A header the user typed is turned into its UTF-8 bytes before it gets here (Transfer).
         */
        private static java.nio.charset.CharsetEncoder latin1() {
            return java.nio.charset.StandardCharsets.ISO_8859_1.newEncoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPLACE);
        }

        /** HttpClient's buffer of what was read off the socket, known once a body was read through it. */
        private org.apache.hc.core5.http.io.SessionInputBuffer session;

        @Override
        protected InputStream createContentInputStream(long len, org.apache.hc.core5.http.io.SessionInputBuffer buffer,
                InputStream in) {
            session = buffer;
            return super.createContentInputStream(len, buffer, in);
        }

        /**
         * A kept connection on which bytes wait before the request is sent: the last answer had more
         * than its body (curl's "excess found"), which the request would read as its own answer, as
         * a 7-byte "answer" was once saved as the next file. Refused as an answer that never came,
         * so the request goes out once more on a fresh connection (see Transfer#execute).
         */
        @Override
        public void sendRequestHeader(org.apache.hc.core5.http.ClassicHttpRequest request)
                throws org.apache.hc.core5.http.HttpException, IOException {
            // Only on a kept connection: on a fresh one, bytes before the first request are the server
            // speaking first (an SSH banner), which the answer's parser refuses as not HTTP.
            if (used && (session != null && session.length() > 0 || waiting() > 0)) {
                close(org.apache.hc.core5.io.CloseMode.IMMEDIATE);
                throw new org.apache.hc.core5.http.NoHttpResponseException(
                        "the server sent more than its last answer on this connection");
            }
            informational = 0;
            used = true;
            super.sendRequestHeader(request);
        }

        /** A request went out on this connection before. */
        private boolean used;

        /** Informational (1xx) answers to the request in flight; each one resets the stall timeout. */
        private int informational;

        /** An endless stream of "102 Processing" kept a record waiting for good: the stall timeout never ran out. */
        @Override
        public org.apache.hc.core5.http.ClassicHttpResponse receiveResponseHeader()
                throws org.apache.hc.core5.http.HttpException, IOException {
            org.apache.hc.core5.http.ClassicHttpResponse r = super.receiveResponseHeader();
            if (r.getCode() < 200 && ++informational > MAX_INFORMATIONAL) {
                throw new org.apache.hc.core5.http.ProtocolException("more than " + MAX_INFORMATIONAL
                        + " informational (1xx) answers to one request");
            }
            return r;
        }

        private int waiting() {
            SocketHolder h = getSocketHolder();
            try {
                return h == null ? 0 : h.getInputStream().available();
            } catch (IOException e) {
                return 0;
            }
        }

        @Override
        public void bind(Socket socket) throws IOException {
            SocketChannel ch = socket.getChannel();
            if (ch == null) {
                super.bind(socket);
                return;
            }
            bind(new SocketHolder(socket) {
                @Override
                protected InputStream getInputStream(Socket s) throws IOException {
                    return new ChannelInput(s.getInputStream(), ch);
                }
            });
        }
    }

    /** What a read into an array asks for at most: HttpClient's session buffer (see {@link #connections}). */
    static final int ARRAY_READ = 64 * 1024;

    /** What a read waiting for the body's next bytes asks for at most (see {@link ChannelInput#read}). */
    static final int WAITING_READ = 16 * 1024;

    /** The socket's stream, which reads into a {@link Reader}'s block when asked for that reader's array on its thread. */
    static final class ChannelInput extends FilterInputStream {
        private final SocketChannel ch;

        ChannelInput(InputStream in, SocketChannel ch) {
            super(in);
            this.ch = ch;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Reader r = CURRENT.get();
            // A reader is current only while it reads with a room (see Reader#read).
            if (r == null || b != r.scratch || len <= 0 || !r.room.hasRemaining()) {
                // as long as HttpClient's own buffer fills: the JDK's temporary direct buffer for a
                // read into an array, kept by every thread, was 256 KiB for a body's 256 KiB reads
                return in.read(b, off, Math.min(len, ARRAY_READ));
            }
            if (in.available() == 0) {
                // Nothing waiting: a blocking read (with the stall timeout) of a little. The JDK reads
                // into a temporary direct buffer as large as the read and keeps it for the thread: a
                // full-length read here left one of 256 KiB with every transfer thread (W3's worker
                // 10 MiB larger once disk writes no longer held the reader back).
                return in.read(b, off, Math.min(len, WAITING_READ));
            }
            ByteBuffer room = r.room;
            int limit = room.limit();
            room.limit(room.position() + Math.min(len, room.remaining()));
            int n;
            try {
                n = ch.read(room);
            } finally {
                room.limit(limit);
            }
            if (n > 0) {
                r.inRoom = true;
                BYTES.addAndGet(n);
            }
            return n;
        }
    }

    /**
     * One transfer's body reads: each lands in its array, or, where the connection can, straight in
     * the room it is given (advancing the room's position). Used on one thread.
     */
    static final class Reader {
        private final byte[] scratch;
        private ByteBuffer room;
        private boolean inRoom;

        Reader(byte[] scratch) {
            this.scratch = scratch;
        }

        /**
         * Reads at most {@code len} bytes of {@code body}: into {@code room} (null: none) when
         * {@link #inRoom} says so afterwards, else into the array from its start. -1 at the end.
         */
        int read(InputStream body, int len, ByteBuffer room) throws IOException {
            inRoom = false;
            if (room == null) {
                return body.read(scratch, 0, len);
            }
            this.room = room;
            CURRENT.set(this);
            try {
                return body.read(scratch, 0, len);
            } finally {
                CURRENT.remove();
                this.room = null;
            }
        }

        /** Whether the last read's bytes are in the room rather than the array. */
        boolean inRoom() {
            return inRoom;
        }
    }

    /** A stream that notes whether its end was reached, and the first bytes read through it. */
    private static final class EndWatch extends FilterInputStream {
        /** The start of a status line that stopped before its end ("HTTP/1.1 20"), or a whole one without its CRLF. */
        private static final java.util.regex.Pattern STATUS_START =
                java.util.regex.Pattern.compile("H(T(T(P(/([0-9](\\.([0-9]( ([0-9]{1,3}( .*)?)?)?)?)?)?)?)?)?)?");

        boolean ended;
        private final byte[] first = new byte[64];
        private int kept;

        EndWatch(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            ended |= b < 0;
            if (b >= 0 && kept < first.length) {
                first[kept++] = (byte) b;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            ended |= n < 0;
            if (n > 0 && kept < first.length) {
                int k = Math.min(n, first.length - kept);
                System.arraycopy(b, off, first, kept, k);
                kept += k;
            }
            return n;
        }

        /** Whether all that came before the end is a status line's start, with no line end in it. */
        boolean startsLikeAStatusLine() {
            String s = new String(first, 0, kept, java.nio.charset.StandardCharsets.ISO_8859_1);
            return kept > 0 && kept < first.length && s.indexOf('\n') < 0 && s.indexOf('\r') < 0
                    && STATUS_START.matcher(s).matches();
        }
    }
}
