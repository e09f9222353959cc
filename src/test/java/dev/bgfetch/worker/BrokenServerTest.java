package dev.bgfetch.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsServer;
import dev.bgfetch.cli.ExitCodes;
import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.Rec;
import dev.bgfetch.state.RecordResult;
import dev.bgfetch.support.Cli;
import dev.bgfetch.support.RawServer;
import dev.bgfetch.support.SelfSignedTls;
import dev.bgfetch.support.TestServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * SPEC §4.9 through the real worker: a server that answers, but wrongly (broken HTTP, no HTTP, a
 * TLS port asked with http, a plain port asked with https, an untrusted certificate), settles as
 * fetch-error within a bounded time instead of waiting for the network forever.
 */
class BrokenServerTest {
    static final Duration T = Duration.ofSeconds(40);

    @TempDir
    Path tmp;
    Cli cli;
    Path dl;

    @BeforeEach
    void setUp() throws Exception {
        cli = new Cli(tmp).config("retry-max-delay", "1s").config("stall-timeout", "1s");
        dl = tmp.resolve("dl");
    }

    @AfterEach
    void tearDown() {
        cli.close();
    }

    private Rec fetchFails(String url, String reason) throws Exception {
        assertEquals(0, cli.run("fetch", "b", url, "-d", dl.toString()).code);
        Fetch f;
        try {
            f = cli.await("b", Fetch::hasSettled, T);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + cli.workerLog(), e);
        }
        assertEquals("fetch-error", f.failureReason.wire(), cli.workerLog());
        Rec r = f.records.get(0);
        assertEquals(RecordResult.FETCH_ERROR, r.result);
        assertTrue(r.error != null && r.error.contains(reason), r.error);
        assertFalse(Files.exists(dl.resolve("x")), "nothing delivered");
        Cli.Result get = cli.run("get", "b");
        assertTrue(get.out.contains(reason), "the user sees the reason: " + get.out);
        return r;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "negative Content-Length | HTTP/1.1 200 OK\\r\\nContent-Length: -5\\r\\n\\r\\nhello             | Negative content length: -5",
            "two Content-Lengths     | HTTP/1.1 200 OK\\r\\nContent-Length: 5\\r\\nContent-Length: 7\\r\\n\\r\\nhello | Multiple Content-Length headers",
            "not HTTP at all         | hello\\r\\n                                                       | broken HTTP answer",
    })
    void aServerThatAnswersWronglyIsAFetchError(String name, String script, String reason) throws Exception {
        try (RawServer raw = RawServer.start(line -> RawServer.bytes(script.replace("\\r", "\r").replace("\\n", "\n")))) {
            fetchFails(raw.url("/x"), reason);
            assertEquals(1, raw.connections(), "no retry: the same question gets the same broken answer");
        }
    }

    @Test
    void anSshBannerIsAFetchError() throws Exception {
        try (RawServer ssh = RawServer.banner(RawServer.bytes("SSH-2.0-OpenSSH_9.6\r\n"))) {
            fetchFails(ssh.url("/x"), "SSH-2.0-OpenSSH_9.6");
        }
    }

    @Test
    void plainHttpToATlsPortIsAFetchErrorAfterThreeSilentAnswers() throws Exception {
        HttpsServer https = SelfSignedTls.create(tmp, "ip:127.0.0.1").serve(new byte[3]);
        try {
            fetchFails("http://127.0.0.1:" + https.getAddress().getPort() + "/x",
                    "closed the connection without answering, 3 times in a row (is it an https port?)");
        } finally {
            https.stop(0);
        }
    }

    @Test
    void httpsToAPlainHttpPortIsAFetchError() throws Exception {
        cli.config("connect-timeout", "1s"); // the TLS handshake is part of connecting
        try (TestServer plain = TestServer.start()) {
            plain.file("/x", new byte[3]);
            fetchFails("https://127.0.0.1:" + plain.port() + "/x", "TLS handshake with 127.0.0.1 timed out, 3 times");
        }
    }

    @Test
    void anUntrustedCertificateIsSaidInWords() throws Exception {
        HttpsServer https = SelfSignedTls.create(tmp, "ip:127.0.0.1").serve("secret".getBytes(StandardCharsets.UTF_8));
        try {
            Rec r = fetchFails("https://127.0.0.1:" + https.getAddress().getPort() + "/x",
                    "certificate not trusted for 127.0.0.1 (trust its CA with --ca-certificate FILE)");
            assertEquals("certificate not trusted for 127.0.0.1 (trust its CA with --ca-certificate FILE)", r.error);
            assertEquals(ExitCodes.FETCH_ERROR, cli.run("wait", "b").code);
        } finally {
            https.stop(0);
        }
    }
}
