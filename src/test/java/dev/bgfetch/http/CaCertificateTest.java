package dev.bgfetch.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsServer;
import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.Rec;
import dev.bgfetch.support.Cli;
import dev.bgfetch.support.SelfSignedTls;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ca-certificate setting: a server whose certificate a PEM file vouches for is trusted, in
 * addition to the JDK's trust, by the real worker; a bad file says what is wrong. TLS made in the test.
 */
class CaCertificateTest {
    static final Duration T = Duration.ofSeconds(60);
    @TempDir
    Path tmp;
    Cli cli;
    HttpsServer https;
    SelfSignedTls cert;
    byte[] body = "over TLS with our own CA\n".repeat(2000).getBytes(StandardCharsets.UTF_8);

    @BeforeEach
    void setUp() throws Exception {
        cli = new Cli(tmp);
        cert = SelfSignedTls.create(tmp, "ip:127.0.0.1");
        https = cert.serve(body);
    }

    @AfterEach
    void tearDown() throws Exception {
        cli.run("worker", "--stop", "-q");
        https.stop(0);
    }

    String url() {
        return "https://127.0.0.1:" + https.getAddress().getPort() + "/f.bin";
    }

    @Test
    void aPemBundleIsTrustedOnTopOfTheDefaults() throws Exception {
        Path pem = cert.pem(tmp.resolve("ca.pem"));
        assertTrue(Files.readString(pem).contains("-----BEGIN CERTIFICATE-----"));
        cli.config("ca-certificate", pem.toString());
        Path dl = tmp.resolve("dl");
        Cli.Result r = cli.run("fetch", "tls", url(), "-d", dl.toString(), "-w");
        assertEquals(0, r.code, r.toString());
        assertArrayEquals(body, Files.readAllBytes(dl.resolve("f.bin")));
    }

    @Test
    void aTlsBodyReachesTheDiskInChunksOfMoreThanOneRecord() throws Exception {
        byte[] big = dev.bgfetch.support.TestServer.randomBytes(3_000_000, 5);
        https.stop(0);
        https = cert.serve(big);
        Path pem = cert.pem(tmp.resolve("ca.pem"));
        try (HttpEngine engine = HttpEngine.create(2, 2, Duration.ofSeconds(5), Duration.ofSeconds(5), "bgfetch-test",
                pem)) {
            TransferTest.Listener l = new TransferTest.Listener() {
                long largest;

                @Override
                public boolean reserve(long n) {
                    largest = Math.max(largest, n);
                    return super.reserve(n);
                }

                @Override
                public void connectionFree() {
                    super.connectionFree();
                    assertTrue(largest > 16 * 1024, "a write gathers several TLS records (16 KiB each at most): " + largest);
                }
            };
            Transfer.Spec j = new Transfer.Spec();
            j.url = java.net.URI.create(url());
            j.part = tmp.resolve("big.part");
            Outcome o = new Transfer(engine, j, l).run();
            assertEquals(Outcome.Kind.COMPLETE, o.kind, o.toString());
            assertEquals(1, l.freed);
            assertArrayEquals(big, Files.readAllBytes(j.part));
        }
    }

