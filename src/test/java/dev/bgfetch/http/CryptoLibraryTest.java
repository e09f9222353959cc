package dev.bgfetch.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpsServer;
import dev.bgfetch.support.RawServer;
import dev.bgfetch.support.SelfSignedTls;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker's TLS is BoringSSL (Conscrypt) where its native library loads, and its failures read as
 * the JDK's did: the same words for a refused handshake, a name mismatch, a server that does not
 * speak TLS. Real HTTPS servers on 127.0.0.1.
 */
class CryptoLibraryTest {
    @TempDir
    Path tmp;

    static boolean linuxX64() {
        return System.getProperty("os.name").startsWith("Linux")
                && (System.getProperty("os.arch").equals("amd64") || System.getProperty("os.arch").equals("x86_64"));
    }

    Outcome get(HttpEngine e, String url) {
        return ProtocolErrorTest.getInto(e, url, tmp.resolve("x.part"));
    }

    HttpEngine engine(Path ca) throws Trust.BadCaFile {
        return HttpEngine.create(4, 4, Duration.ofSeconds(5), Duration.ofSeconds(2), "bgfetch-test", ca);
    }

    @Test
    void theWorkersTlsIsBoringSslOnLinuxX64AndDownloadsThroughIt() throws Exception {
        assumeTrue(linuxX64(), "Conscrypt's uber jar carries BoringSSL for linux x86-64");
        assertEquals("BoringSSL (Conscrypt)", CryptoLibrary.name());
        SelfSignedTls cert = SelfSignedTls.create(tmp, "ip:127.0.0.1");
        byte[] body = new byte[3 * 1024 * 1024 + 17];
        new java.util.Random(7).nextBytes(body);
        HttpsServer https = cert.serve(body);
        Path pem = cert.pem(tmp.resolve("ca.pem"));
        try (HttpEngine e = engine(pem)) {
            HttpEngine.TrustOnFirstUse trust = HttpEngine.TrustOnFirstUse.withExtraCa(pem);
            try (Socket s = new Socket("127.0.0.1", https.getAddress().getPort())) {
                SSLSocket tls = trust.upgrade(s, "127.0.0.1", https.getAddress().getPort(), null, null);
                assertTrue(tls.getClass().getName().startsWith("org.conscrypt."), tls.getClass().getName());
            }
            Outcome o = get(e, "https://127.0.0.1:" + https.getAddress().getPort() + "/f");
            assertEquals(Outcome.Kind.COMPLETE, o.kind, o.toString());
            assertArrayEquals(body, Files.readAllBytes(tmp.resolve("x.part")));
        } finally {
            https.stop(0);
        }
    }

    /** Runs {@code body} as a worker on C1 only would ({@code -Dbgfetch.jit=c1}, as bin/bgfetch starts it). */
    static void onC1(java.util.concurrent.Callable<Void> body) throws Exception {
        String before = System.getProperty(CryptoLibrary.JIT_PROPERTY);
        try {
            System.setProperty(CryptoLibrary.JIT_PROPERTY, "c1");
            body.call();
        } finally {
            if (before == null) {
                System.clearProperty(CryptoLibrary.JIT_PROPERTY);
            } else {
                System.setProperty(CryptoLibrary.JIT_PROPERTY, before);
            }
        }
    }

    @Test
    void aWorkerOnC1OnlyDigestsWithBoringSslAndGetsTheJdksAnswers() throws Exception {
        byte[] data = new byte[5 * 1024 * 1024 + 3];
        new java.util.Random(11).nextBytes(data);
        // with C2 (the default JVM, or bin/bgfetch's tiers) the JDK's own: its SHA-256 intrinsic is the fastest here
        assertEquals("SUN", CryptoLibrary.digest("SHA-256").getProvider().getName());
        onC1(() -> {
            for (String algorithm : List.of("SHA-256", "SHA-512", "SHA-1")) {
                java.security.MessageDigest md = CryptoLibrary.digest(algorithm);
                if (linuxX64()) {
                    // C1 has none of the JDK's SHA intrinsics
                    assertTrue(md.getProvider().getName().startsWith("Conscrypt"), md.getProvider().getName());
                }
                md.update(java.nio.ByteBuffer.wrap(data, 0, 1000));
                md.update(java.nio.ByteBuffer.wrap(data, 1000, data.length - 1000));
                assertArrayEquals(java.security.MessageDigest.getInstance(algorithm).digest(data), md.digest(), algorithm);
            }
            return null;
        });
    }

