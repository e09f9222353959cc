package dev.bgfetch.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.Rec;
import dev.bgfetch.support.Cli;
import dev.bgfetch.support.Proc;
import dev.bgfetch.support.TestServer;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SPEC §4.2–4.4 with real processes: one worker per store, auto-start, detach, idle exit, stop. */
class WorkerProcessTest {
    static final Duration T = Duration.ofSeconds(30);

    @TempDir
    Path tmp;
    TestServer server;
    Cli cli;
    Path dl;
    final byte[] data = TestServer.randomBytes(600_000, 11);

    @BeforeEach
    void setUp() throws Exception {
        server = TestServer.start();
        server.file("/data.bin", data);
        cli = new Cli(tmp);
        dl = tmp.resolve("dl");
    }

    @AfterEach
    void tearDown() {
        cli.close();
        server.close();
    }

    @Test
    void aSecondWorkerLeavesTheStoreToTheFirst() throws Exception {
        cli.config("worker.idle", "60s");
        Process first = Proc.start(cli.home(), "worker", "--run");
        awaitRunning(true);
        long pid = WorkerLauncher.pid(cli.store()).orElseThrow();
        assertEquals(first.pid(), pid, "the lock holder wrote its pid");
        Process second = Proc.start(cli.home(), "worker", "--run");
        assertTrue(second.waitFor(20, TimeUnit.SECONDS), "the second worker exits");
        assertEquals(0, second.exitValue());
        assertTrue(first.isAlive());
        String said = new String(second.getInputStream().readAllBytes()) + new String(second.getErrorStream().readAllBytes());
        assertTrue(said.contains("another worker owns"), said);
        assertEquals(0, cli.run("worker", "--stop").code);
        assertTrue(first.waitFor(20, TimeUnit.SECONDS));
        assertFalse(WorkerLauncher.isRunning(cli.store()));
    }

    @Test
    void aStartedWorkerDropsItsSpawnRecordSoACommandDuringItsExitStartsAnother() throws Exception {
        // The record says "a worker is starting": left in place, a fetch registered while the worker
        // exits (lock given up, JVM still alive) spawned no worker and waited forever (RaceTest, once).
        cli.config("worker.idle", "60s");
        server.file("/s.bin", TestServer.randomBytes(200_000, 5));
        server.throttle("/s.bin", 50_000);
        assertEquals(0, cli.run("fetch", "s", server.url("/s.bin"), "-d", tmp.resolve("dl").toString()).code);
        awaitRunning(true);
        Path spawn = cli.home().resolve("worker.spawn");
        long end = System.nanoTime() + T.toNanos();
        while (Files.exists(spawn) && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        assertFalse(Files.exists(spawn), "a running worker leaves no spawn record: " + cli.workerLog());
        assertEquals(0, cli.run("worker", "--stop").code);
    }

    @Test
    void anyCommandStartsAWorkerForUnfinishedFetchesAndItExitsWhenIdle() throws Exception {
        // Registered behind bgfetch's back: no worker was started for it.
        Fetch f = new Fetch();
        f.id = "orphan";
        f.dir = dl.toString();
        Files.createDirectories(dl);
        Rec r = new Rec();
        r.request.url = server.url("/data.bin");
        f.records.add(r);
        cli.store().register(f);
        assertFalse(WorkerLauncher.isRunning(cli.store()));

        assertEquals(0, cli.run("list").code);
        cli.await("orphan", Fetch::hasSettled, T);
        assertArrayEquals(data, Files.readAllBytes(dl.resolve("data.bin")));
        awaitRunning(false);
        assertTrue(cli.workerLog().contains("idle; exiting"), cli.workerLog());
    }

    @Test
    void theWorkerSurvivesHangupOfTheTerminalSession() throws Exception {
        server.throttle("/data.bin", 300_000);
        // A shell in its own session plays the terminal: it runs fetch, then hangs up its whole group.
        List<String> fetch = Proc.command(cli.home(), "fetch", "hup", server.url("/data.bin"), "-d", dl.toString());
        String script = quote(fetch) + " && kill -HUP 0";
        Process term = new ProcessBuilder("setsid", "/bin/sh", "-c", script)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        assertTrue(term.waitFor(30, TimeUnit.SECONDS));
        awaitRunning(true); // fetch returns before the worker's JVM is up
        long pid = WorkerLauncher.pid(cli.store()).orElseThrow();
        ProcessHandle.of(pid).orElseThrow();
        new ProcessBuilder("kill", "-HUP", Long.toString(pid)).start().waitFor();
        Thread.sleep(300);
        assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "SIGHUP does not stop the worker");
        Fetch f = cli.await("hup", Fetch::hasSettled, T);
        assertEquals("success", f.result.wire());
        assertArrayEquals(data, Files.readAllBytes(dl.resolve("data.bin")));
    }

