package dev.bgfetch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bgfetch.support.Cli;
import dev.bgfetch.support.TestServer;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.TypeConversionException;

/** Path options and input files: ~ expanded, empty refused, a BOM skipped, errors that say why. */
class PathsAndInputTest {
    static final String BOM = "\uFEFF";

    @TempDir
    Path tmp;
    TestServer server;
    Cli cli;

    @BeforeEach
    void setUp() throws Exception {
        server = TestServer.start();
        server.file("/a.bin", TestServer.randomBytes(5000, 7));
        cli = new Cli(tmp);
    }

    @AfterEach
    void tearDown() {
        cli.close();
        server.close();
    }

    @Test
    void aLeadingTildeIsTheHomeDirectory() {
        String home = System.getenv("HOME");
        PathOption.ToPath p = new PathOption.ToPath();
        assertEquals(Path.of(home, "x"), p.convert("~/x"));
        assertEquals(Path.of(home), p.convert("~"));
        assertEquals(Path.of("~x"), p.convert("~x"), "~user is not expanded");
        assertEquals(Path.of("a/~"), p.convert("a/~"));
        assertEquals("-", new PathOption.ToFileOrDash().convert("-"));
        assertEquals(home + "/urls.txt", new PathOption.ToFileOrDash().convert("~/urls.txt"));
    }

    @Test
    void emptyPathOptionsAreRefusedWithExit2() throws Exception {
        for (String[] args : new String[][] {{"fetch", "e", server.url("/a.bin"), "-d", ""},
                {"fetch", "e", "-i", ""}, {"--home=", "list"}}) {
            Cli.Result r = cli.run(args);
            assertEquals(ExitCodes.USAGE, r.code, r.toString());
            assertTrue(r.err.contains("empty path"), r.err);
        }
        assertTrue(cli.store().active().isEmpty());
        try {
            new PathOption.ToPath().convert("");
            throw new AssertionError("empty accepted");
        } catch (TypeConversionException expected) {
            assertTrue(expected.getMessage().contains("empty"));
        }
    }

    @Test
    void anInputFileWithAByteOrderMarkIsRead() throws Exception {
        Path urls = tmp.resolve("urls.txt");
        Files.writeString(urls, BOM + server.url("/a.bin") + "\n  out=named.bin\n");
        Cli.Result r = cli.run("fetch", "bom", "-i", urls.toString(), "-d", tmp.resolve("dl").toString(), "-w");
        assertEquals(0, r.code, r.toString());
        assertTrue(Files.exists(tmp.resolve("dl/named.bin")));
    }

    @Test
    void standardInputWithAByteOrderMarkIsRead() throws Exception {
        InputStream saved = System.in;
        System.setIn(new ByteArrayInputStream((BOM + server.url("/a.bin") + "\n").getBytes(StandardCharsets.UTF_8)));
        Cli.Result r;
        try {
            r = cli.run("fetch", "bom", "-i", "-", "-d", tmp.resolve("dl").toString());
        } finally {
            System.setIn(saved);
        }
        assertEquals(0, r.code, r.toString());
        assertEquals(server.url("/a.bin"), cli.store().find("bom").orElseThrow().records.get(0).request.url);
    }

    @Test
    void fileErrorsSayWhyNotJustThePath() throws Exception {
        Path file = Files.writeString(tmp.resolve("plain"), "x");
        assertError("no such file or directory", "fetch", "x", "-i", tmp.resolve("missing.txt").toString());
        assertError("is a directory", "fetch", "x", "-i", tmp.toString());
        assertError(file + " is not a directory", "fetch", "x", server.url("/a.bin"), "-d", file.resolve("sub").toString());
        assertError("is not a directory", "fetch", "x", server.url("/a.bin"), "-d", file.toString());
        Path locked = Files.createDirectory(tmp.resolve("locked"));
        locked.toFile().setWritable(false);
        try {
            if (!Files.isWritable(locked)) { // root ignores permissions
                assertError("permission denied", "fetch", "x", server.url("/a.bin"), "-d", locked.resolve("sub").toString());
            }
        } finally {
            locked.toFile().setWritable(true);
        }
        assertTrue(cli.store().active().isEmpty());
    }

    private void assertError(String reason, String... args) {
        Cli.Result r = cli.run(args);
        assertEquals(ExitCodes.USAGE, r.code, r.toString());
        assertTrue(r.err.contains(reason), r.err);
        assertEquals(1, r.err.strip().lines().count(), r.err);
    }

    @Test
    void theQuotaMessageShowsHumanSizes() {
        Cli.Result r = cli.run("fetch", "q", server.url("/a.bin"), "-d", tmp.resolve("dl").toString(),
                "--download-total", "1000000Gi");
        assertEquals(ExitCodes.QUOTA, r.code, r.toString());
        assertTrue(r.err.matches("(?s)bgfetch: --download-total 977 TiB is more than the [0-9.]+ [KMGT]?i?B free in .*"), r.err);
    }
}