    @Test
    void aWorkerOnC1OnlyWithoutBoringSslIsToldHowToGetC2() throws Exception {
        assertEquals("", CryptoLibrary.onC1Advice());
        onC1(() -> {
            assertTrue(CryptoLibrary.onC1Advice().contains("BGFETCH_WORKER_JIT=tiers gives it C2"), CryptoLibrary.onC1Advice());
            return null;
        });
    }

    @Test
    void aTls13ServerWhoseCertificateACaSignedIsTrustedThroughThatCa() throws Exception {
        // what real servers have: BoringSSL names TLS 1.3's key exchange "GENERIC", the JDK's trust manager "UNKNOWN"
        SelfSignedTls cert = SelfSignedTls.caSigned(tmp, "ip:127.0.0.1");
        HttpsServer https = cert.serve("secret".getBytes(StandardCharsets.UTF_8));
        try (HttpEngine e = engine(cert.pem(tmp.resolve("ca.pem")))) {
            Outcome o = get(e, "https://127.0.0.1:" + https.getAddress().getPort() + "/f");
            assertEquals(Outcome.Kind.COMPLETE, o.kind, o.toString());
            assertEquals("secret", Files.readString(tmp.resolve("x.part")));
            HttpEngine.TrustOnFirstUse trust = HttpEngine.TrustOnFirstUse.withExtraCa(tmp.resolve("ca.pem"));
            try (Socket s = new Socket("127.0.0.1", https.getAddress().getPort())) {
                SSLSocket tls = trust.upgrade(s, "127.0.0.1", https.getAddress().getPort(), null, null);
                assertEquals("TLSv1.3", tls.getSession().getProtocol());
            }
        } finally {
            https.stop(0);
        }
        SelfSignedTls other = SelfSignedTls.caSigned(tmp, "dns:localhost");
        HttpsServer wrongName = other.serve("secret".getBytes(StandardCharsets.UTF_8));
        try (HttpEngine e = engine(other.pem(tmp.resolve("ca2.pem")))) {
            Outcome o = get(e, "https://127.0.0.1:" + wrongName.getAddress().getPort() + "/f");
            assertEquals("certificate does not match 127.0.0.1", o.message, o.toString());
        } finally {
            wrongName.stop(0);
        }
    }

    @Test
    void aCertificateOfTheGivenCaForAnotherNameDoesNotMatch() throws Exception {
        SelfSignedTls cert = SelfSignedTls.create(tmp, "dns:localhost");
        HttpsServer https = cert.serve("secret".getBytes(StandardCharsets.UTF_8));
        try (HttpEngine e = engine(cert.pem(tmp.resolve("ca.pem")))) {
            Outcome o = get(e, "https://127.0.0.1:" + https.getAddress().getPort() + "/f");
            assertEquals(Outcome.Kind.FETCH_ERROR, o.kind, o.toString());
            assertEquals("certificate does not match 127.0.0.1", o.message);
        } finally {
            https.stop(0);
        }
    }