    @Test
    void theJdkTrustIsMadeAtTheFirstTlsConnectionNotBefore() throws Exception {
        HttpEngine.TrustOnFirstUse trust = HttpEngine.TrustOnFirstUse.jdk();
        assertFalse(trust.made(), "an engine for http:// URLs never parses the JDK's cacerts");
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", https.getAddress().getPort())) {
            s.setSoTimeout(10_000);
            javax.net.ssl.SSLException e = assertThrows(javax.net.ssl.SSLException.class,
                    () -> trust.upgrade(s, "127.0.0.1", https.getAddress().getPort(), null, null));
            assertTrue(String.valueOf(e.getMessage()).contains("PKIX"), "the JDK's trust refuses a self-signed server: " + e);
        }
        assertTrue(trust.made());
    }

    @Test
    void aCaFileIsReadAtOnceAndItsTrustMadeAtTheFirstTlsConnection() throws Exception {
        assertThrows(Trust.BadCaFile.class, () -> HttpEngine.TrustOnFirstUse.withExtraCa(tmp.resolve("missing.pem")),
                "a missing file is reported when the engine is made");
        HttpEngine.TrustOnFirstUse trust = HttpEngine.TrustOnFirstUse.withExtraCa(cert.pem(tmp.resolve("ca.pem")));
        assertFalse(trust.made(), "a worker downloading http:// URLs never builds the JDK's trust");
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", https.getAddress().getPort())) {
            s.setSoTimeout(10_000);
            javax.net.ssl.SSLSocket tls = trust.upgrade(s, "127.0.0.1", https.getAddress().getPort(), null, null);
            tls.startHandshake();
            assertTrue(tls.getSession().getPeerCertificates().length > 0, "the handshake trusted the file's CA");
        }
        assertTrue(trust.made());
    }

    @Test
    void theJdkTrustIsBuiltOnlyForAServerTheCaFileDoesNotVouchFor() throws Exception {
        HttpEngine.TrustOnFirstUse trust = HttpEngine.TrustOnFirstUse.withExtraCa(cert.pem(tmp.resolve("ca.pem")));
        int before = Trust.DEFAULTS_MADE.get();
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", https.getAddress().getPort())) {
            s.setSoTimeout(10_000);
            javax.net.ssl.SSLSocket tls = trust.upgrade(s, "127.0.0.1", https.getAddress().getPort(), null, null);
            tls.startHandshake();
        }
        // the JDK's cacerts were parsed for every such context, 80-100 ms before the first byte
        assertEquals(before, Trust.DEFAULTS_MADE.get(), "the file's CA vouched for the server");
        // a server the file does not vouch for: the JDK's trust is asked, and refuses it as before
        SelfSignedTls other = SelfSignedTls.create(Files.createDirectories(tmp.resolve("other")), "ip:127.0.0.1");
        HttpsServer elsewhere = other.serve(body);
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", elsewhere.getAddress().getPort())) {
            s.setSoTimeout(10_000);
            javax.net.ssl.SSLException e = assertThrows(javax.net.ssl.SSLException.class, () -> trust.upgrade(s,
                    "127.0.0.1", elsewhere.getAddress().getPort(), null, null).startHandshake());
            assertTrue(String.valueOf(e.getMessage()).contains("PKIX") || String.valueOf(e.getCause()).contains("PKIX"),
                    "the default's refusal is the one reported: " + e);
        } finally {
            elsewhere.stop(0);
        }
        assertEquals(before + 1, Trust.DEFAULTS_MADE.get());
    }

    @Test
    void withoutItTheServerIsNotTrusted() throws Exception {
        Cli.Result r = cli.run("fetch", "tls", url(), "-d", tmp.resolve("dl").toString(), "-w");
        assertEquals(22, r.code, r.toString());
        Rec rec = cli.store().find("tls").orElseThrow().records.get(0);
        assertEquals("certificate not trusted for 127.0.0.1 (trust its CA with --ca-certificate FILE)", rec.error);
    }

    @Test
    void aFileWithoutCertificatesIsAFetchErrorThatSaysSo() throws Exception {
        Path junk = Files.writeString(tmp.resolve("junk.pem"), "not a certificate\n");
        cli.config("ca-certificate", junk.toString());
        Cli.Result r = cli.run("fetch", "tls", url(), "-d", tmp.resolve("dl").toString(), "-w");
        assertEquals(22, r.code, r.toString());
        Fetch f = cli.store().find("tls").orElseThrow();
        assertTrue(f.records.get(0).error.contains("no certificate in " + junk), f.records.get(0).error);

        cli.run("worker", "--stop", "-q");
        cli.config("ca-certificate", tmp.resolve("missing.pem").toString());
        cli.run("fetch", "tls2", url(), "-d", tmp.resolve("dl").toString(), "-w");
        String error = cli.store().find("tls2").orElseThrow().records.get(0).error;
        assertTrue(error.contains("missing.pem: no such file or directory"), error);
    }

    @Test
    void perFetchCaCertificateIsKeptWithTheFetch() throws Exception {
        Path pem = cert.pem(tmp.resolve("mine.pem"));
        Path dl = tmp.resolve("dl");
        Cli.Result r = cli.run("fetch", "tls", url(), "-d", dl.toString(), "--ca-certificate", pem.toString());
        assertEquals(0, r.code, r.toString());
        // The text was taken at registration: the file may go away before the worker connects.
        Files.delete(pem);
        assertEquals(0, cli.run("wait", "tls", "--timeout", "30s").code, cli.workerLog());
        assertArrayEquals(body, Files.readAllBytes(dl.resolve("f.bin")));
        if (CryptoLibraryTest.linuxX64()) {
            assertTrue(cli.workerLog().matches("(?s).* TLS through BoringSSL \\(Conscrypt \\d+\\.\\d+\\.\\d+\\)\n.*"),
                    "the worker says which TLS library it uses: " + cli.workerLog());
        }
        assertTrue(cli.store().find("tls").orElseThrow().options.caCertificate.contains("BEGIN CERTIFICATE"));

        Cli.Result other = cli.run("fetch", "plain", url(), "-d", tmp.resolve("dl2").toString(), "-w");
        assertEquals(22, other.code, "another fetch does not trust it: " + other);
    }

    @Test
    void aBadPerFetchCaFileIsAUsageErrorAndNothingIsStored() throws Exception {
        Path junk = Files.writeString(tmp.resolve("junk.pem"), "not a certificate\n");
        Path der = tmp.resolve("broken.pem");
        Files.writeString(der, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        for (Path bad : new Path[] {tmp.resolve("missing.pem"), junk, der, tmp}) {
            Cli.Result r = cli.run("fetch", "tls", url(), "-d", tmp.resolve("dl").toString(), "--ca-certificate", bad.toString());
            assertEquals(2, r.code, r.toString());
            assertEquals(1, r.err.strip().lines().count(), r.err);
            assertTrue(r.err.contains("--ca-certificate"), r.err);
            assertTrue(cli.store().find("tls").isEmpty(), "nothing stored for " + bad);
        }
    }
}
