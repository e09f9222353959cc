package dev.bgfetch.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bgfetch.cli.ExitCodes;
import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.Rec;
import dev.bgfetch.state.RecordResult;
import dev.bgfetch.support.Cli;
import dev.bgfetch.support.TestServer;
import dev.bgfetch.support.Tmpfs;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §4.6–4.7 and §4.10–4.11 with the real worker: nothing is written outside --dir through a link
 * at a .part or final name, a .part removed mid-download fails at once, stopped records leave no
 * .part behind, and a quota-exceeded .part is resumed by the next fetch of the same URL.
 */
class FileSafetyTest {
    static final Duration T = Duration.ofSeconds(40);

    @TempDir
    Path tmp;
    TestServer server;
    Cli cli;
    Path dl;
    Path elsewhere;
    final byte[] data = TestServer.randomBytes(1_200_000, 31);

    @BeforeEach
    void setUp() throws Exception {
        server = TestServer.start();
        server.file("/data.bin", data);
        cli = new Cli(tmp).config("retry-max-delay", "1s").config("stall-timeout", "2s");
        dl = Files.createDirectories(tmp.resolve("dl"));
        elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
    }

    @AfterEach
    void tearDown() {
        cli.close();
        server.close();
    }

    /** Fetch {@code id} of the data at 100 KB/s, once its first 100 KB came. */
    void slowlyUnderWay(String id) throws Exception {
        server.throttle("/data.bin", 100_000);
        assertEquals(0, cli.run("fetch", id, server.url("/data.bin"), "-d", dl.toString()).code);
        cli.await(id, x -> x.downloaded > 100_000, T);
    }

    Rec record(String id) {
        return cli.store().find(id).orElseThrow().records.get(0);
    }

    @Test
    void aDanglingLinkAtThePartNameCountsAsTakenAndIsNeverWrittenThrough() throws Exception {
        Path victim = elsewhere.resolve("new");
        Files.createSymbolicLink(dl.resolve("data.bin.part"), victim);
        assertEquals(0, cli.run("fetch", "d", server.url("/data.bin"), "-d", dl.toString(), "-w").code,
                cli.workerLog());
        assertFalse(Files.exists(victim, LinkOption.NOFOLLOW_LINKS), "nothing written outside --dir");
        assertEquals(dl.resolve("data.1.bin").toString(), record("d").path);
        assertArrayEquals(data, Files.readAllBytes(dl.resolve("data.1.bin")));
        assertFalse(Files.isSymbolicLink(dl.resolve("data.1.bin")));
        assertTrue(Files.isSymbolicLink(dl.resolve("data.bin.part")), "the link is left as it was");
    }

    /** Pauses a throttled download once bytes are on disk, so its .part can be swapped for something else. */
    void pausedMidway(String id) throws Exception {
        server.throttle("/data.bin", 300_000);
        assertEquals(0, cli.run("fetch", id, server.url("/data.bin"), "-d", dl.toString()).code);
        cli.await(id, f -> f.downloaded > 100_000 && f.records.get(0).etag != null, T);
        assertEquals(0, cli.run("pause", id).code);
        long before = -1;
        long size = Files.size(dl.resolve("data.bin.part"));
        while (size != before) { // the worker has closed the transfer once the file stops growing
            before = size;
            Thread.sleep(300);
            size = Files.size(dl.resolve("data.bin.part"));
        }
        server.throttle("/data.bin", 0);
    }

    @Test
    void aLinkPutAtThePartOfAPausedRecordIsNotResumedIntoAndOnlyTheLinkIsDeleted() throws Exception {
        pausedMidway("l");
        Path victim = Files.write(elsewhere.resolve("victim"), new byte[] {'k', 'e', 'e', 'p'});
        Path part = dl.resolve("data.bin.part");
        Files.delete(part);
        Files.createSymbolicLink(part, victim);
        assertEquals(0, cli.run("resume", "l").code);
        Cli.Result r = cli.run("wait", "l", "--timeout", "30s");
        assertEquals(ExitCodes.FETCH_ERROR, r.code, r + cli.workerLog());
        assertTrue(record("l").error.contains("symbolic link"), record("l").error);
        assertEquals("keep", Files.readString(victim), "the link's target is untouched");
        assertFalse(Files.exists(part, LinkOption.NOFOLLOW_LINKS), "the failed record's link is removed");
        assertFalse(Files.exists(dl.resolve("data.bin"), LinkOption.NOFOLLOW_LINKS), "nothing delivered");
    }

