package dev.bgfetch.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A TCP server on 127.0.0.1 that writes scripted bytes, for what {@link TestServer} cannot do: record
 * the request line exactly as it came off the wire (no URI parsing in between), and answer with
 * broken HTTP, no HTTP at all, or nothing. Each connection serves one request and is then closed.
 */
public final class RawServer implements AutoCloseable {
    private final ServerSocket socket;
    private final Function<String, byte[]> reply;
    private final byte[] greeting;
    /** Serve every request of a connection (keep-alive) instead of one and close. */
    private final boolean keepAlive;
    private final List<String> heads = new ArrayList<>(); // guarded by itself
    private final AtomicInteger connections = new AtomicInteger();

    private RawServer(Function<String, byte[]> reply, byte[] greeting, boolean keepAlive) {
        this.reply = reply;
        this.greeting = greeting;
        this.keepAlive = keepAlive;
        try {
            socket = new ServerSocket(0, 50, InetAddress.getByAddress(new byte[] {127, 0, 0, 1}));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread t = new Thread(this::acceptLoop, "RawServer-" + socket.getLocalPort());
        t.setDaemon(true);
        t.start();
    }

    /**
     * Reads each request head, then writes {@code reply.apply(requestLine)} and closes; a null reply
     * closes without writing a byte.
     */
    public static RawServer start(Function<String, byte[]> reply) {
        return new RawServer(reply, null, false);
    }

    /** As {@link #start}, but each connection is kept and serves request after request. */
    public static RawServer keepAlive(Function<String, byte[]> reply) {
        return new RawServer(reply, null, true);
    }

    /** Writes {@code greeting} as soon as a connection is accepted (as SSH does), then only reads. */
    public static RawServer banner(byte[] greeting) {
        return new RawServer(line -> null, greeting, false);
    }

    /** A complete 200 answer with {@code body}, closing the connection. */
    public static byte[] ok(String body) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        return concat(("HTTP/1.1 200 OK\r\nContent-Length: " + b.length + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1), b);
    }

    /** {@code text} as ISO-8859-1 bytes (so "\r\n" and header text are exact). */
    public static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    public static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    public int port() {
        return socket.getLocalPort();
    }

    /** {@code http://127.0.0.1:PORT} followed by {@code rest} verbatim. */
    public String url(String rest) {
        return "http://127.0.0.1:" + port() + rest;
    }

    /** The request lines received so far (e.g. {@code GET /a%20b HTTP/1.1}), bytes read as ISO-8859-1. */
    public List<String> requestLines() {
        List<String> lines = new ArrayList<>();
        synchronized (heads) {
            for (String h : heads) {
                int end = h.indexOf("\r\n");
                lines.add(end < 0 ? h : h.substring(0, end));
            }
        }
        return lines;
    }

    /** The request heads received so far, whole (request line and header lines), bytes read as ISO-8859-1. */
    public List<String> heads() {
        synchronized (heads) {
            return new ArrayList<>(heads);
        }
    }

    /** How many connections were accepted. */
    public int connections() {
        return connections.get();
    }

    /** Waits until {@code n} request lines have arrived; fails the test otherwise. */
    public List<String> awaitRequestLines(int n, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            List<String> lines = requestLines();
            if (lines.size() >= n) {
                return lines;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("expected " + n + " requests within " + timeout + ", got " + requestLines());
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    private void acceptLoop() {
        while (!socket.isClosed()) {
            try {
                Socket s = socket.accept();
                connections.incrementAndGet();
                Thread t = new Thread(() -> serve(s), "RawServer-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            if (greeting != null) {
                out.write(greeting);
                out.flush();
                while (in.read() != -1) {
                    // like a server waiting for a protocol the client never speaks
                }
                return;
            }
            do {
                String head = readHead(in);
                if (head == null) {
                    return;
                }
                synchronized (heads) {
                    heads.add(head);
                }
                byte[] answer = reply.apply(head.indexOf("\r\n") < 0 ? head : head.substring(0, head.indexOf("\r\n")));
                if (answer != null) {
                    out.write(answer);
                    out.flush();
                }
            } while (keepAlive);
            s.shutdownOutput();
            // Let the client read everything before the close, so it sees an answer, not a reset.
            while (in.read() != -1) {
                // drain
            }
        } catch (IOException e) {
            // the client hung up; tests assert on the client side
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        int matched = 0;
        while ((c = in.read()) != -1) {
            b.write(c);
            matched = c == "\r\n\r\n".charAt(matched) ? matched + 1 : c == '\r' ? 1 : 0;
            if (matched == 4) {
                return b.toString(StandardCharsets.ISO_8859_1);
            }
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }
}
