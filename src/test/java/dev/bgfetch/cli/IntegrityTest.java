package dev.bgfetch.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bgfetch.support.Cli;
import dev.bgfetch.support.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --checksum algorithms and the server's RFC 9530 digests, end to end with the real worker and server. */
class IntegrityTest {
    @TempDir
    Path tmp;
    TestServer server;
    Cli cli;
    Path dl;
    final byte[] data = TestServer.randomBytes(3_000_000, 9);

    @BeforeEach
    void setUp() throws Exception {
        server = TestServer.start();
        server.file("/f.bin", data);
        cli = new Cli(tmp).config("retry-max-delay", "1s");
        dl = tmp.resolve("dl");
    }

    @AfterEach
    void tearDown() {
        cli.close();
        server.close();
    }

    static byte[] digest(String algo, byte[] data) throws Exception {
        return MessageDigest.getInstance(algo).digest(data);
    }

    static String hex(String algo, byte[] data) throws Exception {
        return HexFormat.of().formatHex(digest(algo, data));
    }

    static String b64(String algo, byte[] data) throws Exception {
        return ":" + Base64.getEncoder().encodeToString(digest(algo, data)) + ":";
    }

    int fetch(String id, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("fetch", id, server.url("/f.bin"), "-d",
                dl.resolve(id).toString(), "--wait"));
        args.addAll(List.of(more));
        if (!args.contains("--split")) {
            args.addAll(List.of("--split", "1"));
        }
        return cli.run(args.toArray(new String[0])).code;
    }

    boolean delivered(String id) throws Exception {
        Path f = dl.resolve(id).resolve("f.bin");
        if (Files.exists(f)) {
            assertArrayEquals(data, Files.readAllBytes(f));
        }
        try (var s = Files.list(dl.resolve(id))) {
            assertTrue(s.allMatch(p -> p.getFileName().toString().equals("f.bin")), "no .part left behind");
        }
        return Files.exists(f);
    }

    /** The environment of the worker the last command started, read while it runs. */
    static String workerEnvironment(Cli c) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            java.util.Optional<Long> pid = dev.bgfetch.worker.WorkerLauncher.pid(c.store());
            if (pid.isPresent()) {
                return Files.readString(Path.of("/proc/" + pid.get() + "/environ")).replace('\0', '\n');
            }
            Thread.sleep(5);
        }
        throw new AssertionError("no worker started: " + c.workerLog());
    }

    @Test
    void aFetchWithAChecksumStartsAWorkerThatKeepsC2ForSha256() throws Exception {
        // bin/bgfetch keeps C2 (the JDK's SHA-256 intrinsic) for a worker started so; LauncherIT holds it to that
        Cli other = new Cli(tmp.resolve("other"));
        try {
            assertEquals(0, cli.run("fetch", "c", server.url("/f.bin"), "-d", dl.resolve("c").toString(),
                    "--checksum", "sha-256=" + hex("SHA-256", data)).code);
            assertTrue(workerEnvironment(cli).lines().anyMatch("BGFETCH_WORKER_JIT=tiers"::equals), cli.workerLog());
            assertEquals(0, other.run("fetch", "n", server.url("/f.bin"), "-d", dl.resolve("n").toString()).code);
            assertTrue(workerEnvironment(other).lines().noneMatch(l -> l.startsWith("BGFETCH_WORKER_JIT=")),
                    "without checksums the launcher chooses");
            assertEquals(0, cli.run("wait", "c", "--timeout", "30s").code, cli.workerLog());
            assertTrue(delivered("c"));
            assertEquals(0, other.run("wait", "n", "--timeout", "30s").code, other.workerLog());
        } finally {
            other.close();
        }
    }

    @Test
    void checksumTakesSha512AndTheWeakOnes() throws Exception {
        assertEquals(0, fetch("a", "--checksum", "sha-512=" + hex("SHA-512", data)), cli.workerLog());
        assertTrue(delivered("a"));
        assertEquals(0, fetch("b", "--checksum", "SHA1=" + hex("SHA-1", data).toUpperCase()), cli.workerLog());
        assertTrue(delivered("b"));
        assertEquals(0, fetch("c", "--checksum", "md5=" + hex("MD5", data)), cli.workerLog());
        assertTrue(delivered("c"));
        assertEquals(ExitCodes.FETCH_ERROR, fetch("d", "--checksum", "sha-512=" + "0".repeat(128)));
        assertTrue(!delivered("d"));
        assertTrue(cli.run("get", "d").out.contains("sha-512 mismatch"), cli.run("get", "d").out);
    }

    @Test
    void aRightContentDigestDeliversAndUnknownAlgorithmsAreIgnored() throws Exception {
        server.responseHeader("/f.bin", 200, "content-digest",
                "md5=:AAAAAAAAAAAAAAAAAAAAAA==:, sha-256=" + b64("SHA-256", data) + ", crc32c=:AAAAAA==:");
        server.responseHeader("/f.bin", 200, "Repr-Digest", "sha-512=" + b64("SHA-512", data));
        assertEquals(0, fetch("ok"), cli.workerLog());
        assertTrue(delivered("ok"));
    }

    @Test
    void aWrongContentDigestIsAFetchErrorAndNoFile() throws Exception {
        server.responseHeader("/f.bin", 200, "Content-Digest", "sha-256=" + b64("SHA-256", new byte[] {1}));
        assertEquals(ExitCodes.FETCH_ERROR, fetch("bad"), cli.workerLog());
        assertTrue(!delivered("bad"));
        String shown = cli.run("get", "bad").out;
        assertTrue(shown.contains("Content-Digest sha-256 mismatch"), shown);
    }

    @Test
    void segmentsAreCheckedAgainstReprDigestOverTheWholeFile() throws Exception {
        server.throttle("/f.bin", 2_000_000);
        // A 206's Content-Digest covers only its range: ignored, or every segmented fetch would fail.
        server.responseHeader("/f.bin", 206, "Content-Digest", "sha-256=" + b64("SHA-256", new byte[] {1}));
        server.responseHeader("/f.bin", 0, "Repr-Digest", "sha-256=" + b64("SHA-256", data));
        String[] split = {"--split", "4", "--min-split-size", "256Ki"};
        assertEquals(0, fetch("seg", split), cli.workerLog());
        assertTrue(delivered("seg"));
        assertTrue(server.requests("/f.bin").stream().anyMatch(r -> r.header("Range") != null), "it was split");

        server.responseHeader("/f.bin", 0, "Repr-Digest", "sha-512=" + b64("SHA-512", new byte[] {2}));
        assertEquals(ExitCodes.FETCH_ERROR, fetch("segbad", split), cli.workerLog());
        assertTrue(!delivered("segbad"));
        String shown = cli.run("get", "segbad").out;
        assertTrue(shown.contains("Repr-Digest sha-512 mismatch"), shown);
    }
}
