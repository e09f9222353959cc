package dev.bgfetch.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.FetchResult;
import dev.bgfetch.state.Store;
import dev.bgfetch.support.Cli;
import dev.bgfetch.support.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A running worker takes up a new fetch when it is registered, not at its next timed look at the
 * store: here that look comes every ten minutes, so only the store's watch can wake it in time.
 */
class WorkerWakeTest {
    @TempDir
    Path tmp;

    /** Runs the worker on a thread of this JVM; returns once it holds the store's lock. */
    private static Thread start(Worker worker, Store store) throws InterruptedException {
        Thread loop = new Thread(() -> {
            try {
                worker.run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "test-worker");
        loop.start();
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!WorkerLauncher.isRunning(store) && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        return loop;
    }

    @Test
    void aWorkerWhoseLockFileWasDeletedLeaves() throws Exception {
        try (Cli cli = new Cli(tmp)) {
            cli.config("worker.idle", "10m");
            Store store = cli.store();
            Worker worker = new Worker(store, Setting.Values.load(store.home(), Map.of()));
            Thread loop = start(worker, store);
            try {
                // as `rm -rf` of the store leaves it: the next command would start a worker of its own
                Files.delete(store.home().resolve("worker.lock"));
                loop.join(15_000);
                assertFalse(loop.isAlive(), "the worker left the store");
            } finally {
                worker.stopAndWait();
                loop.join(10_000);
            }
        }
    }

    @Test
    void aRegistrationWakesARunningWorker() throws Exception {
        byte[] data = TestServer.randomBytes(70_000, 5);
        try (TestServer server = TestServer.start(); Cli cli = new Cli(tmp)) {
            server.file("/a.bin", data);
            cli.config("worker.idle", "10m");
            Store store = cli.store();
            Worker worker = new Worker(store, Setting.Values.load(store.home(), Map.of()), 600_000);
            Thread loop = start(worker, store);
            try {
                Thread.sleep(300); // past the worker's first look at the store
                Path dir = tmp.resolve("dl");
                Cli.Result r = cli.run("fetch", "a", server.url("/a.bin"), "-d", dir.toString());
                assertEquals(0, r.code, r.toString());
                Fetch f = cli.await("a", Fetch::hasSettled, Duration.ofSeconds(60));
                assertEquals(FetchResult.SUCCESS, f.result, f.failureReason.wire());
                assertArrayEquals(data, Files.readAllBytes(dir.resolve("a.bin")));
            } finally {
                worker.stopAndWait();
                loop.join(10_000);
            }
        }
    }
}
