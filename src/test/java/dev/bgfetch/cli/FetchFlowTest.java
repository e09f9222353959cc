package dev.bgfetch.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bgfetch.state.Fetch;
import dev.bgfetch.support.Cli;
import dev.bgfetch.support.TestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end as a user runs it: the real CommandLine in-process, the real worker as a separate
 * process, a real HTTP server on 127.0.0.1, real files.
 */
class FetchFlowTest {
    static final Duration T = Duration.ofSeconds(30);
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;
    TestServer server;
    Cli cli;
    Path dl;
    final byte[] mp3 = TestServer.randomBytes(1_500_000, 1);
    final byte[] jpg = TestServer.randomBytes(40_000, 2);

    @BeforeEach
    void setUp() throws IOException {
        server = TestServer.start();
        server.file("/ep-5.mp3", mp3);
        server.file("/ep-5-artwork.jpg", jpg);
        cli = new Cli(tmp);
        dl = tmp.resolve("dl");
    }

    @AfterEach
    void tearDown() {
        cli.close();
        server.close();
    }

    @Test
    void podcastEpisodeAndArtworkAsOneFetch() throws Exception {
        Cli.Result r = cli.run("fetch", "ep5", server.url("/ep-5.mp3"), server.url("/ep-5-artwork.jpg"),
                "--title", "Episode 5", "--download-total", String.valueOf(mp3.length + jpg.length),
                "--icon", "https://example.org/icon.png,sizes=192x192,type=image/png", "-d", dl.toString());
        assertEquals(0, r.code, r.toString());
        assertEquals("ep5\n", r.out, "stdout carries only the id");

        Cli.Result w = cli.run("wait", "ep5", "--timeout", "30s");
        assertEquals(0, w.code, w + cli.workerLog());
        assertArrayEquals(mp3, Files.readAllBytes(dl.resolve("ep-5.mp3")));
        assertArrayEquals(jpg, Files.readAllBytes(dl.resolve("ep-5-artwork.jpg")));
        assertEquals(List.of("ep-5-artwork.jpg", "ep-5.mp3"), listing(dl), "no .part or other leftovers");

        JsonNode g = JSON.readTree(cli.run("get", "ep5", "--json").out);
        assertEquals(1, g.get("schema").intValue());
        assertEquals("ep5", g.get("id").textValue());
        assertEquals("Episode 5", g.get("title").textValue());
        assertTrue(g.get("downloadTotal").isIntegralNumber());
        assertEquals(mp3.length + jpg.length, g.get("downloadTotal").longValue());
        assertEquals(mp3.length + jpg.length, g.get("downloaded").longValue());
        assertTrue(g.get("downloaded").isIntegralNumber());
        assertEquals(0, g.get("uploadTotal").longValue());
        assertEquals(0, g.get("uploaded").longValue());
        assertEquals("success", g.get("result").textValue());
        assertEquals("", g.get("failureReason").textValue());
        assertTrue(g.get("recordsAvailable").isBoolean());
        assertEquals("settled", g.get("state").textValue());
        assertEquals("192x192", g.get("icons").get(0).get("sizes").textValue());
        assertEquals("image/png", g.get("icons").get(0).get("type").textValue());
        assertTrue(g.get("created").isTextual() && g.get("settled").isTextual());
        JsonNode rec = g.get("records").get(0);
        assertEquals(0, rec.get("index").intValue());
        assertEquals(server.url("/ep-5.mp3"), rec.get("request").get("url").textValue());
        assertEquals("GET", rec.get("request").get("method").textValue());
        assertEquals(200, rec.get("response").get("status").intValue());
        assertEquals(dl.resolve("ep-5.mp3").toString(), rec.get("path").textValue());
        assertEquals(mp3.length, rec.get("total").longValue());
        assertEquals("success", rec.get("result").textValue());

        assertEquals("", cli.run("list").out, "settled fetches are not active");
        assertEquals("ep5\n", cli.run("list", "--all").out);
        JsonNode listed = JSON.readTree(cli.run("list", "--all", "--json").out);
        assertEquals(1, listed.get("schema").intValue());
        assertEquals("ep5", listed.get("fetches").get(0).get("id").textValue());
    }

