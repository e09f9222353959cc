package dev.bgfetch.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bgfetch.http.RateLimit;
import dev.bgfetch.support.Cli;
import dev.bgfetch.support.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --limit-rate: one bucket over all connections of a fetch, with the real worker and server. */
class RateLimitTest {
    @TempDir
    Path tmp;
    TestServer server;
    Cli cli;
    final byte[] data = TestServer.randomBytes(2 * 1024 * 1024, 3);

    @BeforeEach
    void setUp() throws Exception {
        server = TestServer.start();
        server.file("/two.bin", data);
        server.file("/tiny.bin", new byte[10]);
        // The worker stays up, so the timings below are of the transfer, not of a JVM starting.
        cli = new Cli(tmp).config("worker.idle", "60s");
    }

    /** Starts the worker with a tiny fetch, so what is timed next is the transfer alone. */
    void warmUp() {
        assertEquals(0, cli.run("fetch", "warm", server.url("/tiny.bin"), "-d", tmp.resolve("warm").toString(), "-w").code);
    }

    @AfterEach
    void tearDown() {
        cli.run("worker", "--stop", "-q");
        cli.close();
        server.close();
    }

    @Test
    void twoMebibytesAtOneMebibytePerSecondOverFourSegmentsTakeAtLeastOneAndAHalfSeconds() throws Exception {
        Path dl = tmp.resolve("dl");
        warmUp();
        long t0 = System.nanoTime();
        Cli.Result r = cli.run("fetch", "slow", server.url("/two.bin"), "-d", dl.toString(), "--limit-rate", "1M",
                "--split", "4", "--min-split-size", "256Ki", "-w");
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(0, r.code, r + cli.workerLog());
        assertArrayEquals(data, Files.readAllBytes(dl.resolve("two.bin")));
        assertTrue(server.requests("/two.bin").stream().anyMatch(q -> q.header("Range") != null),
                "the limit holds across segments, so the test must split");
        assertTrue(seconds >= 1.5, "took " + seconds + " s");
    }

    @Test
    void theLimitRateSettingCapsTheWholeWorker() throws Exception {
        cli.config("limit-rate", "1Mi");
        Path dl = tmp.resolve("dl");
        warmUp();
        long t0 = System.nanoTime();
        Cli.Result r = cli.run("fetch", "w", server.url("/two.bin"), "-d", dl.toString(), "--split", "4",
                "--min-split-size", "256Ki", "-w");
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(0, r.code, r + cli.workerLog());
        assertArrayEquals(data, Files.readAllBytes(dl.resolve("two.bin")));
        assertTrue(seconds >= 1.5, "took " + seconds + " s");
    }

    @Test
    void badRatesAreUsageErrors() throws Exception {
        for (String bad : new String[] {"0", "fast", "-5K", "10X", "i"}) {
            Cli.Result r = cli.run("fetch", "x", server.url("/two.bin"), "--limit-rate", bad);
            assertEquals(2, r.code, bad + ": " + r);
            assertTrue(r.err.contains("--limit-rate"), r.err);
            assertTrue(cli.store().find("x").isEmpty());
        }
    }

    @Test
    void curlSyntax() {
        assertEquals(500 * 1024, RateLimit.parse("500K"));
        assertEquals(500 * 1024, RateLimit.parse("500k"));
        assertEquals(10L * 1024 * 1024, RateLimit.parse("10M"));
        assertEquals(10L * 1024 * 1024, RateLimit.parse("10Mi"));
        assertEquals(1536L * 1024, RateLimit.parse("1.5M"));
        assertEquals(2L << 30, RateLimit.parse("2G"));
        assertEquals(1000, RateLimit.parse("1000"));
        assertThrows(IllegalArgumentException.class, () -> RateLimit.parse("0.5"));
        // it said "must be at least 1 byte per second"
        String huge = assertThrows(IllegalArgumentException.class, () -> RateLimit.parse("99999999999G")).getMessage();
        org.junit.jupiter.api.Assertions.assertTrue(huge.contains("too large"), huge);
    }
}
