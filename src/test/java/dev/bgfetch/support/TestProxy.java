package dev.bgfetch.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A small forwarding HTTP proxy on 127.0.0.1: absolute-form requests are forwarded (one request a
 * connection), CONNECT is tunnelled; optionally wants Basic proxy credentials (407 otherwise).
 * Records each request line it accepted.
 */
public final class TestProxy implements AutoCloseable {
    private final ServerSocket socket;
    private final List<String> seen = new ArrayList<>();
    private volatile String wantAuth;

    private TestProxy() throws IOException {
        socket = new ServerSocket(0, 50, InetAddress.getByAddress(new byte[] {127, 0, 0, 1}));
        Thread t = new Thread(this::acceptLoop, "TestProxy");
        t.setDaemon(true);
        t.start();
    }

    public static TestProxy start() throws IOException {
        return new TestProxy();
    }

    public int port() {
        return socket.getLocalPort();
    }

    /** Requires {@code Proxy-Authorization: Basic base64(user:password)}. */
    public void requireBasic(String user, String password) {
        wantAuth = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** The request lines accepted so far ("GET http://…", "CONNECT host:port"). */
    public List<String> requests() {
        synchronized (seen) {
            return List.copyOf(seen);
        }
    }

    private void acceptLoop() {
        while (!socket.isClosed()) {
            try {
                Socket c = socket.accept();
                Thread t = new Thread(() -> serve(c), "TestProxy-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                b.write(c);
            }
        }
        return c == -1 && b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }

    private void serve(Socket c) {
        try (c) {
            InputStream in = c.getInputStream();
            OutputStream out = c.getOutputStream();
            while (true) {
                String request = line(in);
                if (request == null || request.isEmpty()) {
                    return;
                }
                List<String> headers = new ArrayList<>();
                String h;
                String auth = null;
                while ((h = line(in)) != null && !h.isEmpty()) {
                    if (h.toLowerCase().startsWith("proxy-authorization:")) {
                        auth = h.substring(h.indexOf(':') + 1).strip();
                    } else if (!h.toLowerCase().startsWith("proxy-connection:") && !h.toLowerCase().startsWith("connection:")) {
                        headers.add(h);
                    }
                }
                String want = wantAuth;
                if (want != null && !want.equals(auth)) {
                    out.write(("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"proxy\"\r\n"
                            + "Content-Length: 0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    continue; // the client may answer the challenge on this connection
                }
                synchronized (seen) {
                    seen.add(request);
                }
                String[] parts = request.split(" ");
                if (parts[0].equals("CONNECT")) {
                    String[] hp = parts[1].split(":");
                    try (Socket up = new Socket(hp[0], Integer.parseInt(hp[1]))) {
                        out.write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                        out.flush();
                        pipe(in, out, up);
                    }
                    return;
                }
                java.net.URI u = java.net.URI.create(parts[1]);
                try (Socket up = new Socket(u.getHost(), u.getPort() < 0 ? 80 : u.getPort())) {
                    OutputStream uo = up.getOutputStream();
                    StringBuilder b = new StringBuilder(parts[0] + " " + (u.getRawPath().isEmpty() ? "/" : u.getRawPath())
                            + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery()) + " HTTP/1.1\r\n");
                    for (String x : headers) {
                        b.append(x).append("\r\n");
                    }
                    b.append("Connection: close\r\n\r\n");
                    uo.write(b.toString().getBytes(StandardCharsets.ISO_8859_1));
                    uo.flush();
                    up.getInputStream().transferTo(out); // the server closes after one answer
                    out.flush();
                }
                return; // one request a client connection: closing tells the client the answer ended
            }
        } catch (IOException e) {
            // a client or server hung up
        }
    }

    private static void pipe(InputStream in, OutputStream out, Socket up) throws IOException {
        Thread back = new Thread(() -> {
            try {
                up.getInputStream().transferTo(out);
                out.flush();
            } catch (IOException e) {
                // closed
            }
        }, "TestProxy-back");
        back.setDaemon(true);
        back.start();
        try {
            in.transferTo(up.getOutputStream());
        } catch (IOException e) {
            // closed
        }
        try {
            back.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