    @Test
    void aFifoOrADirectoryPutAtThePartIsRefusedWithoutHanging() throws Exception {
        pausedMidway("f");
        Path part = dl.resolve("data.bin.part");
        Files.delete(part);
        assertEquals(0, new ProcessBuilder("mkfifo", part.toString()).start().waitFor());
        assertEquals(0, cli.run("resume", "f").code);
        Cli.Result r = cli.run("wait", "f", "--timeout", "30s");
        assertEquals(ExitCodes.FETCH_ERROR, r.code, r + cli.workerLog());
        assertTrue(record("f").error.contains("not a regular file"), record("f").error);

        Files.createDirectory(dl.resolve("data.bin.part"));
        Files.writeString(dl.resolve("data.bin.part").resolve("inside"), "x");
        Files.deleteIfExists(dl.resolve("data.bin"));
        Cli.Result again = cli.run("fetch", "g", server.url("/data.bin"), "-d", dl.toString(), "-w");
        assertEquals(0, again.code, again + cli.workerLog());
        assertEquals(dl.resolve("data.1.bin").toString(), record("g").path, "a directory there means taken");
        assertEquals("x", Files.readString(dl.resolve("data.bin.part").resolve("inside")));
    }

    @Test
    void recordsNamedXAndXPartInOneGroupNeverShareAFile() throws Exception {
        // a hostile tester's find: x.txt.part, delivered by one record, was the other's .part name; the
        // other failed on it ("appeared while it was being created") and its clean-up deleted it
        byte[] slow = TestServer.randomBytes(80, 1);
        byte[] fast = TestServer.randomBytes(120, 2);
        server.file("/slow/x.txt", slow);
        server.delayHeaders("/slow/x.txt", 1500);
        server.file("/ok/x.txt.part", fast);
        Cli.Result r = cli.run("fetch", "pp", server.url("/slow/x.txt"), server.url("/ok/x.txt.part"), "-d",
                dl.toString(), "--wait");
        assertEquals(0, r.code, r + cli.workerLog());
        Fetch f = cli.store().find("pp").orElseThrow();
        assertArrayEquals(slow, Files.readAllBytes(Path.of(f.records.get(0).path)));
        assertArrayEquals(fast, Files.readAllBytes(Path.of(f.records.get(1).path)));
        assertEquals(List.of("x.txt", "x.txt.1.part"), ResilienceTest.names(dl));
    }

    @Test
    void aFileThatAppearsAtTheNewPartNameWhileTheAnswerIsAwaitedStaysAndTheRecordTakesTheNextName() throws Exception {
        // hostile testers' finds: the record failed and its clean-up deleted the file there (another
        // record's delivered file); two stores fetching one URL into one directory failed one of them
        server.delayHeaders("/data.bin", 1500);
        assertEquals(0, cli.run("fetch", "ap", server.url("/data.bin"), "-d", dl.toString()).code);
        server.awaitRequests("/data.bin", 1, T);
        Path part = Files.writeString(dl.resolve("data.bin.part"), "theirs");
        Cli.Result r = cli.run("wait", "ap", "--timeout", "30s");
        assertEquals(0, r.code, r + cli.workerLog());
        assertEquals("theirs", Files.readString(part), "the clean-up left it alone");
        assertEquals(dl.resolve("data.1.bin").toString(), record("ap").path);
        assertArrayEquals(data, Files.readAllBytes(dl.resolve("data.1.bin")));
        assertTrue(cli.workerLog().contains("appeared while it was being created: takes the next free name"), cli.workerLog());
    }

    @Test
    void aPartThatAppearsAfterTheNameWasChosenIsNeitherCutNorResumedFrom() throws Exception {
        // found by trying two stores on one directory: the second worker took the first one's new
        // .part for a partial download of its own with no validator, cut it to 0 and wrote into it
        server.file("/slow.bin", new byte[] {1, 2, 3});
        server.delayHeaders("/slow.bin", 1500);
        assertEquals(0, cli.run("fetch", "ah", server.url("/slow.bin"), server.url("/data.bin"), "-d", dl.toString(),
                "--max-per-host", "1").code);
        server.awaitRequests("/slow.bin", 1, T); // data.bin's name is chosen already, its transfer waits
        Path part = Files.writeString(dl.resolve("data.bin.part"), "theirs");
        Cli.Result r = cli.run("wait", "ah", "--timeout", "30s");
        assertEquals(0, r.code, r + cli.workerLog());
        assertEquals("theirs", Files.readString(part), "neither cut nor written");
        Fetch f = cli.store().find("ah").orElseThrow();
        assertEquals(dl.resolve("data.1.bin").toString(), f.records.get(1).path);
        assertArrayEquals(data, Files.readAllBytes(dl.resolve("data.1.bin")));
        assertTrue(cli.workerLog().contains("appeared after its name was chosen: takes the next free name"), cli.workerLog());
    }

