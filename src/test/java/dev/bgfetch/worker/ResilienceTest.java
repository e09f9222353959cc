package dev.bgfetch.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bgfetch.cli.ExitCodes;
import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.FetchState;
import dev.bgfetch.state.Rec;
import dev.bgfetch.state.RecordResult;
import dev.bgfetch.support.Cli;
import dev.bgfetch.support.TestServer;
import dev.bgfetch.support.Tmpfs;
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
 * SPEC §4.8–4.11 and §4.15–4.16 end to end: the network going away, flaky servers, kill -9 of the
 * real worker at several points, pause/resume, the disk reserve, damaged state files.
 */
class ResilienceTest {
    static final Duration T = Duration.ofSeconds(40);

    @TempDir
    Path tmp;
    TestServer server;
    Cli cli;
    Path dl;
    final byte[] data = TestServer.randomBytes(1_200_000, 21);

    @BeforeEach
    void setUp() throws Exception {
        server = TestServer.start();
        server.file("/data.bin", data);
        cli = new Cli(tmp).config("retry-max-delay", "1s").config("stall-timeout", "1s");
        dl = tmp.resolve("dl");
    }

    @AfterEach
    void tearDown() {
        cli.close();
        server.close();
    }

    @Test
    void waitsForTheNetworkThenResumesWithRangeAndIfRange() throws Exception {
        server.throttle("/data.bin", 400_000);
        assertEquals(0, cli.run("fetch", "net", server.url("/data.bin"), "-d", dl.toString()).code);
        cli.await("net", f -> f.downloaded > 200_000 && f.records.get(0).etag != null, T);
        server.stop();
        Fetch waiting = cli.await("net", f -> f.state == FetchState.WAITING_FOR_NETWORK, T);
        assertFalse(waiting.hasSettled(), "never fails for being offline");
        long kept = Files.size(dl.resolve("data.bin.part"));
        assertTrue(kept > 0, "bytes received are kept");
        Thread.sleep(1500);
        assertEquals(FetchState.WAITING_FOR_NETWORK, cli.store().find("net").orElseThrow().state);
        server.throttle("/data.bin", 0);
        server.restart();
        assertEquals(0, cli.run("wait", "net", "--timeout", "40s").code, cli.workerLog());
        assertArrayEquals(data, Files.readAllBytes(dl.resolve("data.bin")));
        List<TestServer.Req> ranged = server.requests("/data.bin").stream()
                .filter(r -> r.header("Range") != null).collect(Collectors.toList());
        assertFalse(ranged.isEmpty(), "resumed with Range");
        assertEquals(server.etag("/data.bin"), ranged.get(0).header("If-Range"));
        long start = Long.parseLong(ranged.get(0).header("Range").replaceAll("bytes=(\\d+)-", "$1"));
        assertTrue(start >= kept, "resumed from the kept bytes: " + start + " >= " + kept);
    }

