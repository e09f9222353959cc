package dev.bgfetch.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.FetchState;
import dev.bgfetch.state.SegmentMap;
import dev.bgfetch.support.Cli;
import dev.bgfetch.support.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Segmented downloads through the real worker: one large file over several connections, each
 * segment resumed with Range and If-Range, never spliced across a changed resource.
 */
class SegmentTest {
    static final Duration T = Duration.ofSeconds(60);

    @TempDir
    Path tmp;
    TestServer server;
    Cli cli;
    Path dl;
    final byte[] data = TestServer.randomBytes(3_000_000, 77);

    @BeforeEach
    void setUp() throws Exception {
        server = TestServer.start();
        server.file("/big.bin", data);
        cli = new Cli(tmp).config("retry-max-delay", "1s").config("stall-timeout", "2s");
        dl = tmp.resolve("dl");
    }

    @AfterEach
    void tearDown() {
        cli.close();
        server.close();
    }

    List<TestServer.Req> ranged() {
        return server.requests("/big.bin").stream().filter(r -> r.header("Range") != null).collect(Collectors.toList());
    }

    String[] fetch(String id, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("fetch", id, server.url("/big.bin"), "-d", dl.toString(),
                "--split", "4", "--min-split-size", "256Ki"));
        args.addAll(List.of(more));
        return args.toArray(new String[0]);
    }

    @Test
    void aLargeFileIsFetchedOverSeveralConcurrentRangeRequests() throws Exception {
        server.throttle("/big.bin", 1_000_000);
        assertEquals(0, cli.run(fetch("s", "--wait")).code, cli.workerLog());
        assertArrayEquals(data, Files.readAllBytes(dl.resolve("big.bin")));
        List<TestServer.Req> ranged = ranged();
        assertTrue(ranged.size() >= 3, "segments requested with Range: " + ranged.size());
        for (TestServer.Req r : ranged) {
            assertTrue(r.header("Range").matches("bytes=\\d+-\\d+"), "a bounded range: " + r.header("Range"));
            assertEquals(server.etag("/big.bin"), r.header("If-Range"));
        }
        assertTrue(server.maxInFlight() >= 3, "concurrent requests: " + server.maxInFlight());
        assertEquals(List.of("big.bin"), ResilienceTest.names(dl));
        assertFalse(Files.exists(cli.home().resolve("segments").resolve(
                cli.store().find("s").orElseThrow().key + "-0.json")), "the map goes with the delivered record");
    }

    @Test
    void manySegmentsOpenTheGrowingPartWhileOthersWrite() throws Exception {
        byte[] big = TestServer.randomBytes(24_000_000, 79);
        server.file("/big.bin", big);
        server.throttle("/big.bin", 12_000_000);
        cli.config("max-per-host", "12");
        assertEquals(0, cli.run("fetch", "many", server.url("/big.bin"), "-d", dl.toString(), "--split", "12",
                "--min-split-size", "64Ki", "--max-per-host", "12", "--wait").code, cli.workerLog());
        assertArrayEquals(big, Files.readAllBytes(dl.resolve("big.bin")));
        assertTrue(ranged().size() >= 6, "segments: " + ranged().size());
        // 12 MB/s a connection is slow: the record is widened beyond one connection per core
        int narrow = Math.max(2, Runtime.getRuntime().availableProcessors());
        if (narrow < 11) {
            assertTrue(server.maxInFlight() > narrow, "connections at once: " + server.maxInFlight());
            assertTrue(cli.workerLog().contains("may use 12 connections:"), cli.workerLog());
        }
    }

    @Test
    void aServerWithoutRangesGetsOneConnection() throws Exception {
        server.ignoreRange("/big.bin", true);
        server.throttle("/big.bin", 3_000_000);
        assertEquals(0, cli.run(fetch("one", "--wait")).code, cli.workerLog());
        assertArrayEquals(data, Files.readAllBytes(dl.resolve("big.bin")));
        assertEquals(1, server.requests("/big.bin").size());
    }

    @Test
    void aSmallFileIsNotSplit() throws Exception {
        server.throttle("/big.bin", 3_000_000);
        assertEquals(0, cli.run("fetch", "small", server.url("/big.bin"), "-d", dl.toString(), "--split", "4",
                "--min-split-size", "2M", "--wait").code, cli.workerLog());
        assertArrayEquals(data, Files.readAllBytes(dl.resolve("big.bin")));
        assertEquals(1, server.requests("/big.bin").size(), "3 MB < 2 x 2 MB");
    }

    /** Starts a fetch in 4 segments of small steps and waits until they run, so later requests are work steals. */
    private void fourSegmentsRunning(String id) throws Exception {
        server.throttle("/big.bin", 100_000);
        assertEquals(0, cli.run("fetch", id, server.url("/big.bin"), "-d", dl.toString(), "--split", "4",
                "--min-split-size", "16Ki").code);
        long deadline = System.nanoTime() + T.toNanos();
        while (!cli.workerLog().contains("in 4 segments")) {
            assertTrue(System.nanoTime() < deadline, cli.workerLog());
            Thread.sleep(20);
        }
    }

    @Test
    void aSegmentRefusedForGoodStopsTheRecordInsteadOfAskingAgainAndAgain() throws Exception {
        // an expired presigned URL: the first connection is cut while the others run, and its
        // retry (like any range asked from then on) gets 403
        server.dropAfter("/big.bin", 300_000, 1);
        fourSegmentsRunning("gone");
        int before = server.requests("/big.bin").size();
        server.failWith("/big.bin", 403, 100_000, null);
        assertEquals(21, cli.run("wait", "gone", "--timeout", "50s").code, cli.workerLog());
        assertTrue(cli.store().find("gone").orElseThrow().records.get(0).error.contains("403"), cli.workerLog());
        // a refused segment used to be started again at once while the others ran: hundreds a second
        int refused = server.requests("/big.bin").size() - before;
        assertTrue(refused >= 1 && refused <= 4, "requests refused: " + refused);
    }

    /**
     * Starts a fetch, waits until it is split, then changes the resource and cuts every connection,
     * so the segments' resumes meet the new ETag (and get 200); returns the new content.
     */
    private byte[] changeMidSegments(String id, int seed, long rateAfter) throws Exception {
        server.throttle("/big.bin", 300_000);
        assertEquals(0, cli.run(fetch(id)).code);
        cli.await(id, f -> f.downloaded > 300_000, T);
        assertTrue(ranged().size() >= 2, "split before the change");
        byte[] changed = TestServer.randomBytes(data.length, seed);
        server.changeContent("/big.bin", changed);
        server.stop();
        // only now: a faster rate would apply to the running segments too, and they could finish
        // the old content before the change
        server.throttle("/big.bin", rateAfter);
        server.clearRequests();
        server.restart();
        return changed;
    }

    /** The fetch ends with the new content, wholly, after starting over on one connection. */
    private void assertStartedOverWith(String id, byte[] changed) throws Exception {
        assertEquals(0, cli.run("wait", id, "--timeout", "50s").code, cli.workerLog());
        assertArrayEquals(changed, Files.readAllBytes(dl.resolve("big.bin")), "the new content, wholly");
        assertTrue(cli.workerLog().contains("starts over on one connection"), cli.workerLog());
    }

    @Test
    void anUnwantedAnswerToASegmentIsDroppedNotReadToItsEnd() throws Exception {
        // If-Range fails once the resource changed: each segment gets the new 3 MB at 30 kB/s, ~100 s
        // to read, where its connection should be dropped and the record start over at once
        byte[] changed = changeMidSegments("drop", 80, 30_000);
        long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        while (server.requests("/big.bin").stream().noneMatch(r -> r.header("Range") == null)) {
            assertTrue(System.nanoTime() < deadline, "no plain GET to start over: " + cli.workerLog());
            Thread.sleep(50);
        }
        server.throttle("/big.bin", 0);
        assertStartedOverWith("drop", changed);
    }

    @Test
    void aServerThatRefusesMoreConnectionsGetsTheFileOverTheOneItServes() throws Exception {
        // one connection per client: every range asked while the first GET runs gets 503
        server.throttle("/big.bin", 1_000_000);
        server.failRanges("/big.bin", 503, 1);
        // Two connections at most: with four, a loaded machine could widen the record before the
        // first 503 came back, and segments split from segments have no reading connection to go
        // back to (this server refuses their retries too, for good)
        assertEquals(0, cli.run("fetch", "limit", server.url("/big.bin"), "-d", dl.toString(), "--split", "2",
                "--min-split-size", "256Ki", "--wait").code, cli.workerLog());
        assertArrayEquals(data, Files.readAllBytes(dl.resolve("big.bin")));
        // the refused range went back to the first connection, and no further split was tried
        assertEquals(1, ranged().size(), "ranges asked: " + ranged().size());
        assertTrue(cli.workerLog().contains("goes back to the connection it was split from"), cli.workerLog());
    }

    @Test
    void aChangeOfTheResourceMidSegmentsRestartsTheRecordNeverSplices() throws Exception {
        byte[] changed = changeMidSegments("chg", 78, 0);
        assertStartedOverWith("chg", changed);
    }

    @Test
    void killMinus9MidSegmentsResumesEachSegmentFromItsRecordedOffset() throws Exception {
        Path mapFile = splitAndMapped("k", 1_000_000);
        Thread.sleep(600); // a progress write of the map after the split
        kill9();
        SegmentMap map = dev.bgfetch.state.StateJson.readSegments(Files.readAllBytes(mapFile));
        assertTrue(map.segments.size() >= 2, "segments recorded");
        assertTrue(map.segments.stream().anyMatch(p -> p.done > 0), "progress recorded");
        server.clearRequests();
        server.throttle("/big.bin", 0);
        assertEquals(0, cli.run("wait", "k", "--timeout", "50s").code, cli.workerLog());
        assertArrayEquals(data, Files.readAllBytes(dl.resolve("big.bin")));
        List<String> ranges = ranged().stream().map(r -> r.header("Range")).collect(Collectors.toList());
        for (SegmentMap.Part p : map.segments) {
            if (p.done < p.end - p.start) {
                String want = "bytes=" + (p.start + p.done) + "-" + (p.end - 1);
                assertTrue(ranges.contains(want), "segment resumed at its offset: " + want + " in " + ranges);
            }
        }
        assertTrue(server.requests("/big.bin").stream().allMatch(r -> r.header("Range") != null), "nothing from zero");
        assertEquals(List.of("big.bin"), ResilienceTest.names(dl));
    }

    @Test
    void aPartFileCutShorterThanItsSegmentMapSaysIsFetchedAgainPastItsEnd() throws Exception {
        // a hostile tester's find: the map's counts were trusted over the file, leaving a hole of zeros
        Path mapFile = splitAndMapped("cut", 1_000_000);
        Thread.sleep(600);
        kill9();
        SegmentMap map = dev.bgfetch.state.StateJson.readSegments(Files.readAllBytes(mapFile));
        SegmentMap.Part last = map.segments.stream().filter(p -> p.done > 1000)
                .max(java.util.Comparator.comparingLong(p -> p.start)).orElseThrow();
        Path part = dl.resolve("big.bin.part");
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(part,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(last.start + last.done / 2);
        }
        server.throttle("/big.bin", 0);
        assertEquals(0, cli.run("wait", "cut", "--timeout", "50s").code, cli.workerLog());
        assertArrayEquals(data, Files.readAllBytes(dl.resolve("big.bin")));
        assertTrue(cli.workerLog().contains("shorter than its map said"), cli.workerLog());
    }

    @Test
    void aSegmentMapWithAMissingSegmentOrACountPastItsEndStartsTheRecordOver() throws Exception {
        // a hostile tester's find: such a map was trusted, and the file delivered with a hole of zeros
        for (String id : List.of("gap", "over")) {
            Path mapFile = splitAndMapped(id, 1_000_000);
            Thread.sleep(600);
            kill9();
            SegmentMap map = dev.bgfetch.state.StateJson.readSegments(Files.readAllBytes(mapFile));
            SegmentMap.Part open = map.segments.stream().filter(p -> p.done < p.end - p.start)
                    .max(java.util.Comparator.comparingLong(p -> p.start)).orElseThrow();
            if (id.equals("gap")) {
                map.segments.remove(open);
            } else {
                open.done = open.end - open.start + 1000;
            }
            Files.write(mapFile, dev.bgfetch.state.StateJson.segments(map));
            server.throttle("/big.bin", 0);
            assertEquals(0, cli.run("wait", id, "--timeout", "50s").code, cli.workerLog());
            Path file = Path.of(cli.store().find(id).orElseThrow().records.get(0).path);
            assertArrayEquals(data, Files.readAllBytes(file), id);
            assertTrue(cli.workerLog().contains("'" + id + "' #0 starts over: its segment map does not fit"), cli.workerLog());
        }
    }

    @Test
    void aWorkerStoppedMidSegmentsSavesEverySegmentsBytesInItsMap() throws Exception {
        // a hostile tester's find: the map written on stop lagged (or failed: "cannot save the
        // segments ...: null"), and the next worker fetched a megabyte again, or all of it
        Path mapFile = splitAndMapped("st", 1_000_000);
        assertEquals(0, cli.run("worker", "--stop").code);
        SegmentMap map = dev.bgfetch.state.StateJson.readSegments(Files.readAllBytes(mapFile));
        byte[] part = Files.readAllBytes(dl.resolve("big.bin.part"));
        for (SegmentMap.Part p : map.segments) {
            long at = p.start + p.done;
            assertTrue(java.util.Arrays.equals(data, (int) p.start, (int) at, part, (int) p.start, (int) at),
                    "the map claims only bytes on disk");
            if (p.done < p.end - p.start && at + 16 <= part.length) {
                // what landed past the map's count would be the file's own bytes: the map lagged
                assertTrue(!java.util.Arrays.equals(data, (int) at, (int) at + 16, part, (int) at, (int) at + 16),
                        "bytes on disk past the segment's count at " + at + ": the map lags");
            }
        }
        assertTrue(!cli.workerLog().contains("cannot save the segments"), cli.workerLog());
        server.throttle("/big.bin", 0);
        assertEquals(0, cli.run("resume", "st").code);
        assertEquals(0, cli.run("wait", "st", "--timeout", "50s").code, cli.workerLog());
        assertArrayEquals(data, Files.readAllBytes(dl.resolve("big.bin")));
    }

    @Test
    void anAbortWithNoWorkerRunningRemovesTheSegmentMapsWithThePartFile() throws Exception {
        // a hostile tester's find: the maps stayed in the store for good (no worker settles it again)
        Path mapFile = splitAndMapped("ka", 600_000);
        kill9();
        assertEquals(0, cli.run("abort", "ka").code);
        assertFalse(Files.exists(mapFile), "the map went with the abort");
        assertFalse(Files.exists(dl.resolve("big.bin.part")));
        cli.run("worker", "--stop", "-q"); // the abort started one; nothing of ka comes back
        assertFalse(Files.exists(mapFile));
    }

    @Test
    void killMinus9MidSegmentsWrittenWithODirectLosesNoByte() throws Exception {
        // segments of 6 MB go direct (BodySink): only what landed may be recorded as done
        byte[] big = TestServer.randomBytes(24_000_000, 81);
        server.file("/big.bin", big);
        server.throttle("/big.bin", 700_000);
        assertEquals(0, cli.run("fetch", "kd", server.url("/big.bin"), "-d", dl.toString(), "--split", "4",
                "--min-split-size", "4Mi").code);
        String key = cli.store().find("kd").orElseThrow().key;
        Path mapFile = cli.home().resolve("segments").resolve(key + "-0.json");
        cli.await("kd", f -> f.downloaded > 3_000_000 && Files.exists(mapFile), T);
        Thread.sleep(700); // held bytes land every 250 ms; a progress write of the map
        kill9();
        SegmentMap map = dev.bgfetch.state.StateJson.readSegments(Files.readAllBytes(mapFile));
        assertTrue(map.segments.size() >= 2, "segments recorded");
        assertTrue(map.segments.stream().anyMatch(p -> p.done > 0), "progress recorded");
        server.throttle("/big.bin", 0);
        assertEquals(0, cli.run("wait", "kd", "--timeout", "50s").code, cli.workerLog());
        assertArrayEquals(big, Files.readAllBytes(dl.resolve("big.bin")));
        assertTrue(server.requests("/big.bin").stream().skip(1).allMatch(r -> r.header("Range") != null), "nothing from zero");
    }

    @Test
    void pauseStopsEverySegmentAndResumeContinuesThem() throws Exception {
        server.throttle("/big.bin", 250_000);
        assertEquals(0, cli.run(fetch("p")).code);
        cli.await("p", f -> f.downloaded > 600_000 && ranged().size() >= 2, T);
        assertEquals(0, cli.run("pause", "p").code);
        Fetch paused = cli.await("p", f -> f.state == FetchState.PAUSED, T);
        Thread.sleep(800);
        long held = cli.store().find("p").orElseThrow().downloaded;
        Thread.sleep(800);
        assertEquals(held, cli.store().find("p").orElseThrow().downloaded, "no bytes while paused");
        assertNotNull(paused);
        server.clearRequests();
        server.throttle("/big.bin", 0);
        assertEquals(0, cli.run("resume", "p").code);
        assertEquals(0, cli.run("wait", "p", "--timeout", "50s").code, cli.workerLog());
        assertArrayEquals(data, Files.readAllBytes(dl.resolve("big.bin")));
        assertTrue(server.requests("/big.bin").size() >= 2, "segments resumed");
        assertTrue(server.requests("/big.bin").stream().allMatch(r -> r.header("Range") != null), "nothing from zero");
    }

    @Test
    void aRecordQueuedForTheHostGetsAConnectionFromTheSegmentsHoldingThem() throws Exception {
        cli.config("max-per-host", "2");
        aWaitingRecordGetsAConnectionFromTheSegments(server.url("/small.txt"));
    }

    @Test
    void aRecordOfAnotherHostGetsAConnectionWhenSegmentsHoldEveryOne() throws Exception {
        cli.config("max-connections", "2");
        aWaitingRecordGetsAConnectionFromTheSegments(server.url("/small.txt").replace("127.0.0.1", "localhost"));
    }

    /**
     * Both connections the limit allows are held by a large file's segments at 100 KB/s (15 s to go):
     * a fetch registered then used to wait until one of those segments ended.
     */
    private void aWaitingRecordGetsAConnectionFromTheSegments(String smallUrl) throws Exception {
        byte[] small = "a small file".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        server.file("/small.txt", small);
        server.throttle("/big.bin", 100_000);
        assertEquals(0, cli.run(fetch("big")).code);
        cli.await("big", f -> ranged().size() >= 1 && f.downloaded > 100_000, T);
        assertEquals(0, cli.run("fetch", "small", smallUrl, "-d", tmp.resolve("dl2").toString()).code);
        assertEquals(0, cli.run("wait", "small", "--timeout", "8s").code, cli.workerLog());
        assertArrayEquals(small, Files.readAllBytes(tmp.resolve("dl2").resolve("small.txt")));
        assertFalse(cli.store().find("big").orElseThrow().hasSettled(), "the large file still runs");
        assertTrue(cli.workerLog().contains("gives a connection to a record waiting for"), cli.workerLog());
        // the range it gave away is fetched once a connection is free again, and the file is whole
        server.throttle("/big.bin", 0);
        assertEquals(0, cli.run("wait", "big", "--timeout", "50s").code, cli.workerLog());
        assertArrayEquals(data, Files.readAllBytes(dl.resolve("big.bin")));
    }

    /** Starts fetch {@code id} of the throttled big file; returns its segment map once it exists and {@code over} bytes came. */
    Path splitAndMapped(String id, long over) throws Exception {
        server.throttle("/big.bin", 250_000);
        assertEquals(0, cli.run(fetch(id)).code);
        String key = cli.store().find(id).orElseThrow().key;
        Path mapFile = cli.home().resolve("segments").resolve(key + "-0.json");
        cli.await(id, f -> f.downloaded > over && Files.exists(mapFile), T);
        return mapFile;
    }

    void kill9() throws Exception {
        long pid = WorkerLauncher.pid(cli.store()).orElseThrow();
        ProcessHandle h = ProcessHandle.of(pid).orElseThrow();
        new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor();
        long end = System.nanoTime() + T.toNanos();
        while (h.isAlive() && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        assertFalse(h.isAlive());
    }
}