    @Test
    void aLinkAtTheFinalNameIsTakenNeitherReplacedNorWrittenThrough() throws Exception {
        server.throttle("/data.bin", 600_000);
        assertEquals(0, cli.run("fetch", "t", server.url("/data.bin"), "-d", dl.toString()).code);
        cli.await("t", f -> f.downloaded > 50_000, T);
        Path victim = elsewhere.resolve("target");
        Files.createSymbolicLink(dl.resolve("data.bin"), victim);
        server.throttle("/data.bin", 0);
        assertEquals(0, cli.run("wait", "t").code, cli.workerLog());
        assertEquals(dl.resolve("data.1.bin").toString(), record("t").path);
        assertArrayEquals(data, Files.readAllBytes(dl.resolve("data.1.bin")));
        assertEquals(victim, Files.readSymbolicLink(dl.resolve("data.bin")), "the link is not replaced");
        assertFalse(Files.exists(victim, LinkOption.NOFOLLOW_LINKS), "nothing written through it");
    }

    @Test
    void aLinkAtTheFinalNameIsNotMistakenForADeliveredFileAfterACrash() throws Exception {
        Path lookalike = Files.write(elsewhere.resolve("same-size"), new byte[data.length]);
        Files.createSymbolicLink(dl.resolve("data.bin"), lookalike);
        // As a worker killed after reserving the name leaves it: target and total known, no .part.
        Fetch f = new Fetch();
        f.id = "c";
        f.dir = dl.toString();
        Rec r = new Rec();
        r.request.url = server.url("/data.bin");
        r.target = dl.resolve("data.bin").toString();
        r.total = (long) data.length;
        f.records.add(r);
        cli.store().register(f);
        assertEquals(0, cli.run("wait", "c").code, cli.workerLog());
        Rec done = record("c");
        assertEquals(dl.resolve("data.1.bin").toString(), done.path, "downloaded, not 'recovered' from a link");
        assertArrayEquals(data, Files.readAllBytes(dl.resolve("data.1.bin")));
        assertArrayEquals(new byte[data.length], Files.readAllBytes(lookalike));
    }

    @Test
    void aPartDeletedMidDownloadFailsAtTheNextWriteNotAtTheEnd() throws Exception {
        slowlyUnderWay("rm"); // the body would last 12 s
        Files.delete(dl.resolve("data.bin.part"));
        // Settled well before the body would end: the rest of it is neither written nor read.
        Cli.Result r = cli.run("wait", "rm", "--timeout", "6s");
        assertEquals(ExitCodes.FETCH_ERROR, r.code, r + cli.workerLog());
        Rec rec = record("rm");
        assertTrue(rec.error.contains("was removed"), rec.error);
        assertTrue(rec.downloaded < data.length / 2, "failed before the body was read: " + rec.downloaded);
        assertEquals(List.of(), names(dl), "nothing left, nothing delivered");
    }

    @Test
    void aFileSomebodyPutsAtThePartNameMidDownloadIsTheirsAndStays() throws Exception {
        // a hostile tester's find: the transfer saw it ("was removed or replaced"), then the cleanup
        // of the failed record deleted it
        slowlyUnderWay("mine");
        Path part = dl.resolve("data.bin.part");
        Path theirs = tmp.resolve("theirs");
        Files.writeString(theirs, "their own file");
        Files.move(theirs, part, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Cli.Result r = cli.run("wait", "mine", "--timeout", "6s");
        assertEquals(ExitCodes.FETCH_ERROR, r.code, r + cli.workerLog());
        assertTrue(record("mine").error.contains("was removed or replaced"), record("mine").error);
        assertEquals("their own file", Files.readString(part));
    }

    @Test
    void theDownloadDirDeletedMidDownloadFailsAtTheNextWrite() throws Exception {
        server.throttle("/data.bin", 100_000);
        Path sub = dl.resolve("sub");
        assertEquals(0, cli.run("fetch", "dir", server.url("/data.bin"), "-d", sub.toString()).code);
        cli.await("dir", x -> x.downloaded > 100_000, T);
        Files.delete(sub.resolve("data.bin.part"));
        Files.delete(sub);
        Cli.Result r = cli.run("wait", "dir", "--timeout", "6s");
        assertEquals(ExitCodes.FETCH_ERROR, r.code, r + cli.workerLog());
        assertTrue(record("dir").downloaded < data.length / 2, "failed early: " + record("dir").downloaded);
        assertFalse(Files.exists(sub), "the dir is not created again");
    }

    @Test
    void theCapLeavesNoPartOfTheStoppedSiblingsBehind() throws Exception {
        List<String> urls = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            server.file("/s" + i + ".bin", TestServer.randomBytes(400_000, 40 + i));
            server.throttle("/s" + i + ".bin", 200_000);
            urls.add(server.url("/s" + i + ".bin"));
        }
        List<String> args = new java.util.ArrayList<>(List.of("fetch", "cap"));
        args.addAll(urls);
        args.addAll(List.of("-d", dl.toString(), "--download-total", "300000", "-w"));
        Cli.Result r = cli.run(args.toArray(new String[0]));
        assertEquals(ExitCodes.DOWNLOAD_TOTAL_EXCEEDED, r.code, r + cli.workerLog());
        Fetch f = cli.store().find("cap").orElseThrow();
        assertEquals(dev.bgfetch.state.FailureReason.DOWNLOAD_TOTAL_EXCEEDED, f.failureReason);
        // The siblings that hit the cap before their stop arrived fail the same way; the rest are aborted.
        assertTrue(f.records.stream().allMatch(x -> x.result == RecordResult.ABORTED
                || x.result == RecordResult.DOWNLOAD_TOTAL_EXCEEDED),
                f.records.stream().map(x -> x.result).collect(Collectors.toList()).toString());
        assertEquals(List.of(), names(dl), "no .part left by the stopped siblings");

        server.throttle("/s0.bin", 0);
        assertEquals(0, cli.run("fetch", "again", urls.get(0), "-d", dl.toString(), "-w").code);
        assertEquals(dl.resolve("s0.bin").toString(), record("again").path, "the name is free again");
    }

