package dev.bgfetch.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsServer;
import dev.bgfetch.support.Cli;
import dev.bgfetch.support.SelfSignedTls;
import dev.bgfetch.support.TestProxy;
import dev.bgfetch.support.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --proxy through a real local forwarding proxy (CONNECT for https), its credentials from its URL; no_proxy rules. */
class ProxyTest {
    @TempDir
    Path tmp;
    TestServer server;
    TestProxy proxy;
    Cli cli;
    final byte[] data = TestServer.randomBytes(300_000, 4);

    @BeforeEach
    void setUp() throws Exception {
        server = TestServer.start();
        server.file("/f.bin", data);
        proxy = TestProxy.start();
        cli = new Cli(tmp);
    }

    @AfterEach
    void tearDown() throws Exception {
        cli.close();
        server.close();
        proxy.close();
    }

    @Test
    void anHttpUrlGoesThroughTheProxy() throws Exception {
        Path dl = tmp.resolve("dl");
        Cli.Result r = cli.run("fetch", "p", server.url("/f.bin"), "-d", dl.toString(),
                "--proxy", "127.0.0.1:" + proxy.port(), "-w");
        assertEquals(0, r.code, r + cli.workerLog());
        assertArrayEquals(data, Files.readAllBytes(dl.resolve("f.bin")));
        assertTrue(proxy.requests().contains("GET " + server.url("/f.bin") + " HTTP/1.1"), proxy.requests().toString());
    }

    @Test
    void theProxySettingIsUsedWhenNeitherOptionsNorVariablesNameOne() throws Exception {
        cli.config("proxy", "127.0.0.1:" + proxy.port());
        Path dl = tmp.resolve("dl");
        Cli.Result r = cli.run("fetch", "s", server.url("/f.bin"), "-d", dl.toString(), "-w");
        assertEquals(0, r.code, r + cli.workerLog());
        assertArrayEquals(data, Files.readAllBytes(dl.resolve("f.bin")));
        assertTrue(proxy.requests().contains("GET " + server.url("/f.bin") + " HTTP/1.1"), proxy.requests().toString());
        int before = proxy.requests().size();
        assertEquals(0, cli.run("fetch", "n", server.url("/f.bin"), "-d", tmp.resolve("dl2").toString(), "--no-proxy", "-w").code);
        assertEquals(before, proxy.requests().size(), "--no-proxy wins over the setting");
        cli.config("proxy", "socks5://127.0.0.1:1");
        Cli.Result bad = cli.run("fetch", "b", server.url("/f.bin"), "-d", dl.toString());
        assertEquals(2, bad.code, bad.toString());
        assertTrue(bad.err.contains("the proxy setting"), bad.err);
    }

    @Test
    void anHttpsUrlIsTunnelledWithConnectAndTheProxyGetsItsCredentials() throws Exception {
        SelfSignedTls cert = SelfSignedTls.create(tmp, "ip:127.0.0.1");
        byte[] body = "through the tunnel\n".repeat(1000).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        HttpsServer https = cert.serve(body);
        try {
            proxy.requireBasic("pat", "s:cr@t");
            String url = "https://127.0.0.1:" + https.getAddress().getPort() + "/f.bin";
            Path dl = tmp.resolve("dl");
            Cli.Result r = cli.run("fetch", "t", url, "-d", dl.toString(), "--ca-certificate",
                    cert.pem(tmp.resolve("ca.pem")).toString(),
                    "--proxy", "http://pat:s%3Acr%40t@127.0.0.1:" + proxy.port(), "-w");
            assertEquals(0, r.code, r + cli.workerLog());
            assertArrayEquals(body, Files.readAllBytes(dl.resolve("f.bin")));
            assertTrue(proxy.requests().stream().anyMatch(q -> q.startsWith("CONNECT 127.0.0.1:" + https.getAddress().getPort())),
                    proxy.requests().toString());
        } finally {
            https.stop(0);
        }
    }

    @Test
    void badProxyOptionsAreUsageErrors() throws Exception {
        // a port out of range was taken, then each record failed as "internal error" (a hostile tester's find)
        for (String[] bad : new String[][] {{"--proxy", "socks5://127.0.0.1:1080"}, {"--proxy", "http://"},
                {"--proxy", "127.0.0.1:3128", "--no-proxy"}, {"--proxy", "http://u:pw@127.0.0.1:99999"},
                {"--proxy", "u:pw@127.0.0.1:70000"}, {"--proxy", "http://127.0.0.1:0"}}) {
            String[] args = new String[3 + bad.length];
            args[0] = "fetch";
            args[1] = "x";
            args[2] = server.url("/f.bin");
            System.arraycopy(bad, 0, args, 3, bad.length);
            Cli.Result r = cli.run(args);
            assertEquals(2, r.code, String.join(" ", bad) + ": " + r);
            assertTrue(cli.store().find("x").isEmpty());
            assertTrue(!r.err.contains("pw"), r.err);
        }
    }

    @Test
    void noProxyListsHostsAndTheirSubdomains() {
        Proxies p = Proxies.of("http://proxy:3128", "http://proxy:3128", "localhost, .example.org,10.0.0.1:8080,[::1]");
        assertNull(p.forTarget("http", "localhost"));
        assertNull(p.forTarget("https", "dl.example.org"));
        assertNull(p.forTarget("https", "example.org"));
        assertNull(p.forTarget("http", "10.0.0.1"));
        assertNull(p.forTarget("http", "[::1]"));
        assertEquals("proxy", p.forTarget("http", "notexample.org").getHost());
        assertEquals("proxy", p.forTarget("https", "example.com").getHost());
        assertNull(Proxies.of("http://proxy:3128", null, "*").forTarget("http", "anything"));
        assertNull(Proxies.of("http://proxy:3128", null, null).forTarget("https", "x"), "no https proxy: direct");
        assertFalse(Proxies.of(null, null, null).bypass("x"));
        assertEquals("http://proxy.example:1080", Proxies.check("Proxy.Example"));
        assertEquals("http://u:p%40@proxy:8080", Proxies.check("http://u:p%40@proxy:8080"));
        assertThrows(IllegalArgumentException.class, () -> Proxies.check("https://proxy:443"));
    }
}