    @Test
    void anOutageIsLoggedOncePerRecordNotAtEveryRetry() throws Exception {
        // a hostile tester's find: offline, every retry of every record wrote a line to worker.log
        cli.config("retry-max-delay", "100ms");
        int refusing;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            refusing = s.getLocalPort();
        }
        String base = "http://127.0.0.1:" + refusing;
        assertEquals(0, cli.run("fetch", "off", base + "/a", base + "/b", base + "/c", "-d", dl.toString()).code);
        cli.await("off", f -> f.state == FetchState.WAITING_FOR_NETWORK, T);
        Thread.sleep(2500); // ~25 retries a record at 100 ms
        long lines = cli.workerLog().lines().filter(l -> l.contains("waiting for the network")).count();
        assertEquals(3, lines, cli.workerLog());
        assertEquals(0, cli.run("abort", "off").code);
    }

    @Test
    void aBodyCutShortIsResumedNotRestarted() throws Exception {
        server.dropAfter("/data.bin", 300_000, 1);
        assertEquals(0, cli.run("fetch", "cut", server.url("/data.bin"), "-d", dl.toString(), "--wait").code);
        assertArrayEquals(data, Files.readAllBytes(dl.resolve("data.bin")));
        List<TestServer.Req> reqs = server.requests("/data.bin");
        assertEquals(2, reqs.size());
        assertEquals("bytes=300000-", reqs.get(1).header("Range"));
    }

    @Test
    void a204InAnswerToAResumeIsAFetchErrorNotAnEmptyFile() throws Exception {
        // a hostile tester's find: SPEC §8 lets only 206 or 200 continue a resume; a 204 was success, 0 bytes
        server.dropAfter("/data.bin", 300_000, 1);
        server.failRanges("/data.bin", 204, null);
        Cli.Result r = cli.run("fetch", "r204", server.url("/data.bin"), "-d", dl.toString(), "--wait");
        assertEquals(ExitCodes.FETCH_ERROR, r.code, r + cli.workerLog());
        Rec rec = cli.store().find("r204").orElseThrow().records.get(0);
        assertTrue(rec.error.contains("HTTP 204 in answer to a resume from byte 300000"), rec.error);
        assertFalse(Files.exists(dl.resolve("data.bin")), "nothing delivered");
    }

    /**
     * Fetches {@code id} from a server whose first answer ({@code first}, cut short) leaves a .part
     * and whose answer to the resume is {@code resume}; returns the record once it failed, and the
     * request heads the server saw.
     */
    private Rec resumeRefused(String id, String first, String resume, List<String> heads) throws Exception {
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        try (dev.bgfetch.support.RawServer raw = dev.bgfetch.support.RawServer.start(
                line -> dev.bgfetch.support.RawServer.bytes(n.getAndIncrement() == 0 ? first : resume))) {
            Cli.Result r = cli.run("fetch", id, raw.url("/f.bin"), "-d", dl.toString(), "--wait");
            assertEquals(ExitCodes.FETCH_ERROR, r.code, r + cli.workerLog());
            heads.addAll(raw.heads());
        }
        assertFalse(Files.exists(dl.resolve("f.bin")), "nothing spliced delivered");
        return cli.store().find(id).orElseThrow().records.get(0);
    }

    @Test
    void aResumeBoundToLastModifiedRefusesA206WithAnotherDate() throws Exception {
        // a hostile tester's find: with no ETag, a server that ignores If-Range spliced the new file's
        // bytes onto the old ones (only a changed ETag was checked on a 206)
        List<String> heads = new java.util.ArrayList<>();
        Rec rec = resumeRefused("lm", "HTTP/1.1 200 OK\r\nLast-Modified: Mon, 01 Jan 2024 00:00:00 GMT\r\n"
                + "Accept-Ranges: bytes\r\nContent-Length: 1000\r\n\r\n" + "a".repeat(500),
                "HTTP/1.1 206 Partial Content\r\nLast-Modified: Tue, 02 Jan 2024 00:00:00 GMT\r\n"
                + "Content-Range: bytes 500-999/1000\r\nContent-Length: 500\r\n\r\n" + "b".repeat(500), heads);
        assertTrue(rec.error.contains("Last-Modified changed"), rec.error);
        assertTrue(heads.get(1).contains("If-Range: Mon, 01 Jan 2024 00:00:00 GMT"), heads.get(1));
    }

    @Test
    void a206WhoseLengthIsNotItsRangeIsRefusedBeforeAByteIsWritten() throws Exception {
        Rec rec = resumeRefused("len", "HTTP/1.1 200 OK\r\nETag: \"e1\"\r\nContent-Length: 1000\r\n\r\n"
                + "a".repeat(500), "HTTP/1.1 206 Partial Content\r\nETag: \"e1\"\r\n"
                + "Content-Range: bytes 500-999/1000\r\nContent-Length: 600\r\n\r\n" + "b".repeat(600),
                new java.util.ArrayList<>());
        assertTrue(rec.error.contains("a 206 of 600 bytes for the range 500-999"), rec.error);
    }

    @Test
    void aStalledTransferIsRetriedWithRange() throws Exception {
        server.stallAfter("/data.bin", 200_000, 20_000, 1);
        assertEquals(0, cli.run("fetch", "stall", server.url("/data.bin"), "-d", dl.toString(), "--wait").code,
                cli.workerLog());
        assertArrayEquals(data, Files.readAllBytes(dl.resolve("data.bin")));
        assertEquals("bytes=200000-", server.requests("/data.bin").get(1).header("Range"));
    }

    @Test
    void serviceUnavailableHonoursRetryAfterABoundedNumberOfTimes() throws Exception {
        server.failWith("/data.bin", 503, 2, 1);
        long t0 = System.nanoTime();
        assertEquals(0, cli.run("fetch", "busy", server.url("/data.bin"), "-d", dl.toString(), "--wait").code);
        assertTrue(System.nanoTime() - t0 >= 2_000_000_000L, "waited Retry-After twice");
        assertEquals(3, server.requests("/data.bin").size());
        assertArrayEquals(data, Files.readAllBytes(dl.resolve("data.bin")));

        cli.config("status-retries", "2");
        cli.run("worker", "--stop"); // settings are read when a worker starts
        server.failWith("/always", 429, 100, 0);
        assertEquals(ExitCodes.BAD_STATUS, cli.run("fetch", "never", server.url("/always"), "-d", dl.toString(),
                "--wait").code);
        assertEquals(3, server.requests("/always").size(), "one try and two retries");
    }

    @Test
    void killMinus9MidBodyLosesNothing() throws Exception {
        server.throttle("/data.bin", 300_000);
        server.file("/small.bin", TestServer.randomBytes(5000, 5));
        assertEquals(0, cli.run("fetch", "k", server.url("/small.bin"), server.url("/data.bin"), "-d", dl.toString(),
                "--max-connections", "1").code);
        cli.await("k", f -> f.records.get(1).downloaded > 300_000 && f.records.get(1).etag != null, T);
        kill9();
        assertFalse(cli.store().find("k").orElseThrow().hasSettled());
        server.throttle("/data.bin", 0);
        assertEquals(0, cli.run("wait", "k").code, "the next command starts a worker that finishes the fetch");
        assertArrayEquals(data, Files.readAllBytes(dl.resolve("data.bin")));
        assertArrayEquals(TestServer.randomBytes(5000, 5), Files.readAllBytes(dl.resolve("small.bin")));
        assertEquals(List.of("data.bin", "small.bin"), names(dl), "no duplicate, no leftover");
        assertTrue(server.requests("/data.bin").stream().anyMatch(r -> r.header("Range") != null), "resumed");
    }

    @Test
    void killMinus9BeforeTheFirstByteAndBetweenRecords() throws Exception {
        server.delayHeaders("/data.bin", 3000);
        server.file("/first.bin", TestServer.randomBytes(7000, 6));
        assertEquals(0, cli.run("fetch", "k2", server.url("/first.bin"), server.url("/data.bin"), "-d", dl.toString(),
                "--max-connections", "1").code);
        cli.await("k2", f -> "success".equals(f.records.get(0).result.wire()) && f.records.get(1).target != null, T);
        server.awaitRequests("/data.bin", 1, T);
        kill9();
        server.delayHeaders("/data.bin", 0);
        assertEquals(0, cli.run("wait", "k2").code);
        assertArrayEquals(data, Files.readAllBytes(dl.resolve("data.bin")));
        assertEquals(List.of("data.bin", "first.bin"), names(dl));
    }

    @Test
    void aFetchSettledBeforeItsHookRanGetsTheHookOnceAfterACrash() throws Exception {
        Path marker = tmp.resolve("hook.txt");
        Fetch f = new Fetch();
        f.id = "crashed";
        f.dir = tmp.toString();
        Rec r = new Rec();
        r.request.url = server.url("/data.bin");
        f.records.add(r);
        f.options.onSuccess = "echo ran >> " + marker;
        f = cli.store().register(f);
        // As a worker killed between settling and starting the hook leaves it:
        cli.store().update(f.key, x -> {
            x.finishRecord(x.records.get(0), RecordResult.SUCCESS);
            x.settle();
        });
        assertEquals(0, cli.run("list").code);
        long end = System.nanoTime() + T.toNanos();
        while (!Files.exists(marker) && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        Thread.sleep(1500);
        assertEquals("ran\n", Files.readString(marker));
        assertTrue(cli.store().find("crashed").orElseThrow().hookDone);
        assertEquals(0, cli.run("list").code);
        Thread.sleep(500);
        assertEquals("ran\n", Files.readString(marker), "once");
    }

    @Test
    void pauseHoldsTheFetchAcrossWorkerRestartsAndResumeContinuesWithRange() throws Exception {
        server.throttle("/data.bin", 300_000);
        assertEquals(0, cli.run("fetch", "p", server.url("/data.bin"), "-d", dl.toString()).code);
        cli.await("p", f -> f.downloaded > 100_000 && f.records.get(0).etag != null, T);
        assertEquals(0, cli.run("pause", "p").code);
        Fetch paused = cli.await("p", f -> f.state == FetchState.PAUSED, T);
        Thread.sleep(700);
        long held = cli.store().find("p").orElseThrow().downloaded;
        Thread.sleep(700);
        assertEquals(held, cli.store().find("p").orElseThrow().downloaded, "no bytes while paused");
        assertTrue(Files.exists(dl.resolve("data.bin.part")));
        assertEquals(FetchState.PAUSED, paused.state);

        cli.run("worker", "--stop");
        assertEquals(0, cli.run("list").code);
        assertEquals(FetchState.PAUSED, cli.store().find("p").orElseThrow().state, "survives a worker restart");
        assertFalse(WorkerLauncher.isRunning(cli.store()), "a paused fetch needs no worker");

        server.throttle("/data.bin", 0);
        assertEquals(0, cli.run("resume", "p").code);
        assertEquals(0, cli.run("wait", "p").code);
        assertArrayEquals(data, Files.readAllBytes(dl.resolve("data.bin")));
        assertTrue(server.requests("/data.bin").stream().anyMatch(r -> r.header("Range") != null));
        assertEquals(ExitCodes.INVALID_STATE, cli.run("pause", "p").code);
        assertEquals(ExitCodes.INVALID_STATE, cli.run("resume", "p").code);
    }

    @Test
    void theFreeSpaceReserveGivesQuotaExceededAndKeepsWhatFit() throws Exception {
        long free = Files.getFileStore(tmp).getUsableSpace();
        cli.config("min-free", String.valueOf(free + 1_000_000_000L));
        server.file("/big.bin", TestServer.randomBytes(10_000_000, 9));
        // One connection: what fit is a plain prefix (segments are the next test).
        Cli.Result r = cli.run("fetch", "q", server.url("/big.bin"), "-d", dl.toString(), "-s", "1", "--wait");
        assertEquals(ExitCodes.QUOTA_EXCEEDED, r.code, r + cli.workerLog());
        Fetch f = cli.store().find("q").orElseThrow();
        assertEquals("quota-exceeded", f.failureReason.wire());
        assertTrue(Files.size(dl.resolve("big.bin.part")) > 0, "the data that fit stays");
        assertEquals(Files.size(dl.resolve("big.bin.part")), f.records.get(0).downloaded, "counts what is on disk");
    }

    @Test
    void aDiskFilledBySegmentsKeepsOnlyTheirGaplessPrefixAndANewFetchResumesIt() throws Exception {
        try (Tmpfs fs = Tmpfs.mount(tmp.resolve("seg-fs"), "1m")) {
            Path small = fs.dir;
            byte[] data = TestServer.randomBytes(3_000_000, 11);
            server.file("/seg.bin", data);
            server.throttle("/seg.bin", 1_000_000); // slow enough that the split comes before the disk is full
            Cli.Result r = cli.run("fetch", "sq", server.url("/seg.bin"), "-d", small.toString(),
                    "-s", "4", "-k", "256Ki", "--wait");
            assertEquals(ExitCodes.QUOTA_EXCEEDED, r.code, r + cli.workerLog());
            Fetch f = cli.store().find("sq").orElseThrow();
            assertTrue(server.requests("/seg.bin").stream().anyMatch(q -> q.header("Range") != null),
                    "the file was split: " + cli.workerLog());
            Path part = small.resolve("seg.bin.part");
            long onDisk = Files.exists(part) ? Files.size(part) : 0;
            // A sparse .part would be taken for data at the next resume: only the gapless prefix stays.
            assertEquals(onDisk, f.records.get(0).downloaded, "the record counts what is on disk");
            if (onDisk > 0) {
                byte[] kept = Files.readAllBytes(part);
                assertArrayEquals(java.util.Arrays.copyOf(data, kept.length), kept, "the kept prefix is the data");
            }
            assertFalse(Files.exists(small.resolve("seg.bin")), "never under the final name");

            fs.resize("16m");
            assertEquals(0, cli.run("fetch", "sq2", server.url("/seg.bin"), "-d", small.toString(), "--wait").code,
                    cli.workerLog());
            assertArrayEquals(data, Files.readAllBytes(small.resolve("seg.bin")), "resumed into the same name, whole");
        }
    }

    @Test
    void waitSaysOnceThatTheStoreHasNoSpaceAndEndsWhenThereIsSome() throws Exception {
        try (Tmpfs fs = Tmpfs.mount(tmp.resolve("store-fs"), "4m"); Cli onSmall = new Cli(fs.dir)) {
            Path small = fs.dir;
            server.throttle("/data.bin", 600_000); // two seconds: the disk fills while it downloads
            assertEquals(0, onSmall.run("fetch", "nospace", server.url("/data.bin"), "-d", dl.toString()).code);
            onSmall.await("nospace", f -> f.downloaded > 0, T);
            Path filler = small.resolve("filler");
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(filler,
                    java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
                java.nio.ByteBuffer chunk = java.nio.ByteBuffer.allocate(4096);
                while (true) {
                    chunk.clear();
                    ch.write(chunk);
                }
            } catch (java.io.IOException full) {
                // the store's file system is full
            }
            assertTrue(onSmall.store().outOfSpace());
            Cli.Result status = onSmall.run("worker", "--status");
            assertTrue(status.out.contains("store: no space left"), status.toString());
            java.util.concurrent.CompletableFuture<Cli.Result> waiting = java.util.concurrent.CompletableFuture
                    .supplyAsync(() -> onSmall.run("wait", "nospace", "--timeout", "60s"));
            Thread.sleep(5000); // the body is in by then; its settle cannot be written
            assertFalse(waiting.isDone(), "settled without room for the store? " + (waiting.isDone() ? waiting.get() : ""));
            Files.delete(filler);
            Cli.Result r = waiting.get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(0, r.code, r + onSmall.workerLog());
            assertEquals(1, r.err.lines().filter(l -> l.contains("no space left for the store")).count(), r.err);
            assertArrayEquals(data, Files.readAllBytes(dl.resolve("data.bin")), "delivered whole once there was room");
        }
    }

    @Test
    void aFullDiskIsQuotaExceededAndKeepsWhatFit() throws Exception {
        // without a tmpfs (not root), the min-free test covers the same path
        try (Tmpfs fs = Tmpfs.mount(tmp.resolve("small-fs"), "1m")) {
            Path small = fs.dir;
            server.file("/big.bin", TestServer.randomBytes(3_000_000, 10));
            Cli.Result r = cli.run("fetch", "full", server.url("/big.bin"), "-d", small.toString(), "--wait");
            assertEquals(ExitCodes.QUOTA_EXCEEDED, r.code, r + cli.workerLog());
            Fetch f = cli.store().find("full").orElseThrow();
            assertEquals("quota-exceeded", f.failureReason.wire());
            long kept = Files.size(small.resolve("big.bin.part"));
            assertTrue(kept > 0 && kept <= 1024 * 1024, "what fit stays: " + kept);
            assertFalse(Files.exists(small.resolve("big.bin")), "never under the final name");
        }
    }

    @Test
    void aDamagedStateFileIsReportedKeptAndTheRestRecovered() throws Exception {
        server.file("/other.bin", TestServer.randomBytes(100, 4));
        Fetch good = new Fetch();
        good.id = "good";
        good.dir = dl.toString();
        Rec r = new Rec();
        r.request.url = server.url("/other.bin");
        good.records.add(r);
        Fetch bad = new Fetch();
        bad.id = "bad";
        bad.dir = dl.toString();
        bad.records.add(r);
        Files.createDirectories(dl);
        cli.store().register(good);
        bad = cli.store().register(bad);
        Path badFile = cli.home().resolve("active").resolve(bad.key).resolve("fetch.json");
        Files.writeString(badFile, "{\"schema\":2,\"key\":\"" + bad.key + "\",\"id\":\"bad\",\"fil");
        Cli.Result list = cli.run("list");
        assertEquals(0, list.code);
        assertTrue(list.err.contains("corrupt state file " + badFile), list.err);
        assertEquals(1, list.err.lines().count(), list.err);
        assertEquals("good\n", list.out);
        assertTrue(Files.list(cli.home().resolve("broken")).count() == 1, "a copy is kept aside");
        assertEquals(0, cli.run("wait", "good").code);
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
        assertNotNull(cli.store());
    }

    static List<String> names(Path dir) throws Exception {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }
}
