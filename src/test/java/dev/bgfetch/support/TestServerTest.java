package dev.bgfetch.support;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TestServerTest {

    // HTTP/1.1 explicitly: the default (HTTP/2) would send an h2c upgrade on every first request.
    private static final HttpClient CLIENT = newClient();

    private static final byte[] DATA = TestServer.randomBytes(1000, 42);

    private TestServer server;

    @BeforeEach
    void setUp() {
        server = TestServer.start();
        server.file("/data.bin", DATA);
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    @Test
    void fullGetCarriesValidatorsAndBody() throws Exception {
        HttpResponse<byte[]> rsp = get("/data.bin");

        assertEquals(200, rsp.statusCode());
        assertArrayEquals(DATA, rsp.body());
        assertEquals("1000", header(rsp, "Content-Length"));
        assertEquals("application/octet-stream", header(rsp, "Content-Type"));
        assertEquals("bytes", header(rsp, "Accept-Ranges"));
        assertEquals("\"" + TestServer.sha256(DATA).substring(0, 16) + "\"", header(rsp, "ETag"));
        assertEquals(server.etag("/data.bin"), header(rsp, "ETag"));
        assertTrue(header(rsp, "Last-Modified").matches("\\w{3}, \\d{2} \\w{3} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT"),
                header(rsp, "Last-Modified"));
        assertNull(header(rsp, "Content-Disposition"));
    }

    @Test
    void contentTypeAndDispositionAreConfigurable() throws Exception {
        server.file("/report", "hello".getBytes(StandardCharsets.UTF_8), "text/csv");
        server.contentDisposition("/report", "attachment; filename=\"r.csv\"");

        HttpResponse<byte[]> rsp = get("/report");

        assertEquals("text/csv", header(rsp, "Content-Type"));
        assertEquals("attachment; filename=\"r.csv\"", header(rsp, "Content-Disposition"));
        assertEquals("hello", new String(rsp.body(), StandardCharsets.UTF_8));
    }

    @Test
    void headDescribesFullBodyWithoutSendingIt() throws Exception {
        HttpResponse<byte[]> rsp = send(request("/data.bin").method("HEAD", HttpRequest.BodyPublishers.noBody()));

        assertEquals(200, rsp.statusCode());
        assertEquals("1000", header(rsp, "Content-Length"));
        assertEquals(server.etag("/data.bin"), header(rsp, "ETag"));
        assertEquals(0, rsp.body().length);
        assertEquals("HEAD", server.requests("/data.bin").get(0).method());
    }

    @Test
    void rangeRequestsGet206WithMatchingContentRange() throws Exception {
        HttpResponse<byte[]> open = get("/data.bin", "Range", "bytes=600-");
        assertEquals(206, open.statusCode());
        assertEquals("bytes 600-999/1000", header(open, "Content-Range"));
        assertEquals("400", header(open, "Content-Length"));
        assertArrayEquals(Arrays.copyOfRange(DATA, 600, 1000), open.body());

        HttpResponse<byte[]> bounded = get("/data.bin", "Range", "bytes=10-19");
        assertEquals(206, bounded.statusCode());
        assertEquals("bytes 10-19/1000", header(bounded, "Content-Range"));
        assertArrayEquals(Arrays.copyOfRange(DATA, 10, 20), bounded.body());

        HttpResponse<byte[]> pastEnd = get("/data.bin", "Range", "bytes=990-5000");
        assertEquals("bytes 990-999/1000", header(pastEnd, "Content-Range"));
        assertArrayEquals(Arrays.copyOfRange(DATA, 990, 1000), pastEnd.body());
    }

    @Test
    void rangeStartingAtOrBeyondEndIs416() throws Exception {
        HttpResponse<byte[]> rsp = get("/data.bin", "Range", "bytes=1000-");

        assertEquals(416, rsp.statusCode());
        assertEquals("bytes */1000", header(rsp, "Content-Range"));
        assertEquals(0, rsp.body().length);
    }

    @Test
    void ifRangeFollowsRfc9110() throws Exception {
        String etag = server.etag("/data.bin");
        String lastModified = server.lastModified("/data.bin");

        assertEquals(206, get("/data.bin", "Range", "bytes=500-", "If-Range", etag).statusCode());
        assertEquals(206, get("/data.bin", "Range", "bytes=500-", "If-Range", lastModified).statusCode());

        for (String stale : List.of("\"0000000000000000\"", "W/" + etag, "Mon, 01 Jan 2001 00:00:00 GMT", "junk")) {
            HttpResponse<byte[]> rsp = get("/data.bin", "Range", "bytes=500-", "If-Range", stale);
            assertEquals(200, rsp.statusCode(), stale);
            assertNull(header(rsp, "Content-Range"), stale);
            assertArrayEquals(DATA, rsp.body(), stale);
        }
    }

    @Test
    void ignoreRangeAnswersFullBodyWithoutAcceptRanges() throws Exception {
        server.ignoreRange("/data.bin", true);

        HttpResponse<byte[]> rsp = get("/data.bin", "Range", "bytes=500-");

        assertEquals(200, rsp.statusCode());
        assertNull(header(rsp, "Accept-Ranges"));
        assertArrayEquals(DATA, rsp.body());
    }

    @Test
    void dropAfterDeclaresFullLengthThenClosesConnection() throws Exception {
        server.dropAfter("/data.bin", 300, 1);

        // Raw socket, keep-alive request: if the server did not close, the read would time out.
        RawResponse raw = rawGet("/data.bin", "Range: bytes=100-\r\n");

        assertEquals(206, raw.status);
        assertEquals("900", raw.headers.get("Content-Length"));
        assertEquals("bytes 100-999/1000", raw.headers.get("Content-Range"));
        assertArrayEquals(Arrays.copyOfRange(DATA, 100, 400), raw.body, "n counts from the range start");

        // Only one use was requested: the next response is whole again.
        assertArrayEquals(DATA, get("/data.bin").body());
    }

    @Test
    void shortBodySurfacesAsClientIoException() {
        server.shortBody("/data.bin", 10, 1);

        assertThrows(IOException.class, () -> get("/data.bin"));
    }

    @Test
    void wrongRangeStartShiftsTheServedRange() throws Exception {
        server.wrongRangeStart("/data.bin", 10, 1);

        HttpResponse<byte[]> wrong = get("/data.bin", "Range", "bytes=100-");
        assertEquals(206, wrong.statusCode());
        assertEquals("bytes 110-999/1000", header(wrong, "Content-Range"));
        assertArrayEquals(Arrays.copyOfRange(DATA, 110, 1000), wrong.body());

        HttpResponse<byte[]> right = get("/data.bin", "Range", "bytes=100-");
        assertEquals("bytes 100-999/1000", header(right, "Content-Range"));
    }

    @Test
    void failRangesRefusesOnlyRequestsWithARange() throws Exception {
        server.failRanges("/data.bin", 503, 1);
        HttpResponse<byte[]> plain = get("/data.bin");
        assertEquals(200, plain.statusCode());
        assertArrayEquals(DATA, plain.body());
        HttpResponse<byte[]> ranged = get("/data.bin", "Range", "bytes=10-19");
        assertEquals(503, ranged.statusCode());
        assertEquals("1", header(ranged, "Retry-After"));
        server.failRanges("/data.bin", 0, null);
        assertEquals(206, get("/data.bin", "Range", "bytes=10-19").statusCode());
    }

    @Test
    void failWithAnswersStatusKTimesThenServesNormally() throws Exception {
        server.failWith("/data.bin", 503, 2, 7);

        for (int i = 0; i < 2; i++) {
            HttpResponse<byte[]> rsp = get("/data.bin");
            assertEquals(503, rsp.statusCode());
            assertEquals("7", header(rsp, "Retry-After"));
        }
        HttpResponse<byte[]> ok = get("/data.bin");
        assertEquals(200, ok.statusCode());
        assertArrayEquals(DATA, ok.body());
        assertEquals(3, server.requests("/data.bin").size());

        server.failWith("/data.bin", 429, 1, null);
        HttpResponse<byte[]> limited = get("/data.bin");
        assertEquals(429, limited.statusCode());
        assertNull(header(limited, "Retry-After"));
    }

    @Test
    void changeContentChangesValidatorsAndInvalidatesIfRange() throws Exception {
        HttpResponse<byte[]> before = get("/data.bin");
        byte[] newData = TestServer.randomBytes(1200, 7);

        server.changeContent("/data.bin", newData);

        HttpResponse<byte[]> after = get("/data.bin", "Range", "bytes=500-", "If-Range", header(before, "ETag"));
        assertNotEquals(header(before, "ETag"), header(after, "ETag"));
        assertNotEquals(header(before, "Last-Modified"), header(after, "Last-Modified"));
        assertEquals(200, after.statusCode(), "stale If-Range must yield the full new body");
        assertArrayEquals(newData, after.body());
    }

    @Test
    void stopDropsConnectionsAndRestartReusesThePort() throws Exception {
        int port = server.port();
        byte[] big = TestServer.randomBytes(1 << 20, 1);
        server.file("/big", big);
        server.throttle("/big", 200_000);

        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(2000);
            socket.getOutputStream().write(("GET /big HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            assertEquals(1000, in.readNBytes(1000).length, "transfer under way");

            server.stop();

            assertTrue(drain(in) < big.length, "in-flight response must be cut by stop()");
        }
        assertThrows(ConnectException.class, () -> send(newClient(), request("/data.bin")));

        server.restart();

        assertEquals(port, server.port());
        assertEquals(server.url("/x"), "http://127.0.0.1:" + port + "/x");
        HttpResponse<byte[]> rsp = send(newClient(), request("/data.bin"));
        assertEquals(200, rsp.statusCode());
        assertArrayEquals(DATA, rsp.body());
    }

    @Test
    void requestLogRecordsHeadersAndQuery() throws Exception {
        get("/data.bin?x=1&y=2", "Range", "bytes=5-", "If-Range", "\"abc\"");
        get("/elsewhere");

        assertEquals(2, server.requests().size());
        List<TestServer.Req> reqs = server.requests("/data.bin");
        assertEquals(1, reqs.size());
        TestServer.Req req = reqs.get(0);
        assertEquals("GET", req.method());
        assertEquals("/data.bin", req.path());
        assertEquals("x=1&y=2", req.query());
        assertEquals("bytes=5-", req.header("range"));
        assertEquals("\"abc\"", req.header("IF-RANGE"));
        assertNull(req.header("Authorization"));
        assertTrue(req.remotePort() > 0);
        assertNotNull(req.time());
        assertEquals(1, server.awaitRequests("/data.bin", 1, Duration.ofSeconds(1)).size());
        assertThrows(AssertionError.class, () -> server.awaitRequests("/data.bin", 2, Duration.ofMillis(50)));

        server.clearRequests();
        assertTrue(server.requests().isEmpty());
    }

    @Test
    void redirectsAndStatusesAreServedVerbatim() throws Exception {
        server.redirect("/to-ftp", "ftp://example.invalid/file", 302);
        server.redirect("/to-bad-port", "http://127.0.0.1:0/x", 301);
        server.redirect("/relative", "../other/file.bin", 307);
        server.redirectLoop("/loop");
        server.status("/gone", 410, "gone for good");

        assertEquals("ftp://example.invalid/file", header(get("/to-ftp"), "Location"));
        HttpResponse<byte[]> badPort = get("/to-bad-port");
        assertEquals(301, badPort.statusCode());
        assertEquals("http://127.0.0.1:0/x", header(badPort, "Location"));
        assertEquals("../other/file.bin", header(get("/relative"), "Location"));

        HttpResponse<byte[]> hop0 = get("/loop");
        assertEquals(302, hop0.statusCode());
        assertEquals("/loop?n=1", header(hop0, "Location"));
        assertEquals("/loop?n=6", header(get("/loop?n=5"), "Location"));

        HttpResponse<byte[]> gone = get("/gone");
        assertEquals(410, gone.statusCode());
        assertEquals("gone for good", new String(gone.body(), StandardCharsets.UTF_8));
        assertEquals(404, get("/nothing-here").statusCode());
    }

    @Test
    void servesParallelConnectionsAndKeepsAlive() throws Exception {
        server.delayHeaders("/data.bin", 300);
        long t0 = System.nanoTime();

        List<CompletableFuture<HttpResponse<byte[]>>> futures = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            futures.add(CLIENT.sendAsync(request("/data.bin").build(), HttpResponse.BodyHandlers.ofByteArray()));
        }
        for (CompletableFuture<HttpResponse<byte[]>> f : futures) {
            assertArrayEquals(DATA, f.get().body());
        }
        long millis = Duration.ofNanos(System.nanoTime() - t0).toMillis();
        // Serially this would take 24 * 300 ms.
        assertTrue(millis < 2500, "24 delayed requests took " + millis + " ms");
        Set<Integer> connections = server.requests("/data.bin").stream()
                .map(TestServer.Req::remotePort).collect(Collectors.toSet());
        assertEquals(24, connections.size(), "each parallel request used its own connection");

        server.delayHeaders("/data.bin", 0);
        server.clearRequests();
        HttpClient fresh = newClient();
        send(fresh, request("/data.bin"));
        send(fresh, request("/data.bin"));
        List<TestServer.Req> sequential = server.requests("/data.bin");
        assertEquals(sequential.get(0).remotePort(), sequential.get(1).remotePort(), "connection reused");
    }

    @Test
    void stallAndThrottleSlowTheBodyButDeliverItWhole() throws Exception {
        server.stallAfter("/data.bin", 200, 300, 1);
        long t0 = System.nanoTime();
        assertArrayEquals(DATA, get("/data.bin").body());
        assertTrue(elapsedMillis(t0) >= 250, "stall of 300 ms");

        byte[] body = TestServer.randomBytes(40_000, 3);
        server.file("/slow", body);
        server.throttle("/slow", 200_000);
        long t1 = System.nanoTime();
        assertArrayEquals(body, get("/slow").body());
        assertTrue(elapsedMillis(t1) >= 150, "40 kB at 200 kB/s");
    }

    @Test
    void shaHelpersAgreeAndRandomBytesAreDeterministic(@TempDir Path dir) throws Exception {
        assertArrayEquals(TestServer.randomBytes(100, 9), TestServer.randomBytes(100, 9));
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", TestServer.sha256(new byte[0]));
        Path file = Files.write(dir.resolve("f"), DATA);
        assertEquals(TestServer.sha256(DATA), TestServer.sha256(file));
    }

    // ------------------------------------------------------------------ helpers

    private static HttpClient newClient() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(2))
                .build();
    }

    private HttpRequest.Builder request(String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url(path))).timeout(Duration.ofSeconds(3));
        return headers.length == 0 ? b : b.headers(headers);
    }

    private HttpResponse<byte[]> get(String path, String... headers) throws IOException, InterruptedException {
        return send(request(path, headers));
    }

    private static HttpResponse<byte[]> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return send(CLIENT, request);
    }

    private static HttpResponse<byte[]> send(HttpClient client, HttpRequest.Builder request)
            throws IOException, InterruptedException {
        return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String header(HttpResponse<?> rsp, String name) {
        return rsp.headers().firstValue(name).orElse(null);
    }

    private static long elapsedMillis(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos).toMillis();
    }

    /** Reads to EOF (or reset), returning the byte count. */
    private static long drain(InputStream in) throws IOException {
        long n = 0;
        byte[] buf = new byte[8192];
        try {
            for (int r; (r = in.read(buf)) > 0; ) {
                n += r;
            }
        } catch (SocketException reset) {
            // a reset is as good as EOF here
        }
        return n;
    }

    private record RawResponse(int status, Map<String, String> headers, byte[] body) { }

    /** One HTTP/1.1 GET on a fresh socket, reading until the server closes it (2 s timeout). */
    private RawResponse rawGet(String path, String extraHeaders) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extraHeaders + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            socket.getInputStream().transferTo(all);
            byte[] bytes = all.toByteArray();

            int split = indexOf(bytes, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertTrue(split > 0, "no header terminator");
            String[] lines = new String(bytes, 0, split, StandardCharsets.ISO_8859_1).split("\r\n");
            Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, colon).trim(), lines[i].substring(colon + 1).trim());
            }
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            return new RawResponse(status, headers, Arrays.copyOfRange(bytes, split + 4, bytes.length));
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