    @Test
    void aQuotaPartIsResumedByTheNextFetchOfTheSameUrlAndCountsWhatIsOnDisk() throws Exception {
        long free = Files.getFileStore(tmp).getUsableSpace();
        cli.config("min-free", String.valueOf(free + 1_000_000_000L));
        byte[] big = TestServer.randomBytes(10_000_000, 9);
        server.file("/big.bin", big);
        Cli.Result r = cli.run("fetch", "q", server.url("/big.bin"), "-d", dl.toString(), "--wait");
        assertEquals(ExitCodes.QUOTA_EXCEEDED, r.code, r + cli.workerLog());
        long kept = Files.size(dl.resolve("big.bin.part"));
        assertTrue(kept > 0);
        assertEquals(kept, record("q").downloaded, "the record counts what is on disk");
        assertEquals(kept, cli.store().find("q").orElseThrow().downloaded);

        cli.config("min-free", "0");
        cli.run("worker", "--stop"); // settings are read when a worker starts
        server.clearRequests();
        r = cli.run("fetch", "q", server.url("/big.bin"), "-d", dl.toString(), "--wait");
        assertEquals(0, r.code, r + cli.workerLog());
        assertEquals(dl.resolve("big.bin").toString(), record("q").path, "the kept part is adopted");
        assertArrayEquals(big, Files.readAllBytes(dl.resolve("big.bin")));
        assertEquals("bytes=" + kept + "-", server.requests("/big.bin").get(0).header("Range"));
        assertEquals(List.of("big.bin"), names(dl));
    }

    @Test
    void aFullDiskCountsWhatFitAndTheNextFetchResumesItOnceThereIsRoom() throws Exception {
        // without a tmpfs (not root), the min-free test covers the same path
        try (Tmpfs fs = Tmpfs.mount(tmp.resolve("small-fs"), "1m")) {
            Path small = fs.dir;
            byte[] big = TestServer.randomBytes(3_000_000, 10);
            server.file("/big.bin", big);
            Cli.Result r = cli.run("fetch", "full", server.url("/big.bin"), "-d", small.toString(), "--wait");
            assertEquals(ExitCodes.QUOTA_EXCEEDED, r.code, r + cli.workerLog());
            long kept = Files.size(small.resolve("big.bin.part"));
            assertTrue(kept > 0 && kept <= 1024 * 1024, "what fit stays: " + kept);
            assertEquals(kept, record("full").downloaded, "the record counts what is on disk, not what was sent");

            fs.resize("8m");
            server.clearRequests();
            r = cli.run("fetch", "full", server.url("/big.bin"), "-d", small.toString(), "--wait");
            assertEquals(0, r.code, r + cli.workerLog());
            assertEquals(small.resolve("big.bin").toString(), record("full").path);
            assertArrayEquals(big, Files.readAllBytes(small.resolve("big.bin")));
            assertEquals("bytes=" + kept + "-", server.requests("/big.bin").get(0).header("Range"));
        }
    }

    static List<String> names(Path dir) throws Exception {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }
}
