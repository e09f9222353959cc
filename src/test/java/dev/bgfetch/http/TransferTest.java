package dev.bgfetch.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bgfetch.support.TestServer;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SPEC §4.8–4.9 for one transfer: safe resume, statuses, redirects, network trouble keeps bytes. */
class TransferTest {
    @TempDir
    Path tmp;
    TestServer server;
    HttpEngine engine;
    final byte[] body = TestServer.randomBytes(300_000, 7);

    @BeforeEach
    void start() {
        server = TestServer.start();
        server.file("/f.bin", body);
        engine = new HttpEngine(4, 4, Duration.ofSeconds(5), Duration.ofSeconds(2), "bgfetch-test");
    }

    @AfterEach
    void stop() throws IOException {
        engine.close();
        server.close();
    }

    /** Records what the transfer reported. */
    static class Listener implements TransferListener {
        ResponseInfo response;
        String etag;
        long total = -2;
        long start = -1;
        final AtomicLong reserved = new AtomicLong();
        long dropped;
        long cap = Long.MAX_VALUE;

        @Override
        public void onResponse(ResponseInfo r) {
            response = r;
        }

        @Override
        public void onBinding(String etag, String lastModified, long total, long start) {
            this.etag = etag;
            this.total = total;
            this.start = start;
        }

        @Override
        public boolean reserve(long n) {
            if (reserved.get() + n > cap) {
                return false;
            }
            reserved.addAndGet(n);
            return true;
        }

        @Override
        public void restarted(long dropped) {
            this.dropped += dropped;
        }

        int freed;
        long reservedWhenFreed = -1;

        @Override
        public void connectionFree() {
            freed++;
            reservedWhenFreed = reserved.get();
        }
    }

    Transfer.Spec job(String path) {
        Transfer.Spec j = new Transfer.Spec();
        j.url = URI.create(server.url(path));
        j.part = tmp.resolve("f.bin.part");
        return j;
    }

    /** A job whose .part holds the first {@code n} bytes, bound to the server's current validators. */
    Transfer.Spec resumable(int n) throws IOException {
        Transfer.Spec j = job("/f.bin");
        Files.write(j.part, Arrays.copyOf(body, n));
        j.etag = server.etag("/f.bin");
        j.knownTotal = body.length;
        return j;
    }

    @Test
    void wholeBodyLandsInThePartFile() throws IOException {
        Listener l = new Listener();
        Outcome o = new Transfer(engine, job("/f.bin"), l).run();
        assertEquals(Outcome.Kind.COMPLETE, o.kind, o.toString());
        assertArrayEquals(body, Files.readAllBytes(tmp.resolve("f.bin.part")));
        assertEquals(body.length, l.total);
        assertEquals(server.etag("/f.bin"), l.etag);
        assertEquals(200, l.response.status);
        assertNull(server.requests("/f.bin").get(0).header("Range"));
    }

    @Test
    void theConnectionIsReportedFreeOnceTheWholeBodyIsReadAndNotWhenItIsCutShort() throws IOException {
        Listener l = new Listener();
        assertEquals(Outcome.Kind.COMPLETE, new Transfer(engine, job("/f.bin"), l).run().kind);
        assertEquals(1, l.freed, "once, for the body read to its end");
        assertEquals(body.length, l.reservedWhenFreed, "after the last byte, before the outcome");

        server.dropAfter("/f.bin", 100_000, 1);
        Files.delete(tmp.resolve("f.bin.part"));
        Listener cut = new Listener();
        assertEquals(Outcome.Kind.NETWORK, new Transfer(engine, job("/f.bin"), cut).run().kind);
        assertEquals(0, cut.freed, "a body cut short is not a free connection: the attempt just failed");
    }

