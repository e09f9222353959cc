package dev.bgfetch.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bgfetch.support.Cli;
import dev.bgfetch.support.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** -u/--user and netrc logins against a real server that wants Basic auth; never to another origin; masked. */
class CredentialsTest {
    @TempDir
    Path tmp;
    TestServer server;
    TestServer other;
    Cli cli;
    Path dl;
    final byte[] data = TestServer.randomBytes(50_000, 5);

    @BeforeEach
    void setUp() throws Exception {
        server = TestServer.start();
        other = TestServer.start();
        server.file("/secret.bin", data);
        server.requireBasic("/secret.bin", "ann", "p:w@d");
        other.file("/elsewhere.bin", data);
        cli = new Cli(tmp);
        dl = tmp.resolve("dl");
    }

    @AfterEach
    void tearDown() {
        cli.close();
        server.close();
        other.close();
    }

    @Test
    void userWithColonAndAtInThePasswordIsSentAndShownMasked() throws Exception {
        Cli.Result r = cli.run("fetch", "s", server.url("/secret.bin"), "-d", dl.toString(), "-u", "ann:p:w@d", "--json");
        assertEquals(0, r.code, r.toString());
        assertFalse(r.out.contains("YW5u"), "no credential in the output: " + r.out);
        assertEquals(0, cli.run("wait", "s", "--timeout", "30s").code, cli.workerLog());
        assertArrayEquals(data, Files.readAllBytes(dl.resolve("secret.bin")));
        for (String[] cmd : new String[][] {{"get", "s", "--json"}, {"match", "s", "--json"}}) {
            Cli.Result shown = cli.run(cmd);
            assertEquals(0, shown.code, shown.toString());
            assertTrue(shown.out.contains("\"Authorization\" : \"Basic ***\"") || shown.out.contains("\"Authorization\":\"Basic ***\""),
                    shown.out);
            assertFalse(shown.out.contains("YW5u"), shown.out);
        }
        Path fetchFile;
        try (var files = Files.walk(cli.home())) {
            fetchFile = files.filter(p -> p.toString().endsWith(".json") || p.toString().endsWith(".jsonl"))
                    .filter(p -> {
                        try {
                            return Files.readString(p).contains("Basic YW5u");
                        } catch (java.io.IOException e) {
                            return false;
                        }
                    }).findFirst().orElseThrow();
        }
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(fetchFile)),
                "the credential is kept in a private file: " + fetchFile);
    }

    @Test
    void withoutCredentialsTheServerSays401() throws Exception {
        assertEquals(ExitCodes.BAD_STATUS, cli.run("fetch", "s", server.url("/secret.bin"), "-d", dl.toString(),
                "--netrc-file", netrc("machine nowhere.example login x password y\n", "rw-------").toString(), "-w").code);
    }

    @Test
    void aRedirectToAnotherPortDoesNotGetTheCredentials() throws Exception {
        server.redirect("/go", other.url("/elsewhere.bin"), 302);
        assertEquals(0, cli.run("fetch", "r", server.url("/go"), "-d", dl.toString(), "-u", "ann:p:w@d", "-w").code,
                cli.workerLog());
        assertEquals(Registration.basic("ann", "p:w@d"), server.requests("/go").get(0).header("Authorization"));
        assertNull(other.requests("/elsewhere.bin").get(0).header("Authorization"), "127.0.0.1 on another port is another origin");
    }

    Path netrc(String text, String mode) throws Exception {
        Path f = tmp.resolve("netrc-" + mode);
        Files.writeString(f, text);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
        return f;
    }

    @Test
    void aPrivateNetrcWithCommentsGivesTheLogin() throws Exception {
        Path f = netrc("# my logins\nmachine example.org login bob password nope\n\n"
                + "machine 127.0.0.1 # the test server\n  login ann\n  password \"p:w@d\"\n"
                + "macdef init\n  cd /pub\n\ndefault login anonymous password me@\n", "rw-------");
        Cli.Result r = cli.run("fetch", "n", server.url("/secret.bin"), "-d", dl.toString(), "--netrc-file", f.toString(), "-w");
        assertEquals(0, r.code, r + cli.workerLog());
        assertTrue(r.err.isEmpty() || !r.err.contains("warning"), r.err);
    }

    @Test
    void aNetrcOthersMayReadIsIgnoredWithAWarning() throws Exception {
        Path f = netrc("machine 127.0.0.1 login ann password p:w@d\n", "rw-r--r--");
        Cli.Result r = cli.run("fetch", "n", server.url("/secret.bin"), "-d", dl.toString(), "--netrc-file", f.toString());
        assertEquals(0, r.code, r.toString());
        assertTrue(r.err.contains("warning: ignoring " + f + ": others may read it (mode 0644)"), r.err);
        assertEquals(ExitCodes.BAD_STATUS, cli.run("wait", "n", "--timeout", "30s").code);
        assertNull(server.requests("/secret.bin").get(0).header("Authorization"));
    }

    @Test
    void badUserInputIsAUsageErrorAndNothingIsStored() throws Exception {
        for (String bad : new String[] {":pw", "ann"}) {
            Cli.Result r = cli.run("fetch", "u", server.url("/secret.bin"), "-u", bad);
            assertEquals(2, r.code, r.toString());
            assertEquals(1, r.err.strip().lines().count(), r.err);
            assertTrue(cli.store().find("u").isEmpty());
        }
    }

    @Test
    void anExplicitAuthorizationHeaderWins() throws Exception {
        assertEquals(0, cli.run("fetch", "h", server.url("/secret.bin"), "-d", dl.toString(), "-u", "x:y",
                "-H", "Authorization: " + Registration.basic("ann", "p:w@d"), "-w").code, cli.workerLog());
    }
}
