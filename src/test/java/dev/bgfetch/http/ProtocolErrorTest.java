package dev.bgfetch.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsServer;
import dev.bgfetch.support.RawServer;
import dev.bgfetch.support.SelfSignedTls;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * SPEC §4.9 for servers that answer wrongly: broken HTTP and failed TLS are fetch-errors with a
 * reason in words; a cut connection stays network trouble. Real sockets on 127.0.0.1 throughout.
 */
class ProtocolErrorTest {
    @TempDir
    Path tmp;
    HttpEngine engine;

    @BeforeEach
    void start() {
        engine = new HttpEngine(4, 4, Duration.ofSeconds(5), Duration.ofSeconds(2), "bgfetch-test");
    }

    @AfterEach
    void stop() throws IOException {
        engine.close();
    }

    Outcome get(HttpEngine e, String url) {
        return getInto(e, url, tmp.resolve("x.part"));
    }

    /** One transfer of {@code url} into {@code part}, without fsync: what the TLS and protocol tests look at. */
    static Outcome getInto(HttpEngine e, String url, java.nio.file.Path part) {
        Transfer.Spec j = new Transfer.Spec();
        j.url = URI.create(url);
        j.part = part;
        j.fsync = false;
        return new Transfer(e, j, new TransferTest.Listener()).run();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "negative length   | HTTP/1.1 200 OK\\r\\nContent-Length: -5\\r\\n\\r\\nhello     | Negative content length",
            "two lengths       | HTTP/1.1 200 OK\\r\\nContent-Length: 5\\r\\nContent-Length: 7\\r\\n\\r\\nhello | Multiple Content-Length",
            "not HTTP          | hello\\r\\n                                                 | sent a broken HTTP answer",
            "bad status line   | HTTP/1.1 2000 OK\\r\\n\\r\\n                                 | sent a broken HTTP answer",
            "TLS alert         | \\u0015\\u0003\\u0001\\u0000\\u0002\\u0002\\u0032                | sent a broken HTTP answer",
            "bad header        | HTTP/1.1 200 OK\\r\\nno colon here\\r\\n\\r\\n                  | Invalid header",
            "bad length        | HTTP/1.1 200 OK\\r\\nContent-Length: 5, 7\\r\\n\\r\\nhello     | Invalid content length",
            "bad chunk         | HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\nzz\\r\\n | broken chunked body",
            "unknown coding    | HTTP/1.1 200 OK\\r\\nTransfer-Encoding: gzip\\r\\n\\r\\nabc     | Unsupported transfer encoding",
    })
    void aServerThatAnswersWronglyIsAFetchErrorAtOnce(String name, String script, String reason) {
        try (RawServer raw = RawServer.start(line -> RawServer.bytes(unescape(script)))) {
            Outcome o = get(engine, raw.url("/x"));
            assertEquals(Outcome.Kind.FETCH_ERROR, o.kind, o.toString());
            assertTrue(o.message.contains(reason), o.message);
            assertTrue(o.message.startsWith("127.0.0.1 "), o.message);
        }
    }

    @Test
    void bytesAServerLeftAfterABodyOnAKeptConnectionAreNotTheNextFilesAnswer() throws IOException {
        // more than its Content-Length: what curl calls "excess found"; the next request on that
        // connection read the junk as its status line and failed for good (fetch-error)
        byte[] body = RawServer.bytes("hello");
        byte[] answer = RawServer.concat(RawServer.bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"),
                RawServer.concat(body, RawServer.bytes("GGGGGGG")));
        try (RawServer sloppy = RawServer.keepAlive(line -> answer)) {
            for (String name : new String[] {"a", "b", "c"}) {
                java.nio.file.Path part = tmp.resolve(name + ".part");
                Outcome o = getInto(engine, sloppy.url("/" + name), part);
                assertEquals(Outcome.Kind.COMPLETE, o.kind, name + ": " + o);
                assertArrayEquals(body, java.nio.file.Files.readAllBytes(part));
            }
            assertEquals(3, sloppy.connections(), "one fresh connection for each answer after the first");
        }
    }

    @Test
    void endlessInformationalAnswersAreAFetchErrorNotAWaitForever() {
        // a hostile tester's find: "102 Processing" after "102 Processing" reset the stall timeout for good
        String interim = "HTTP/1.1 102 Processing\r\n\r\n".repeat(150);
        try (RawServer raw = RawServer.start(line -> RawServer.concat(RawServer.bytes(interim), RawServer.ok("late")))) {
            Outcome o = get(engine, raw.url("/x"));
            assertEquals(Outcome.Kind.FETCH_ERROR, o.kind, o.toString());
            assertTrue(o.message.contains("more than 100 informational (1xx) answers"), o.message);
        }
        String few = "HTTP/1.1 102 Processing\r\n\r\n".repeat(5);
        try (RawServer raw = RawServer.start(line -> RawServer.concat(RawServer.bytes(few), RawServer.ok("late")))) {
            assertEquals(Outcome.Kind.COMPLETE, get(engine, raw.url("/x")).kind, "a few are fine");
        }
    }

    @Test
    void aWholeAnswerAServerLeftAfterABodyIsNotTheNextFilesAnswer() throws IOException {
        // a hostile tester's find: excess bytes that are themselves a valid answer were read as the
        // next request's, and "SMUGGLE" was saved as the next file; curl drops such a connection
        byte[] answer = RawServer.bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
                + "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nSMUGGLE");
        try (RawServer sloppy = RawServer.keepAlive(line -> answer)) {
            for (String name : new String[] {"a", "b", "c"}) {
                java.nio.file.Path part = tmp.resolve(name + ".part");
                Outcome o = getInto(engine, sloppy.url("/" + name), part);
                assertEquals(Outcome.Kind.COMPLETE, o.kind, name + ": " + o);
                assertArrayEquals(RawServer.bytes("hello"), java.nio.file.Files.readAllBytes(part), name);
            }
            assertEquals(3, sloppy.connections(), "one fresh connection for each answer after the first");
        }
    }

    @Test
    void aLongResponseHeaderIsRead() throws IOException {
        // 60 KB of one header line: curl reads up to 100 KB; it was reported as a server that
        // "closed the connection without answering (is it an https port?)"
        String big = "x".repeat(60_000);
        try (RawServer raw = RawServer.start(line -> RawServer.bytes("HTTP/1.1 200 OK\r\nX-Big: " + big
                + "\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"))) {
            java.nio.file.Path part = tmp.resolve("big.part");
            Outcome o = getInto(engine, raw.url("/big"), part);
            assertEquals(Outcome.Kind.COMPLETE, o.kind, o.toString());
            assertArrayEquals(RawServer.bytes("ok"), java.nio.file.Files.readAllBytes(part));
        }
    }

    @Test
    void aTypedHeaderGoesOutAsTheUtf8BytesOfWhatWasTyped() throws IOException {
        // as curl sends its argument; before, the Latin-1 writer sent U+00E9 as E9 and U+20AC as '?'
        String typed = "caf\u00e9 \u20ac \ud83d\ude00";
        try (RawServer raw = RawServer.start(line -> RawServer.bytes(
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"))) {
            Transfer.Spec j = new Transfer.Spec();
            j.url = URI.create(raw.url("/h"));
            j.part = tmp.resolve("h.part");
            j.fsync = false;
            j.headers.put("X-Name", typed);
            Outcome o = new Transfer(engine, j, new TransferTest.Listener()).run();
            assertEquals(Outcome.Kind.COMPLETE, o.kind, o.toString());
            String wire = new String(typed.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    java.nio.charset.StandardCharsets.ISO_8859_1);
            assertTrue(raw.heads().get(0).contains("\r\nX-Name: " + wire + "\r\n"), raw.heads().get(0));
        }
    }

    @Test
    void aResumeSendsBackTheServersValidatorByteForByte() throws IOException {
        // an ETag of UTF-8 bytes ("€" is E2 82 AC), held as the Latin-1 characters they were read as;
        // HttpClient's default writer sent 0x80-0x9F and control bytes as '?', so If-Range never matched
        String etag = "\"\u00e2\u0082\u00ac\u001b\u007f\"";
        byte[] rest = RawServer.bytes("world");
        try (RawServer raw = RawServer.start(line -> RawServer.concat(RawServer.bytes(
                "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 5-9/10\r\nContent-Length: 5\r\nETag: " + etag
                        + "\r\nConnection: close\r\n\r\n"), rest))) {
            java.nio.file.Path part = tmp.resolve("r.part");
            java.nio.file.Files.write(part, RawServer.bytes("hello"));
            Transfer.Spec j = new Transfer.Spec();
            j.url = URI.create(raw.url("/r"));
            j.part = part;
            j.fsync = false;
            j.etag = etag;
            j.knownTotal = 10;
            Outcome o = new Transfer(engine, j, new TransferTest.Listener()).run();
            assertEquals(Outcome.Kind.COMPLETE, o.kind, o.toString());
            assertTrue(raw.heads().get(0).contains("\r\nIf-Range: " + etag + "\r\n"), raw.heads().get(0));
            assertArrayEquals(RawServer.bytes("helloworld"), java.nio.file.Files.readAllBytes(part));
        }
    }

    @Test
    void aBrokenAnswerOnAFreshConnectionIsNotAskedAgain() {
        try (RawServer broken = RawServer.keepAlive(line -> RawServer.bytes("hello\r\n"))) {
            Outcome o = get(engine, broken.url("/x"));
            assertEquals(Outcome.Kind.FETCH_ERROR, o.kind, o.toString());
            assertTrue(o.message.contains("sent a broken HTTP answer"), o.message);
            assertEquals(1, broken.connections(), "the same question gets the same answer");
            assertEquals(1, broken.requestLines().size());
        }
    }

    @Test
    void anSshBannerIsAFetchErrorWithoutWaitingForATimeout() {
        try (RawServer ssh = RawServer.banner(RawServer.bytes("SSH-2.0-OpenSSH_9.6\r\n"))) {
            Outcome o = get(engine, ssh.url("/x"));
            assertEquals(Outcome.Kind.FETCH_ERROR, o.kind, o.toString());
            assertTrue(o.message.contains("SSH-2.0-OpenSSH_9.6"), o.message);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "short length body | HTTP/1.1 200 OK\\r\\nContent-Length: 10\\r\\n\\r\\nhello",
            "cut in a chunk    | HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\na\\r\\nhello",
            "cut after a chunk | HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n5\\r\\nhello",
            "cut at a chunk    | HTTP/1.1 200 OK\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n5\\r\\nhello\\r\\n",
            "cut in a header   | HTTP/1.1 200 OK\\r\\nContent-Le",
            "cut after a header| HTTP/1.1 200 OK\\r\\nContent-Length: 5\\r\\n",
            "cut in the status | HTTP/1.1 200",
            "cut in the code   | HTTP/1.1 20",
            "cut in the version| HTTP/1.",
            "status, no CRLF   | HTTP/1.1 200 OK",
    })
    void aConnectionCutInTheBodyIsStillNetworkTrouble(String name, String script) {
        try (RawServer raw = RawServer.start(line -> RawServer.bytes(unescape(script)))) {
            Outcome o = get(engine, raw.url("/x"));
            assertEquals(Outcome.Kind.NETWORK, o.kind, o.toString());
        }
    }

    @Test
    void aServerThatClosesWithoutAWordWaitsThenFailsAfterThreeTimesInARow() {
        try (RawServer mute = RawServer.start(line -> null)) {
            Outcome first = get(engine, mute.url("/x"));
            assertEquals(Outcome.Kind.NETWORK, first.kind, first.toString());
            assertEquals("127.0.0.1 closed the connection without answering", first.message);
            assertEquals(Outcome.Kind.NETWORK, get(engine, mute.url("/x")).kind);
            Outcome third = get(engine, mute.url("/x"));
            assertEquals(Outcome.Kind.FETCH_ERROR, third.kind, third.toString());
            assertTrue(third.message.endsWith("3 times in a row (is it an https port?)"), third.message);
            assertEquals(6, mute.connections(), "each attempt tried a fresh connection once more");
        }
    }

    @Test
    void anAnswerEndsTheSilentStreak() {
        int[] n = {0};
        try (RawServer flaky = RawServer.start(line -> n[0]++ % 3 == 2 ? RawServer.ok("ok") : null)) {
            for (int i = 0; i < 4; i++) {
                Outcome o = get(engine, flaky.url("/x"));
                assertTrue(o.kind == Outcome.Kind.NETWORK || o.kind == Outcome.Kind.COMPLETE, o.toString());
            }
        }
    }

    @Test
    void aRedirectLocationIsReadAsUtf8AndEncodedOnTheWire() throws Exception {
        byte[] redirect = RawServer.concat(RawServer.bytes("HTTP/1.1 302 Found\r\nLocation: "),
                RawServer.concat("dir/ünï file.txt?q=a b".getBytes(StandardCharsets.UTF_8),
                        RawServer.bytes("\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")));
        try (RawServer raw = RawServer.start(line -> line.startsWith("GET /start/here ") ? redirect : RawServer.ok("done"))) {
            TransferTest.Listener l = new TransferTest.Listener();
            Transfer.Spec j = new Transfer.Spec();
            j.url = UrlRules.check(raw.url("/start/here"));
            j.part = tmp.resolve("r.part");
            Outcome done = new Transfer(engine, j, l).run();
            assertEquals(Outcome.Kind.COMPLETE, done.kind, done + " " + raw.requestLines());
            List<String> lines = raw.requestLines();
            assertEquals("GET /start/dir/%C3%BCn%C3%AF%20file.txt?q=a%20b HTTP/1.1", lines.get(1));
            assertEquals(raw.url("/start/dir/%C3%BCn%C3%AF%20file.txt?q=a%20b"), l.response.url);
            assertEquals("done", Files.readString(j.part));
        }
    }

    @Test
    void bytesOfALocationThatAreNotUtf8StayAsEscapes() {
        assertEquals("/caf%E9", Transfer.utf8(new String(new byte[] {'/', 'c', 'a', 'f', (byte) 0xe9},
                StandardCharsets.ISO_8859_1)));
        assertEquals("/ü", Transfer.utf8(new String("/ü".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1)));
    }

    @Test
    void tlsFailuresSayWhatIsWrongInWords() throws Exception {
        SelfSignedTls cert = SelfSignedTls.create(tmp, "dns:localhost");
        HttpsServer https = cert.serve("secret".getBytes(StandardCharsets.UTF_8));
        String url = "https://127.0.0.1:" + https.getAddress().getPort() + "/x";
        try {
            Outcome untrusted = get(engine, url);
            assertEquals(Outcome.Kind.FETCH_ERROR, untrusted.kind);
            assertEquals("certificate not trusted for 127.0.0.1 (trust its CA with --ca-certificate FILE)", untrusted.message);

            try (HttpEngine trusting = new HttpEngine(4, 4, Duration.ofSeconds(5), Duration.ofSeconds(2), "t",
                    new DefaultClientTlsStrategy(cert.trusting()))) {
                Outcome mismatch = get(trusting, url);
                assertEquals(Outcome.Kind.FETCH_ERROR, mismatch.kind);
                assertEquals("certificate does not match 127.0.0.1", mismatch.message);
            }

            String plain = "http://127.0.0.1:" + https.getAddress().getPort() + "/x";
            Outcome o = null;
            for (int i = 0; i < Failures.SILENT_LIMIT; i++) {
                o = get(engine, plain);
            }
            assertEquals(Outcome.Kind.FETCH_ERROR, o.kind, o.toString());
            assertTrue(o.message.contains("(is it an https port?)"), o.message);
        } finally {
            https.stop(0);
        }
    }

    @Test
    void httpsToAPlainHttpPortThatWaitsIsAFetchErrorAfterThreeSilentHandshakes() {
        // A port that waits for a request and never speaks first. Not the JDK's HttpServer: it answers
        // "400" when a ClientHello's random bytes happen to hold a CRLF (seen once in a full run).
        try (RawServer plain = RawServer.banner(new byte[0])) {
            String url = "https://127.0.0.1:" + plain.port() + "/f";
            Outcome first = get(engine, url);
            assertEquals(Outcome.Kind.NETWORK, first.kind, first.toString());
            assertEquals("TLS handshake with 127.0.0.1 timed out", first.message);
            get(engine, url);
            Outcome third = get(engine, url);
            assertEquals(Outcome.Kind.FETCH_ERROR, third.kind, third.toString());
            assertTrue(third.message.contains("3 times in a row (is it an http port?)"), third.message);
        }
    }

    @Test
    void tlsReasonsLoseTheJavaClassNames() {
        assertEquals("the server refused (handshake_failure)",
                Failures.tlsReason(new javax.net.ssl.SSLHandshakeException("Received fatal alert: handshake_failure")));
        assertEquals("unable to find valid certification path", Failures.tlsReason(new javax.net.ssl.SSLException(
                "sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path")));
    }

    static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && s.charAt(i + 1) == 'r') {
                b.append('\r');
                i++;
            } else if (c == '\\' && s.charAt(i + 1) == 'n') {
                b.append('\n');
                i++;
            } else if (c == '\\' && s.charAt(i + 1) == 'u') {
                b.append((char) Integer.parseInt(s.substring(i + 2, i + 6), 16));
                i += 5;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