    @Test
    void concurrentFetchesOfOneIdFromSeparateProcessesExactlyOneWins() throws Exception {
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ps.add(Proc.start(cli.home(), "fetch", "same", server.url("/data.bin"), "-d", dl.resolve("d" + i).toString()));
        }
        int wins = 0;
        int taken = 0;
        for (Process p : ps) {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            if (p.exitValue() == 0) {
                wins++;
            } else if (p.exitValue() == 4) {
                taken++;
            }
        }
        assertEquals(1, wins);
        assertEquals(5, taken);
        assertEquals(1, cli.store().active().size() + (int) cli.store().settled().stream().filter(x -> x.id.equals("same")).count());
    }

    @Test
    void fetchesFromSeparateProcessesWithNoWorkerRunningStartOneWorker() throws Exception {
        // Each fetch asks for the worker while it registers, under the spawn lock rather than the store
        // lock: still one spawn for all of them, and every fetch is downloaded.
        cli.config("worker.idle", "60s");
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            ps.add(Proc.start(cli.home(), "fetch", "f" + i, server.url("/data.bin"), "-d", dl.resolve("d" + i).toString()));
        }
        for (Process p : ps) {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), new String(p.getErrorStream().readAllBytes()));
        }
        for (int i = 0; i < 8; i++) {
            assertEquals("success", cli.await("f" + i, Fetch::hasSettled, T).result.wire());
            assertArrayEquals(data, Files.readAllBytes(dl.resolve("d" + i).resolve("data.bin")));
        }
        String log = cli.workerLog();
        assertEquals(1, log.lines().filter(l -> l.contains(" started for ")).count(), log);
        assertFalse(log.contains("another worker owns"), log);
        assertEquals(0, cli.run("worker", "--stop").code);
    }

    @Test
    void statusAndStop() throws Exception {
        Cli.Result none = cli.run("worker", "--status");
        assertTrue(none.out.startsWith("not running"), none.out);
        server.throttle("/data.bin", 100_000);
        assertEquals(0, cli.run("fetch", "s", server.url("/data.bin"), "-d", dl.toString()).code);
        cli.await("s", x -> x.downloaded > 0, T);
        Cli.Result st = cli.run("worker", "--status", "--json");
        assertTrue(st.out.contains("\"running\" : true"), st.out);
        assertEquals(0, cli.run("worker", "--stop").code);
        assertFalse(WorkerLauncher.isRunning(cli.store()));
        Fetch stopped = cli.store().find("s").orElseThrow();
        assertFalse(stopped.hasSettled(), "stopping the worker does not settle the fetch");
        assertTrue(Files.exists(dl.resolve("data.bin.part")), "partial data stays");
        server.throttle("/data.bin", 0);
        assertEquals(0, cli.run("wait", "s").code, "wait restarts the worker and the fetch completes");
        assertArrayEquals(data, Files.readAllBytes(dl.resolve("data.bin")));
    }

    @Test
    void aDamagedWorkerJsonStillLetsStatusNameThePidAndStopStopIt() throws Exception {
        server.throttle("/data.bin", 100_000);
        assertEquals(0, cli.run("fetch", "s", server.url("/data.bin"), "-d", dl.toString()).code);
        cli.await("s", x -> x.downloaded > 0, T);
        long pid = WorkerLauncher.pid(cli.store()).orElseThrow();
        // zeros where its pid was (a power loss): --stop said "did not stop within 15 s" after 3 s and left it running
        Path json = cli.home().resolve("worker.json");
        Files.write(json, new byte[(int) Math.max(70, Files.size(json))]);
        assertEquals(java.util.Optional.of(pid), dev.bgfetch.state.WorkerFiles.lockHolder(cli.home()));
        Cli.Result st = cli.run("worker", "--status", "--json");
        assertTrue(st.out.contains("\"pid\" : " + pid), st.out);
        Cli.Result stop = cli.run("worker", "--stop");
        assertEquals(0, stop.code, stop.toString());
        assertFalse(WorkerLauncher.isRunning(cli.store()));
        long end = System.nanoTime() + T.toNanos();
        while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < end) {
            Thread.sleep(20); // it ends a little after it lets go of the lock
        }
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the worker is gone");
    }

    @Test
    void aWorkerJsonNamingAnotherProcessNeverGetsThatProcessSignalled() throws Exception {
        Process bystander = new ProcessBuilder("sleep", "60").start();
        try {
            Thread.sleep(1100); // started well before the file's time, as a reused pid would be
            server.throttle("/data.bin", 100_000);
            assertEquals(0, cli.run("fetch", "s", server.url("/data.bin"), "-d", dl.toString()).code);
            cli.await("s", x -> x.downloaded > 0, T);
            long worker = WorkerLauncher.pid(cli.store()).orElseThrow();
            Path json = cli.home().resolve("worker.json");
            Files.writeString(json, Files.readString(json).replace(Long.toString(worker), Long.toString(bystander.pid())));
            // --stop sent SIGTERM to the process worker.json named and left the worker running
            assertEquals(java.util.Optional.of(worker), WorkerLauncher.pid(cli.store()));
            assertEquals(0, cli.run("worker", "--stop").code);
            assertFalse(WorkerLauncher.isRunning(cli.store()));
            assertTrue(bystander.isAlive(), "the other process was left alone");
        } finally {
            bystander.destroyForcibly();
        }
    }

    @Test
    void transfersStayWithinThePerHostLimitAndReuseConnections() throws Exception {
        List<String> args = new ArrayList<>(List.of("fetch", "many", "-d", dl.toString(), "--max-per-host", "3"));
        for (int i = 0; i < 9; i++) {
            server.file("/f" + i, TestServer.randomBytes(1000, i));
            server.delayHeaders("/f" + i, 700);
            args.add(server.url("/f" + i));
        }
        assertEquals(0, cli.run(args.toArray(new String[0])).code);
        assertEquals(0, cli.run("wait", "many").code);
        List<TestServer.Req> reqs = new ArrayList<>(server.requests());
        reqs.sort((a, b) -> Long.compare(a.nanoTime(), b.nanoTime()));
        assertEquals(9, reqs.size());
        long t0 = reqs.get(0).nanoTime();
        long inFirstWave = reqs.stream().filter(r -> r.nanoTime() - t0 < 500_000_000L).count();
        assertEquals(3, inFirstWave, "three at once to one host, not more and not fewer");
        long connections = reqs.stream().map(TestServer.Req::remotePort).distinct().count();
        assertEquals(3, connections, "three pooled keep-alive connections carried all nine requests");
        assertTrue(server.maxInFlight() <= 3, "a connection lent while its file is synced is still one of the three: "
                + server.maxInFlight());
    }

    @Test
    void aFetchWhoseRecordsAllFinishedBeforeACrashIsSettledByTheNextWorker() throws Exception {
        Files.createDirectories(dl);
        Files.write(dl.resolve("data.bin"), data);
        Fetch f = new Fetch();
        f.id = "done";
        f.dir = dl.toString();
        Rec r = new Rec();
        r.request.url = server.url("/data.bin");
        r.target = dl.resolve("data.bin").toString();
        r.total = (long) data.length;
        r.downloaded = data.length / 2; // the last flush before the kill lagged behind
        f.records.add(r);
        cli.store().register(f);
        assertEquals(0, cli.run("wait", "done").code);
        Fetch settled = cli.store().find("done").orElseThrow();
        assertEquals("success", settled.result.wire());
        assertEquals(dl.resolve("data.bin").toString(), settled.records.get(0).path);
        assertEquals(0, server.requests("/data.bin").size(), "the delivered file is recognised, not fetched again");
        assertEquals(List.of("data.bin"), List.of(dl.toFile().list()));
    }

    @Test
    void ctrlCWhileWaitingExits130AndTheFetchGoesOn() throws Exception {
        server.throttle("/data.bin", 200_000);
        assertEquals(0, cli.run("fetch", "int", server.url("/data.bin"), "-d", dl.toString()).code);
        Process wait = Proc.start(cli.home(), "wait", "int");
        cli.await("int", x -> x.downloaded > 0, T);
        Thread.sleep(300);
        new ProcessBuilder("kill", "-INT", Long.toString(wait.pid())).start().waitFor();
        assertTrue(wait.waitFor(20, TimeUnit.SECONDS));
        assertEquals(130, wait.exitValue());
        assertFalse(cli.store().find("int").orElseThrow().hasSettled(), "Ctrl-C detaches, never aborts");
        server.throttle("/data.bin", 0);
        assertEquals(0, cli.run("wait", "int").code);
        assertArrayEquals(data, Files.readAllBytes(dl.resolve("data.bin")));
    }

    @Test
    void urlsCanComeFromStandardInput() throws Exception {
        Process p = new ProcessBuilder(Proc.command(cli.home(), "fetch", "stdin", "-i", "-", "-d", dl.toString(), "--wait"))
                .start();
        p.getOutputStream().write((server.url("/data.bin") + "\n  out=from-stdin.bin\n").getBytes());
        p.getOutputStream().close();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), new String(p.getErrorStream().readAllBytes()));
        assertArrayEquals(data, Files.readAllBytes(dl.resolve("from-stdin.bin")));
    }

    void awaitRunning(boolean running) throws InterruptedException {
        long end = System.nanoTime() + T.toNanos();
        while (System.nanoTime() < end) {
            if (WorkerLauncher.isRunning(cli.store()) == running) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("worker running=" + !running + " after " + T);
    }

    static String quote(List<String> args) {
        StringBuilder b = new StringBuilder();
        for (String a : args) {
            b.append('\'').append(a.replace("'", "'\\''")).append("' ");
        }
        return b.toString();
    }
}