    @Test
    void badStatusFailsTheFetchButTheOtherRecordsRunToTheEnd() throws Exception {
        server.status("/missing.bin", 404, "<html>not found</html>");
        Path marker = tmp.resolve("hook.txt");
        Cli.Result r = cli.run("fetch", "mixed", server.url("/missing.bin"), server.url("/ep-5.mp3"),
                server.url("/ep-5-artwork.jpg"), "-d", dl.toString(),
                "--on-success", "echo success >> " + marker, "--on-fail", "echo \"fail $BGFETCH_FAILURE_REASON\" >> " + marker);
        assertEquals(0, r.code, r.toString());
        Cli.Result w = cli.run("wait", "mixed");
        assertEquals(ExitCodes.BAD_STATUS, w.code, w.toString());
        assertEquals(List.of("ep-5-artwork.jpg", "ep-5.mp3"), listing(dl), "the 404 body is never a file");
        Fetch f = cli.store().find("mixed").orElseThrow();
        assertEquals("failure", f.result.wire());
        assertEquals("bad-status", f.failureReason.wire());
        assertEquals("bad-status", f.records.get(0).result.wire());
        assertEquals(404, f.records.get(0).response.status);
        assertEquals("success", f.records.get(1).result.wire());
        awaitFile(marker, "fail bad-status\n");
    }

    @Test
    void redirectLoopIsAFetchError() throws Exception {
        server.redirectLoop("/loop");
        assertEquals(0, cli.run("fetch", "loop", server.url("/loop"), "-d", dl.toString()).code);
        assertEquals(ExitCodes.FETCH_ERROR, cli.run("wait", "loop").code);
        assertEquals("fetch-error", cli.store().find("loop").orElseThrow().failureReason.wire());
    }

    @Test
    void fetchWaitReturnsTheResultsExitCode() throws Exception {
        server.redirect("/to-smtp", "http://127.0.0.1:25/x", 302);
        Cli.Result r = cli.run("fetch", "w", server.url("/to-smtp"), "-d", dl.toString(), "--wait");
        assertEquals(ExitCodes.FETCH_ERROR, r.code, r.toString());
        Cli.Result ok = cli.run("fetch", "w2", server.url("/ep-5-artwork.jpg"), "-d", dl.toString(), "-w", "--json");
        assertEquals(0, ok.code, ok.toString());
        assertEquals("success", JSON.readTree(ok.out).get("result").textValue());
    }

    @Test
    void downloadTotalIsAHardCap() throws Exception {
        Cli.Result r = cli.run("fetch", "capped", server.url("/ep-5.mp3"), server.url("/ep-5-artwork.jpg"),
                "-d", dl.toString(), "--download-total", String.valueOf(mp3.length + jpg.length - 1),
                "--max-connections", "1");
        assertEquals(0, r.code, r.toString());
        assertEquals(ExitCodes.DOWNLOAD_TOTAL_EXCEEDED, cli.run("wait", "capped").code);
        Fetch f = cli.store().find("capped").orElseThrow();
        assertEquals("download-total-exceeded", f.failureReason.wire());
        assertTrue(f.downloaded <= mp3.length + jpg.length - 1, "never over the cap: " + f.downloaded);
        assertFalse(listing(dl).stream().anyMatch(n -> n.endsWith(".part")), listing(dl).toString());
    }