    @Test
    void aServerThatRefusesTheHandshakeSaysWhyInOneLine() throws Exception {
        // a fatal handshake_failure alert (TLS record 21, level 2, description 40) in answer to the ClientHello
        byte[] alert = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28};
        try (RawServer refusing = RawServer.banner(alert); HttpEngine e = engine(null)) {
            Outcome o = get(e, "https://127.0.0.1:" + refusing.port() + "/f");
            assertEquals(Outcome.Kind.FETCH_ERROR, o.kind, o.toString());
            assertEquals("TLS handshake with 127.0.0.1 failed: the server refused (handshake_failure)", o.message);
        }
    }

    @Test
    void aServerThatAnswersInPlainHttpDoesNotSpeakTls() throws Exception {
        try (RawServer plain = RawServer.banner(RawServer.bytes("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"))) {
            try (HttpEngine e = engine(null)) {
                Outcome o = get(e, "https://127.0.0.1:" + plain.port() + "/f");
                assertEquals(Outcome.Kind.FETCH_ERROR, o.kind, o.toString());
                assertEquals("TLS handshake with 127.0.0.1 failed: the server does not speak TLS (is it an http port?)", o.message);
            }
        }
    }

    @Test
    void aTlsConnectionCutMidBodyIsNetworkTroubleWithTheBytesKept() throws Exception {
        SelfSignedTls cert = SelfSignedTls.create(tmp, "ip:127.0.0.1");
        byte[] body = new byte[2 * 1024 * 1024];
        new java.util.Random(3).nextBytes(body);
        HttpsServer https = cert.serve(body);
        https.removeContext("/");
        https.createContext("/", ex -> {
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body, 0, body.length / 3);
            ex.getResponseBody().flush();
            ex.getHttpContext().getServer().stop(0); // cuts the connection mid-body
        });
        try (HttpEngine e = engine(cert.pem(tmp.resolve("ca.pem")))) {
            Outcome o = get(e, "https://127.0.0.1:" + https.getAddress().getPort() + "/f");
            assertEquals(Outcome.Kind.NETWORK, o.kind, o.toString());
            long kept = Files.size(tmp.resolve("x.part"));
            assertTrue(kept > 0 && kept <= body.length / 3, "kept " + kept);
        } finally {
            https.stop(0);
        }
    }

    @Test
    void aCorruptedRecordMidBodyIsNetworkTroubleWithBothTlsLibraries() throws Exception {
        SelfSignedTls cert = SelfSignedTls.create(tmp, "ip:127.0.0.1");
        byte[] body = new byte[3_000_000];
        new java.util.Random(9).nextBytes(body);
        javax.net.ssl.SSLContext serverSide = cert.serverContext();
        try (java.net.ServerSocket ss = new java.net.ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                for (int i = 0; i < 2; i++) {
                    try (Socket raw = ss.accept()) {
                        SSLSocket tls = (SSLSocket) serverSide.getSocketFactory().createSocket(raw, null, raw.getPort(), false);
                        tls.setUseClientMode(false);
                        java.io.InputStream in = tls.getInputStream();
                        int state = 0;
                        while (state < 4) { // the request head, up to its blank line
                            int c = in.read();
                            if (c < 0) {
                                break;
                            }
                            state = c == (state % 2 == 0 ? '\r' : '\n') ? state + 1 : c == '\r' ? 1 : 0;
                        }
                        java.io.OutputStream out = tls.getOutputStream();
                        out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length
                                + "\r\nETag: \"v1\"\r\nAccept-Ranges: bytes\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                        out.write(body, 0, 1_000_000);
                        out.flush();
                        // an application-data record whose 64 bytes fail the AEAD check, straight onto TCP
                        byte[] bad = new byte[5 + 64];
                        bad[0] = 0x17;
                        bad[1] = 0x03;
                        bad[2] = 0x03;
                        bad[4] = 64;
                        byte[] junk = new byte[64];
                        new java.util.Random(i).nextBytes(junk);
                        System.arraycopy(junk, 0, bad, 5, junk.length);
                        raw.getOutputStream().write(bad);
                        raw.getOutputStream().flush();
                        Thread.sleep(300);
                    } catch (Exception e) {
                        // the client hung up first
                    }
                }
            });
            server.setDaemon(true);
            server.start();
            String url = "https://127.0.0.1:" + ss.getLocalPort() + "/f";
            try (HttpEngine boring = engine(cert.pem(tmp.resolve("ca.pem")));
                    HttpEngine jdk = new HttpEngine(4, 4, Duration.ofSeconds(5), Duration.ofSeconds(2), "t",
                            new org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy(cert.trusting()))) {
                for (HttpEngine e : List.of(boring, jdk)) {
                    Files.deleteIfExists(tmp.resolve("x.part"));
                    Outcome o = get(e, url);
                    assertEquals(Outcome.Kind.NETWORK, o.kind, o.toString());
                    assertTrue(o.message.contains(" lost"), o.message);
                    assertTrue(Files.size(tmp.resolve("x.part")) > 0, "the bytes before the bad record are kept");
                }
            }
            server.join(10_000);
        }
    }

    @Test
    void boringSslReasonsReadAsTheJdksWithoutPointersOrSourceLines() {
        assertEquals("the server refused (handshake_failure)", Failures.tlsReason(new SSLException(
                "Read error: ssl=0x7f124809d468: Failure in SSL library, usually a protocol error\n"
                        + "error:10000410:SSL routines:OPENSSL_internal:SSLV3_ALERT_HANDSHAKE_FAILURE"
                        + " (../ssl/tls_record.cc:594 0x7f12480ba588:0x00000001)\n"
                        + "error:1000009a:SSL routines:OPENSSL_internal:HANDSHAKE_FAILURE_ON_CLIENT_HELLO")));
        assertEquals("the server refused (certificate_required)", Failures.tlsReason(new SSLException(
                "error:1000045c:SSL routines:OPENSSL_internal:TLSV1_ALERT_CERTIFICATE_REQUIRED (../ssl/tls_record.cc:594)")));
        assertEquals("no shared cipher", Failures.tlsReason(new SSLException(
                "error:100000b8:SSL routines:OPENSSL_internal:NO_SHARED_CIPHER")));
        assertEquals("the server does not speak TLS (is it an http port?)",
                Failures.tlsReason(new SSLException("Unable to parse TLS packet header")));
        assertEquals("I/O error during system call, Connection reset by peer", Failures.oneLine(
                "Read error: ssl=0x7f1: I/O error during system call, Connection reset by peer\nmore"));
    }
}