    @Test
    void aLargeBodyIsFlushedAheadWhileItArrivesAndStillLandsWhole() throws Exception {
        byte[] big = TestServer.randomBytes((int) (2 * WriteBehind.EVERY + 12_345), 11);
        server.file("/big.bin", big);
        long before = WriteBehind.DONE.get();
        Transfer.Spec j = job("/big.bin");
        j.directIo = false; // through the page cache: a body written with O_DIRECT has nothing to flush ahead
        Outcome o = new Transfer(engine, j, new Listener()).run();
        assertEquals(Outcome.Kind.COMPLETE, o.kind, o.toString());
        assertArrayEquals(big, Files.readAllBytes(tmp.resolve("f.bin.part")));
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (WriteBehind.DONE.get() == before && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(WriteBehind.DONE.get() > before, "a head-start flush ran before the final fsync");
    }

    @Test
    void cutShortIsNetworkTroubleAndKeepsTheBytesThenResumesWithRangeAndIfRange() throws IOException {
        server.dropAfter("/f.bin", 100_000, 1);
        Listener l = new Listener();
        Transfer.Spec j = job("/f.bin");
        Outcome first = new Transfer(engine, j, l).run();
        assertEquals(Outcome.Kind.NETWORK, first.kind, first.toString());
        assertTrue(first.message.startsWith("connection closed early"), first.message);
        long have = Files.size(j.part);
        assertEquals(100_000, have, "bytes received are kept");

        j.etag = l.etag;
        j.knownTotal = l.total;
        Listener l2 = new Listener();
        Outcome second = new Transfer(engine, j, l2).run();
        assertEquals(Outcome.Kind.COMPLETE, second.kind, second.toString());
        assertArrayEquals(body, Files.readAllBytes(j.part));
        assertEquals(100_000, l2.start);
        assertEquals(body.length - 100_000, l2.reserved.get(), "only the rest was transferred");
        TestServer.Req resumed = server.requests("/f.bin").get(1);
        assertEquals("bytes=100000-", resumed.header("Range"));
        assertEquals(server.etag("/f.bin"), resumed.header("If-Range"));
    }

    @Test
    void changedResourceIsNeverSplicedA200Restarts() throws IOException {
        Transfer.Spec j = resumable(50_000);
        byte[] v2 = TestServer.randomBytes(310_000, 8);
        server.changeContent("/f.bin", v2);
        Listener l = new Listener();
        Outcome o = new Transfer(engine, j, l).run();
        assertEquals(Outcome.Kind.COMPLETE, o.kind, o.toString());
        assertArrayEquals(v2, Files.readAllBytes(j.part), "the new version, whole, not spliced");
        assertEquals(50_000, l.dropped, "downloaded drops by what was thrown away");
        assertEquals(200, l.response.status);
    }

    @Test
    void a206AtTheWrongOffsetIsAFetchError() throws IOException {
        Transfer.Spec j = resumable(50_000);
        server.wrongRangeStart("/f.bin", 10, 1);
        Outcome o = new Transfer(engine, j, new Listener()).run();
        assertEquals(Outcome.Kind.FETCH_ERROR, o.kind, o.toString());
        assertTrue(o.message.contains("50000"), o.message);
        assertArrayEquals(Arrays.copyOf(body, 50_000), Files.readAllBytes(j.part), "local bytes untouched");
    }

    @Test
    void aServerIgnoringRangeRestartsFromZero() throws IOException {
        Transfer.Spec j = resumable(70_000);
        server.ignoreRange("/f.bin", true);
        Listener l = new Listener();
        Outcome o = new Transfer(engine, j, l).run();
        assertEquals(Outcome.Kind.COMPLETE, o.kind);
        assertArrayEquals(body, Files.readAllBytes(j.part));
        assertEquals(70_000, l.dropped);
    }

    @Test
    void partialDataWithoutAValidatorIsNotTrusted() throws IOException {
        Transfer.Spec j = job("/f.bin");
        Files.write(j.part, new byte[1000]);
        Listener l = new Listener();
        Outcome o = new Transfer(engine, j, l).run();
        assertEquals(Outcome.Kind.COMPLETE, o.kind);
        assertArrayEquals(body, Files.readAllBytes(j.part));
        assertNull(server.requests("/f.bin").get(0).header("Range"), "no Range without a validator");
    }

    @Test
    void a416WithTheLocalLengthMeansAlreadyComplete() throws IOException {
        Transfer.Spec j = resumable(body.length);
        Outcome o = new Transfer(engine, j, new Listener()).run();
        assertEquals(Outcome.Kind.COMPLETE, o.kind, o.toString());
        assertArrayEquals(body, Files.readAllBytes(j.part));
    }

    @Test
    void statusesMapToOutcomes() {
        server.status("/missing", 404, "no such thing");
        assertEquals(Outcome.Kind.BAD_STATUS, new Transfer(engine, job("/missing"), new Listener()).run().kind);
        assertTrue(!Files.exists(tmp.resolve("f.bin.part")) || sizeOf(tmp.resolve("f.bin.part")) == 0,
                "a non-2xx body is never written");
        server.failWith("/f.bin", 503, 1, 7);
        Outcome o = new Transfer(engine, job("/f.bin"), new Listener()).run();
        assertEquals(Outcome.Kind.RETRY_LATER, o.kind);
        assertEquals(7000, o.retryAfterMillis);
    }

    @Test
    void aRetryAfterOfNothingToWaitForIsNoHintAndTheBackoffDecides() {
        // a hostile tester's find: 0, -5 or a past date spent every status retry within 0.2 s
        server.failWith("/f.bin", 503, 1, 0);
        assertEquals(-1, new Transfer(engine, job("/f.bin"), new Listener()).run().retryAfterMillis);
        for (String v : List.of("0", "-5", "Wed, 21 Oct 2015 07:28:00 GMT", "soon")) {
            assertEquals(-1, Transfer.retryAfter(new org.apache.hc.core5.http.message.BasicHeader("Retry-After", v)), v);
        }
        assertEquals(2000, Transfer.retryAfter(new org.apache.hc.core5.http.message.BasicHeader("Retry-After", "2")));
        String future = java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
                java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).plusSeconds(60));
        long ms = Transfer.retryAfter(new org.apache.hc.core5.http.message.BasicHeader("Retry-After", future));
        assertTrue(ms > 50_000 && ms <= 60_000, "a date a minute ahead: " + ms);
    }

    static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void redirectsAreFollowedAndCheckedEachHop() {
        server.redirect("/r1", "/f.bin", 302);
        Listener l = new Listener();
        assertEquals(Outcome.Kind.COMPLETE, new Transfer(engine, job("/r1"), l).run().kind);
        assertTrue(l.response.url.endsWith("/f.bin"), l.response.url);

        server.redirectLoop("/loop");
        Outcome loop = new Transfer(engine, job("/loop"), new Listener()).run();
        assertEquals(Outcome.Kind.FETCH_ERROR, loop.kind);
        assertTrue(loop.message.contains("redirects"), loop.message);

        server.redirect("/to-ftp", "ftp://127.0.0.1/x", 301);
        assertEquals(Outcome.Kind.FETCH_ERROR, new Transfer(engine, job("/to-ftp"), new Listener()).run().kind);

        server.redirect("/to-bad-port", "http://127.0.0.1:6667/x", 307);
        Outcome badPort = new Transfer(engine, job("/to-bad-port"), new Listener()).run();
        assertEquals(Outcome.Kind.FETCH_ERROR, badPort.kind);
        assertTrue(badPort.message.contains("6667"), badPort.message);
    }

    @Test
    void aTlsFailureIsAFetchErrorNotNetworkTrouble() throws Exception {
        // A peer that answers the TLS ClientHello with plaintext: the handshake fails at once.
        try (java.net.ServerSocket plain = new java.net.ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try (java.net.Socket s = plain.accept()) {
                    s.getOutputStream().write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".getBytes());
                    s.getOutputStream().flush();
                    Thread.sleep(500);
                } catch (IOException | InterruptedException e) {
                    // the client hung up
                }
            });
            t.start();
            Transfer.Spec j = job("/f.bin");
            j.url = URI.create("https://127.0.0.1:" + plain.getLocalPort() + "/f.bin");
            Outcome o = new Transfer(engine, j, new Listener()).run();
            assertEquals(Outcome.Kind.FETCH_ERROR, o.kind, o.toString());
            assertEquals("TLS handshake with 127.0.0.1 failed: the server does not speak TLS (is it an http port?)",
                    o.message);
            t.join();
        }
    }

    @Test
    void refusedConnectionIsNetworkTrouble() throws IOException {
        int port = server.port();
        server.stop();
        Transfer.Spec j = job("/f.bin");
        j.url = URI.create("http://127.0.0.1:" + port + "/f.bin");
        assertEquals(Outcome.Kind.NETWORK, new Transfer(engine, j, new Listener()).run().kind);
    }

    @Test
    void aStalledTransferIsNetworkTroubleAndKeepsTheBytes() throws IOException {
        server.stallAfter("/f.bin", 64 * 1024, 10_000, 1);
        Transfer.Spec j = job("/f.bin");
        Outcome o = new Transfer(engine, j, new Listener()).run();
        assertEquals(Outcome.Kind.NETWORK, o.kind, o.toString());
        // what the user reads in get and the log: the stall itself, not the failed close after it
        assertEquals("stalled: no data for the stall timeout", o.message);
        assertTrue(Files.size(j.part) >= 64 * 1024, "kept " + Files.size(j.part));
    }

    @Test
    void theCapStopsBeforeTheChunkThatWouldExceedIt() throws IOException {
        Listener l = new Listener();
        l.cap = 100_000;
        Transfer.Spec j = job("/f.bin");
        Outcome o = new Transfer(engine, j, l).run();
        assertEquals(Outcome.Kind.CAP, o.kind);
        assertTrue(Files.size(j.part) <= 100_000, "never more than the cap on disk: " + Files.size(j.part));
    }

    @Test
    void checksumMismatchIsAFetchErrorAndDropsTheData() throws IOException {
        Transfer.Spec j = job("/f.bin");
        j.checksum = "sha-256=" + "0".repeat(64);
        Outcome o = new Transfer(engine, j, new Listener()).run();
        assertEquals(Outcome.Kind.FETCH_ERROR, o.kind);
        assertTrue(!Files.exists(j.part));
        Transfer.Spec ok = job("/f.bin");
        ok.checksum = "sha-256=" + TestServer.sha256(body);
        assertEquals(Outcome.Kind.COMPLETE, new Transfer(engine, ok, new Listener()).run().kind);
    }

    @Test
    void credentialsAreNotSentToAnotherOrigin() {
        TestServer other = TestServer.start();
        try {
            other.file("/x", body);
            server.redirect("/away", other.url("/x"), 302);
            Transfer.Spec j = job("/away");
            j.headers.put("Authorization", "Bearer secret");
            j.headers.put("X-Other", "kept");
            assertEquals(Outcome.Kind.COMPLETE, new Transfer(engine, j, new Listener()).run().kind);
            assertEquals("Bearer secret", server.requests("/away").get(0).header("Authorization"));
            List<TestServer.Req> hop = other.requests("/x");
            assertNull(hop.get(0).header("Authorization"));
            assertEquals("kept", hop.get(0).header("X-Other"));
        } finally {
            other.close();
        }
    }
}