    @Test
    void abortStopsTransfersKeepsFinishedFilesAndRunsTheAbortHookOnce() throws Exception {
        server.file("/slow.bin", TestServer.randomBytes(2_000_000, 3));
        server.throttle("/slow.bin", 200_000);
        Path marker = tmp.resolve("abort.txt");
        assertEquals(0, cli.run("fetch", "ab", server.url("/ep-5-artwork.jpg"), server.url("/slow.bin"),
                "-d", dl.toString(), "--on-abort", "echo \"$BGFETCH_ID $BGFETCH_RESULT $BGFETCH_FAILURE_REASON\" >> " + marker,
                "--on-fail", "echo wrong-hook >> " + marker).code);
        cli.await("ab", f -> f.records.get(1).downloaded > 0 && "success".equals(f.records.get(0).result.wire()), T);

        Cli.Result a = cli.run("abort", "ab");
        assertEquals(0, a.code, a.toString());
        assertEquals(ExitCodes.ABORTED, cli.run("wait", "ab").code);
        Fetch f = cli.store().find("ab").orElseThrow();
        assertEquals("failure", f.result.wire());
        assertEquals("aborted", f.failureReason.wire());
        assertEquals("success", f.records.get(0).result.wire());
        assertEquals("aborted", f.records.get(1).result.wire());
        awaitFile(marker, "ab failure aborted\n");
        assertTrue(cli.workerLog().contains("hook of 'ab' (failure, aborted): starting"), cli.workerLog());
        cli.await("ab", x -> listing(dl).equals(List.of("ep-5-artwork.jpg")), T);
        assertEquals(ExitCodes.INVALID_STATE, cli.run("abort", "ab").code, "already settled");
        assertEquals(0, cli.run("fetch", "ab", server.url("/ep-5-artwork.jpg"), "-d", dl.toString()).code,
                "the id is free at once");
        Thread.sleep(300);
        assertEquals("ab failure aborted\n", Files.readString(marker), "the hook ran exactly once");
    }

    @Test
    void existingFilesAreNeverOverwrittenAndTheSameUrlTwiceGivesTwoRecords() throws Exception {
        Files.createDirectories(dl);
        Files.writeString(dl.resolve("ep-5-artwork.jpg"), "mine, keep me");
        assertEquals(0, cli.run("fetch", "dup", server.url("/ep-5-artwork.jpg"), server.url("/ep-5-artwork.jpg"),
                "-d", dl.toString()).code);
        assertEquals(0, cli.run("wait", "dup").code);
        assertEquals("mine, keep me", Files.readString(dl.resolve("ep-5-artwork.jpg")));
        Fetch f = cli.store().find("dup").orElseThrow();
        assertEquals(2, f.records.size());
        List<String> paths = f.records.stream().map(r -> r.path).sorted().collect(Collectors.toList());
        assertEquals(List.of(dl.resolve("ep-5-artwork.1.jpg").toString(), dl.resolve("ep-5-artwork.2.jpg").toString()), paths);
        for (String p : paths) {
            assertArrayEquals(jpg, Files.readAllBytes(Path.of(p)));
        }
    }

    @Test
    void forgetDuringAHookLeavesItsRecordsFileUntilTheHookEnds() throws Exception {
        server.file("/h.bin", jpg);
        Path out = tmp.resolve("wc.txt");
        assertEquals(0, cli.run("fetch", "fh", server.url("/h.bin"), "-d", dl.toString(),
                "--on-success", "sleep 1; wc -c < \"$BGFETCH_RECORDS\" > " + out + " 2>&1").code);
        assertEquals(0, cli.run("wait", "fh").code);
        Path hooks = cli.home().resolve("hooks");
        long end = System.nanoTime() + T.toNanos();
        while (!(Files.isDirectory(hooks) && Files.list(hooks).findAny().isPresent()) && System.nanoTime() < end) {
            Thread.sleep(20); // the hook has started once its records file is there
        }
        assertEquals(0, cli.run("forget", "fh").code);
        // forget deleted the file under the sleeping hook: "cannot open ...records.json: No such file"
        String counted = awaitFile(out, null).strip();
        assertTrue(counted.matches("[0-9]+") && Long.parseLong(counted) > 10, counted);
        end = System.nanoTime() + T.toNanos();
        while (Files.list(hooks).findAny().isPresent() && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        assertEquals(List.of(), Files.list(hooks).collect(Collectors.toList()), "it went when the hook ended (request headers)");
    }

    @Test
    void aHooksOutputReachesTheLogUpToAMebibyte() throws Exception {
        server.file("/o.bin", jpg);
        Path done = tmp.resolve("done");
        assertEquals(0, cli.run("fetch", "o", server.url("/o.bin"), "-d", dl.toString(),
                "--on-success", "echo first-line; yes 0123456789 | head -c 5000000; touch " + done).code);
        assertEquals(0, cli.run("wait", "o").code);
        awaitFile(done, "");
        long end = System.nanoTime() + T.toNanos();
        while (!cli.workerLog().contains("is cut here") && System.nanoTime() < end) {
            Thread.sleep(50);
        }
        String log = cli.workerLog();
        assertTrue(log.contains("first-line\n"), "the output is there");
        // not all 5 MB went into worker.log (below its 10 MiB limit, so not rotated here)
        assertTrue(log.contains("the output of the hook of 'o' is cut here, at 1 MiB"), log.length() + " chars");
        assertTrue(log.length() < 1_100_000 + 10_000, "worker.log holds " + log.length() + " chars");
    }

    @Test
    void aWorkerLogPastItsLimitIsRotatedWhileTheWorkerRuns() throws Exception {
        // a worker that stays up (hooks printing, weeks of waiting for the network) grew it without end
        cli.config("worker.log-max", "256Ki").config("worker.idle", "60s");
        // a link at worker.log.1 kept it from ever rotating; it is replaced, and what it pointed at is left alone
        Path mine = Files.writeString(tmp.resolve("mine.txt"), "mine");
        Files.createSymbolicLink(cli.home().resolve("worker.log.1"), mine);
        server.file("/o.bin", jpg);
        server.file("/p.bin", jpg);
        assertEquals(0, cli.run("fetch", "o", server.url("/o.bin"), "-d", dl.toString(),
                "--on-success", "echo first-line; yes 0123456789 | head -c 600000").code);
        Path old = cli.home().resolve("worker.log.1");
        long end = System.nanoTime() + T.toNanos();
        while (!Files.isRegularFile(old, java.nio.file.LinkOption.NOFOLLOW_LINKS) && System.nanoTime() < end) {
            Thread.sleep(50);
        }
        assertEquals("mine", Files.readString(mine));
        String rotated = Files.readString(old);
        assertTrue(rotated.contains("first-line\n") && rotated.contains("settled 'o'"), rotated.length() + " chars");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(old)));
        // the same worker goes on writing into the emptied worker.log
        assertEquals(0, cli.run("fetch", "p", server.url("/p.bin"), "-d", dl.toString(), "--wait").code);
        String log = cli.workerLog();
        // (its "settled" line may come just after wait returns)
        assertTrue(log.contains("'p' #0 success") && !log.contains("first-line"), log);
        assertTrue(log.length() < 100_000, log.length() + " chars");
    }

    @Test
    void hooksGetTheEnvironmentAndNoServerTextInTheCommand() throws Exception {
        server.file("/evil", jpg);
        server.contentDisposition("/evil", "attachment; filename=\"$(touch pwned).jpg\"");
        Path env = tmp.resolve("env.txt");
        assertEquals(0, cli.run("fetch", "hooked", server.url("/evil"), "-d", dl.toString(), "--content-disposition",
                "--title", "T $(touch titled)",
                "--on-success", "env | grep ^BGFETCH_ | sort > " + env + "; cat \"$BGFETCH_RECORDS\" > records.json").code);
        assertEquals(0, cli.run("wait", "hooked").code);
        String vars = awaitFile(env, null);
        assertTrue(vars.contains("BGFETCH_ID=hooked\n"), vars);
        assertTrue(vars.contains("BGFETCH_RESULT=success\n"), vars);
        assertTrue(vars.contains("BGFETCH_FAILURE_REASON=\n"), vars);
        assertTrue(vars.contains("BGFETCH_DOWNLOADED=" + jpg.length + "\n"), vars);
        assertTrue(vars.contains("BGFETCH_DOWNLOAD_TOTAL=0\n"), vars);
        assertTrue(vars.contains("BGFETCH_TITLE=T $(touch titled)\n"), vars);
        assertTrue(vars.contains("BGFETCH_DIR=" + dl + "\n"), vars);
        assertTrue(vars.contains("BGFETCH_RECORDS="), vars);
        JsonNode records = JSON.readTree(awaitFile(dl.resolve("records.json"), null));
        assertEquals("success", records.get(0).get("result").textValue());
        assertFalse(Files.exists(dl.resolve("pwned")) || Files.exists(dl.resolve("titled")));
        assertTrue(Files.exists(dl.resolve("$(touch pwned).jpg")), listing(dl).toString());
    }

    @Test
    void forgetAndCleanDropSettledFetchesButKeepFiles() throws Exception {
        assertEquals(0, cli.run("fetch", "a", server.url("/ep-5-artwork.jpg"), "-d", dl.toString(), "-w").code);
        assertEquals(0, cli.run("fetch", "b", server.url("/ep-5-artwork.jpg"), "-d", dl.toString(), "-w").code);
        assertEquals(0, cli.run("forget", "a").code);
        assertEquals(ExitCodes.NOT_FOUND, cli.run("get", "a").code);
        assertEquals(0, cli.run("get", "b").code);
        assertEquals(0, cli.run("clean").code);
        assertEquals("", cli.run("list", "--all").out);
        assertEquals(2, listing(dl).size());
    }

    @Test
    void matchFindsRecordsByUrlAndWritesTheBody() throws Exception {
        server.file("/q", jpg);
        assertEquals(0, cli.run("fetch", "m", server.url("/ep-5.mp3"), server.url("/q?a=1"), "-d", dl.toString(), "-w").code);
        JsonNode all = JSON.readTree(cli.run("match", "m", "--json").out);
        assertEquals(2, all.size());
        JsonNode one = JSON.readTree(cli.run("match", "m", server.url("/ep-5.mp3#frag"), "--json").out);
        assertEquals(1, one.size());
        assertEquals(0, one.get(0).get("index").intValue());
        assertEquals(ExitCodes.NOT_FOUND, cli.run("match", "m", server.url("/q")).code);
        assertEquals(0, cli.run("match", "m", server.url("/q?b=2"), "--ignore-search").code);
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        java.io.PrintStream saved = Stdout.bytes;
        Stdout.bytes = new java.io.PrintStream(body);
        try {
            assertEquals(0, cli.run("match", "m", server.url("/q?a=1"), "--body").code);
        } finally {
            Stdout.bytes = saved;
        }
        assertArrayEquals(jpg, body.toByteArray());
        // --json asks for one JSON document: the file's bytes were printed instead, exit 0
        Cli.Result both = cli.run("match", "m", server.url("/q?a=1"), "--body", "--json");
        assertEquals(ExitCodes.USAGE, both.code, both.toString());
        assertEquals("", both.out);
        assertTrue(both.err.contains("cannot be combined with --json"), both.err);

        // A symbolic link put where the file was delivered is never followed.
        Path secret = Files.writeString(tmp.resolve("secret"), "not yours");
        Path delivered = dl.resolve("q");
        Files.delete(delivered);
        Files.createSymbolicLink(delivered, secret);
        body.reset();
        Stdout.bytes = new java.io.PrintStream(body);
        try {
            Cli.Result r = cli.run("match", "m", server.url("/q?a=1"), "--body");
            assertEquals(ExitCodes.INVALID_STATE, r.code, r.toString());
            assertTrue(r.err.contains("is now a symbolic link"), r.err);
        } finally {
            Stdout.bytes = saved;
        }
        assertEquals(0, body.size(), "nothing of the link's target");
    }

    @Test
    void aHookThatHangsIsKilledAfterTheTimeout() throws Exception {
        cli.config("hook-timeout", "1s");
        Path started = tmp.resolve("started");
        Path finished = tmp.resolve("finished");
        assertEquals(0, cli.run("fetch", "h", server.url("/ep-5-artwork.jpg"), "-d", dl.toString(),
                "--on-success", "touch " + started + "; sleep 20; touch " + finished).code);
        assertEquals(0, cli.run("wait", "h").code);
        awaitFile(started, "");
        long end = System.nanoTime() + T.toNanos();
        while (!cli.workerLog().contains("killed") && System.nanoTime() < end) {
            Thread.sleep(50);
        }
        assertTrue(cli.workerLog().contains("hook of 'h' ran longer than 1 s; killed"), cli.workerLog());
        Thread.sleep(500);
        assertFalse(Files.exists(finished), "the hook was stopped");
    }

    @Test
    void aSettingWithABadValueIsAWarningAndTheWorkerStillFetches() throws Exception {
        byte[] body = TestServer.randomBytes(70_000, 21);
        server.file("/s.bin", body);
        cli.config("max-per-host", "abc").config("fsync", "maybe");
        Cli.Result r = cli.run("fetch", "s", server.url("/s.bin"), "-d", dl.toString(), "-w", "-q");
        // the worker died at its start on either value ("internal error"), and every command started it again
        assertEquals(0, r.code, r + cli.workerLog());
        assertArrayEquals(body, Files.readAllBytes(dl.resolve("s.bin")));
        assertTrue(r.err.contains("config.properties: max-per-host = 'abc': not a whole number")
                && r.err.contains("the default (6) is used") && r.err.contains("fsync = 'maybe'"), r.err);
        assertTrue(cli.workerLog().contains("max-per-host = 'abc'"), cli.workerLog());
    }

    @Test
    void aFetchWhoseStateIsDamagedWhileItRunsKeepsItsPartialFileAndSaysWhy() throws Exception {
        server.file("/slow.bin", TestServer.randomBytes(3_000_000, 31));
        server.throttle("/slow.bin", 300_000);
        assertEquals(0, cli.run("fetch", "dmg", server.url("/slow.bin"), "-d", dl.toString(), "--split", "1").code);
        Path part = dl.resolve("slow.bin.part");
        long end = System.nanoTime() + T.toNanos();
        while (!(Files.exists(part) && Files.size(part) > 100_000) && System.nanoTime() < end) {
            Thread.sleep(50);
        }
        Fetch f = cli.store().find("dmg").orElseThrow();
        Path summary = cli.home().resolve("active").resolve(f.key).resolve("fetch.json");
        end = System.nanoTime() + T.toNanos();
        while (!cli.workerLog().contains("set aside") && System.nanoTime() < end) {
            if (Files.exists(summary) && !Files.readString(summary).equals("{\"schema\":2,\"key\":")) {
                // damaged again if the worker's own state write replaced it first (a loaded machine)
                Files.writeString(summary, "{\"schema\":2,\"key\":");
            }
            Thread.sleep(50);
        }
        // the worker took it for an abort: no word in its log, and the partial file deleted
        String log = cli.workerLog();
        assertTrue(log.contains("corrupt state file") && log.contains("its partial files stay"), log);
        Thread.sleep(500);
        assertTrue(Files.exists(part) && Files.size(part) > 100_000, "what it downloaded stays");
        Cli.Result g = cli.run("get", "dmg");
        assertEquals(ExitCodes.NOT_FOUND, g.code, g.toString());
        assertTrue(g.err.contains("found damaged and set aside as " + cli.home().resolve("broken")), g.err);
    }

    @Test
    void waitTimesOutWith124AndTheFetchGoesOn() throws Exception {
        server.file("/slow.bin", TestServer.randomBytes(600_000, 12));
        server.throttle("/slow.bin", 300_000);
        assertEquals(0, cli.run("fetch", "t", server.url("/slow.bin"), "-d", dl.toString()).code);
        Cli.Result r = cli.run("wait", "t", "--timeout", "300ms");
        assertEquals(ExitCodes.TIMEOUT, r.code, r.toString());
        assertTrue(r.err.contains("goes on"), r.err);
        // with --json, the document as it stands (stdout was empty: SPEC §2, one document per --json command)
        Cli.Result j = cli.run("wait", "t", "--timeout", "300ms", "--json");
        assertEquals(ExitCodes.TIMEOUT, j.code, j.toString());
        JsonNode doc = JSON.readTree(j.out);
        assertEquals("t", doc.get("id").textValue());
        assertEquals("", doc.get("result").textValue(), "not settled: " + j.out);
        // a timeout of centuries is a span, not a deadline past the end of the nanosecond clock (it timed out at once)
        Cli.Result centuries = cli.run("wait", "t", "--timeout", "2562047h"); // within an hour of the clock's end
        assertEquals(0, centuries.code, centuries.toString());
        Cli.Result huge = cli.run("wait", "t", "--timeout", "999999999999h");
        assertEquals(ExitCodes.USAGE, huge.code, huge.toString());
        assertTrue(huge.err.contains("too long") && !huge.err.contains("internal error"), huge.err);
    }

    @Test
    void waitOnSeveralFetchesGivesTheFirstFailureInArgumentOrder() throws Exception {
        server.status("/gone", 410, "gone");
        server.redirectLoop("/loop");
        assertEquals(0, cli.run("fetch", "ok", server.url("/ep-5-artwork.jpg"), "-d", dl.toString()).code);
        assertEquals(0, cli.run("fetch", "loop", server.url("/loop"), "-d", dl.toString()).code);
        assertEquals(0, cli.run("fetch", "gone", server.url("/gone"), "-d", dl.toString()).code);
        assertEquals(ExitCodes.FETCH_ERROR, cli.run("wait", "ok", "loop", "gone").code);
        assertEquals(ExitCodes.BAD_STATUS, cli.run("wait", "gone", "loop", "ok").code);
        assertEquals(0, cli.run("wait", "ok").code);
    }

    @Test
    void inputFileOptionsAndChecksumsApplyPerUrl() throws Exception {
        Path list = tmp.resolve("urls.txt");
        Files.writeString(list, "# episode and art\n" + server.url("/ep-5.mp3") + "\n  out=episode.mp3\n"
                + "  checksum=sha-256=" + TestServer.sha256(mp3) + "\n  header=X-Token: t1\n"
                + server.url("/ep-5-artwork.jpg") + "\n  checksum=sha-256=" + "0".repeat(64) + "\n");
        assertEquals(0, cli.run("fetch", "in", "-i", list.toString(), "-d", dl.toString(), "-H", "X-All: yes").code);
        assertEquals(ExitCodes.FETCH_ERROR, cli.run("wait", "in").code, "the artwork's checksum is wrong");
        assertArrayEquals(mp3, Files.readAllBytes(dl.resolve("episode.mp3")));
        assertEquals(List.of("episode.mp3"), listing(dl), "a body failing its checksum is never delivered");
        TestServer.Req req = server.requests("/ep-5.mp3").get(0);
        assertEquals("t1", req.header("X-Token"));
        assertEquals("yes", req.header("X-All"));
        assertEquals(null, server.requests("/ep-5-artwork.jpg").get(0).header("X-Token"));
    }

    static List<String> listing(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Waits for a file (written by a hook) to exist and, if given, to have exactly this content. */
    static String awaitFile(Path file, String content) throws Exception {
        long end = System.nanoTime() + T.toNanos();
        String last = null;
        while (System.nanoTime() < end) {
            if (Files.exists(file)) {
                last = Files.readString(file);
                if (content == null ? !last.isEmpty() : content.equals(last)) {
                    Thread.sleep(content == null ? 100 : 0);
                    return Files.readString(file);
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError(file + " never had the expected content; last: " + last);
    }
}
