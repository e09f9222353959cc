package dev.bgfetch.worker;

import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.StateException;
import dev.bgfetch.state.RecordResult;
import dev.bgfetch.state.Store;
import dev.bgfetch.state.StoreWatch;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The detached worker: one per store (an OS lock on {@code worker.lock}), it runs the loop that picks
 * up registered fetches, lets the {@link Scheduler} start their records, persists progress a few times
 * a second, lets the {@link Settler} end them, and exits when idle.
 *
 * <p>All run state (the runs, their records, names, connection slots) is owned by the one loop thread,
 * and so are the helpers it hands it to; transfer and hook threads report back only through
 * {@link #events}, which the loop drains first on every turn.
 */
public final class Worker {
    /**
     * How often the store is checked for paused, resumed and aborted fetches (a stat per file); a new
     * fetch wakes the loop at once through {@link StoreWatch} where the file system can tell.
     */
    private static final long SYNC_MS = 25;
    private static final long FLUSH_MS = 250;
    /** How often the worker makes sure the lock file it holds is still the store's (a stat). */
    private static final long LOCK_CHECK_MS = 1000;

    private final Store store;
    private final BlockingQueue<Runnable> events = new LinkedBlockingQueue<>();
    private final Map<String, FetchRun> runs = new LinkedHashMap<>();
    private final CountDownLatch finished = new CountDownLatch(1);
    /** Its threads start with the first task, after the worker lock is ours. */
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "bgfetch-transfer");
        t.setDaemon(true);
        return t;
    });
    private final Slots slots;
    private final Names names;
    private final Engines engines;
    private final StoreSync storeSync;
    private final Transfers transfers;
    private final Scheduler scheduler;
    private final Settler settler;
    private volatile boolean stopRequested;
    /** The identity of the lock file this worker locked (see {@link #stillOurs}). */
    private Object lockKey;
    /** Loop thread: the store changed (or the loop just began), so look before waiting again. */
    private boolean lookNow = true;

    private final long idleMs;
    private final long syncMs;
    private final boolean fsync;
    private final long logMax;

    public Worker(Store store, Setting.Values settings) {
        this(store, settings, SYNC_MS);
    }

    /** With the store looked at every {@code syncMs} when nothing wakes the loop (tests lengthen it). */
    Worker(Store store, Setting.Values settings, long syncMs) {
        this.store = store;
        this.syncMs = syncMs;
        this.idleMs = settings.duration(Setting.IDLE_EXIT).toMillis();
        this.fsync = settings.bool(Setting.FSYNC);
        this.logMax = settings.size(Setting.LOG_MAX);
        this.slots = new Slots(Math.max(1, settings.integer(Setting.MAX_CONNECTIONS)),
                Math.max(1, settings.integer(Setting.MAX_PER_HOST)));
        this.names = new Names(store);
        this.engines = new Engines(settings, slots.maxTotal, slots.maxPerHost);
        Delivery delivery = new Delivery(store, names, fsync);
        this.storeSync = new StoreSync(store, delivery);
        this.transfers = new Transfers(store, settings, pool, events, slots, engines, delivery, runs);
        this.scheduler = new Scheduler(store, settings, runs, slots, names, storeSync, transfers);
        this.settler = new Settler(store, settings, runs, storeSync, names, pool, events);
    }

    /** Runs until idle or stopped; returns 0, also when another worker already owns the store. */
    public int run() throws IOException {
        try (FileChannel lockChannel = store.workerFiles().openLock()) {
            FileLock lock = acquire(lockChannel);
            if (lock == null) {
                Log.info("another worker owns " + store.home() + "; exiting");
                WorkerLauncher.clearSpawn(store, ProcessHandle.current().pid());
                return 0;
            }
            lockKey = store.workerFiles().lockIdentity();
            store.workerFiles().writeStarted(ProcessHandle.current().pid());
            Log.keepSmall(store.workerFiles().log(), logMax);
            Log.info("worker " + ProcessHandle.current().pid() + " started for " + store.home());
            // Started: the spawn record must go now, or a command registering while this JVM exits
            // (after it gave up the lock) takes it for a worker still starting and spawns none.
            store.workerFiles().spawnLocked(() -> {
                WorkerLauncher.clearSpawn(store, ProcessHandle.current().pid());
                return null;
            });
            store.workerStarting();
            Runtime.getRuntime().addShutdownHook(new Thread(this::stopAndWait, "bgfetch-shutdown"));
            dev.bgfetch.http.CryptoLibrary.reportTo(Log::info);
            engines.start(pool);
            StoreWatch watch = store.watch();
            try {
                watchStore(watch);
                loop(lock);
            } finally {
                shutdown();
                finished.countDown();
                watch.close();
            }
            return 0;
        }
    }

    /**
     * Retries briefly: a client probing whether a worker runs holds the lock for an instant, and a
     * freshly spawned worker must not mistake that probe for another worker.
     */
    private static FileLock acquire(FileChannel ch) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        do {
            FileLock l = ch.tryLock();
            if (l != null) {
                return l;
            }
            sleep(25);
        } while (System.nanoTime() < deadline);
        return null;
    }

    /**
     * Wakes the loop when a fetch is registered (or settled, or forgotten) by another process, from a
     * thread of its own: the loop itself waits on {@link #events}.
     */
    private void watchStore(StoreWatch watch) {
        if (!watch.watching()) {
            return;
        }
        Thread t = new Thread(() -> {
            try {
                while (finished.getCount() > 0) {
                    if (watch.await(60_000)) {
                        events.add(() -> lookNow = true);
                    }
                }
            } catch (InterruptedException e) {
                // the JVM is exiting
            }
        }, "bgfetch-store-watch");
        t.setDaemon(true);
        t.start();
    }

    private void loop(FileLock lock) {
        store.finishInterruptedSettles();
        settler.dropStaleHookRecords();
        store.dropAbandonedRegistrations();
        settler.startPendingHooks();
        long lastSync = 0;
        long lastFlush = 0;
        long lastLockCheck = System.currentTimeMillis();
        long idleSince = System.currentTimeMillis();

        while (!stopRequested) {
            try {
                Runnable ev = events.poll(lookNow ? 0 : 50, TimeUnit.MILLISECONDS);
                while (ev != null) {
                    ev.run();
                    ev = events.poll();
                }
                long now = System.currentTimeMillis();
                if (lookNow || now - lastSync >= syncMs) {
                    lookNow = false;
                    sync();
                    lastSync = now;
                }
                scheduler.schedule(now);
                settler.settleFinished();
                if (now - lastFlush >= FLUSH_MS) {
                    flush();
                    lastFlush = now;
                }
                if (now - lastLockCheck >= LOCK_CHECK_MS) {
                    lastLockCheck = now;
                    if (!stillOurs()) {
                        return;
                    }
                }
                boolean busy = slots.running() > 0 || settler.hooksRunning() > 0
                        || runs.values().stream().anyMatch(r -> !r.paused);
                if (busy) {
                    idleSince = now;
                } else if (now - idleSince >= idleMs && retire(lock)) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                Log.info("error in the worker loop: " + e);
                sleep(200);
            }
        }
    }

    /**
     * Whether the lock file this worker holds is still the one at the store's name. The store (or its
     * worker.lock) deleted under a running worker would otherwise leave it running on the path while
     * the next command, finding no lock on the new file, starts a second one on the same fetches.
     */
    private boolean stillOurs() {
        if (lockKey == null || Objects.equals(store.workerFiles().lockIdentity(), lockKey)) {
            return true;
        }
        Log.info("the store's worker.lock was deleted or replaced; leaving the store to a new worker");
        return false;
    }

    /** Gives up the worker lock only if nothing arrived meanwhile, under the store lock (see class doc of Store). */
    private boolean retire(FileLock lock) {
        return store.locked(() -> {
            if (!store.retireIfIdle()) {
                // A fetch aborted before this worker ever saw it still owes its hook; nothing else runs it.
                settler.startPendingHooks();
                return false;
            }
            Log.info("idle; exiting");
            lock.release();
            return true;
        });
    }

    // ------------------------------------------------------------------ store → runs

    /** Takes in what changed in the store: new fetches become runs, known ones see pauses and resumes, gone ones stop. */
    private void sync() {
        StoreSync.Changes changes = storeSync.read(runs::containsKey);
        for (String w : store.warnings()) {
            Log.info("warning: " + w); // a damaged state file set aside: said nowhere else
        }
        store.warnings().clear();
        for (Fetch f : changes.changed().values()) {
            FetchRun r = runs.get(f.key);
            if (r == null) {
                r = new FetchRun(f);
                recover(r);
                for (RecordRun j : r.records) {
                    Segments.resume(j, store);
                }
                runs.put(f.key, r);
                r.records.forEach(names::hold);
                Log.info("picked up '" + f.id + "' (" + f.records.size() + " records)");
                continue;
            }
            r.observe(f);
        }
        for (FetchRun r : new ArrayList<>(runs.values())) {
            if (!changes.active().contains(r.key)) {
                if (!r.stopping) {
                    stopGone(r);
                }
                if (r.running() == 0) {
                    settler.retireGone(r);
                }
            }
        }
    }

    /**
     * A record delivered just before a crash has its final file, whole, and no .part, or a .part that
     * is the same file (killed between the rename's link and its unlink: the .part name goes).
     */
    private void recover(FetchRun r) {
        for (RecordRun j : r.records) {
            if (j.isDone() || j.target == null || j.total == null) {
                continue;
            }
            try {
                // The persisted byte count may lag the rename by one flush, so the file's size decides.
                // A link at either name proves nothing about what this record wrote (SPEC §4.7).
                BasicFileAttributes done = attributes(j.target);
                if (done == null || !done.isRegularFile() || done.size() != j.total) {
                    continue;
                }
                Path part = Naming.part(j.target);
                BasicFileAttributes left = attributes(part);
                if (left != null && !(left.isRegularFile() && Objects.equals(left.fileKey(), done.fileKey()))) {
                    continue;
                }
                if (left != null) {
                    Files.delete(part);
                }
                j.recovered();
                r.dirty = true;
                Log.info("'" + r.fetch.id + "' #" + j.index + " " + RecordResult.SUCCESS
                        + ": delivered to " + j.target + " before the last worker stopped");
            } catch (IOException e) {
                // leave it to the transfer
            }
        }
    }

    /** The attributes of what is at {@code p}, a link itself rather than its target; null if nothing is. */
    private static BasicFileAttributes attributes(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        }
    }

    /**
     * A run whose fetch left the active fetches without being settled here: aborted (it is settled
     * now), or found damaged and set aside in broken/, or unreadable, which are no abort: what it
     * downloaded stays.
     */
    private void stopGone(FetchRun r) {
        if (!store.isSettled(r.key)) {
            r.lost = true;
            Log.info("'" + r.fetch.id + "': its state files " + (store.setAside(r.key)
                    ? "were damaged and set aside in " + store.home().resolve("broken")
                    : "can no longer be read") + "; its transfers stop, its partial files stay");
        }
        r.stop();
    }

    // ------------------------------------------------------------------ runs → store

    private void flush() {
        long now = System.currentTimeMillis();
        for (FetchRun r : new ArrayList<>(runs.values())) {
            if (!r.dirty && r.running() == 0) {
                continue;
            }
            for (RecordRun j : r.runningRecords()) {
                if (j.segments != null && j.segments.live > 0) {
                    j.segments.saveLater(store, fsync, pool);
                }
            }
            // Only what changed is written (storeSync lines, a small summary, the progress file in
            // place), so a group of any size is flushed four times a second.
            if (now - r.lastFlush < FLUSH_MS) {
                continue;
            }
            r.lastFlush = now;
            r.dirty = false;
            try {
                Optional<Fetch> stored = storeSync.persist(r, f -> { });
                if (stored.isEmpty() && !r.stopping) {
                    stopGone(r);
                }
            } catch (StateException e) {
                r.dirty = true;
                Log.info("cannot save progress of '" + r.fetch.id + "': " + e.getMessage());
            }
        }
    }

    // ------------------------------------------------------------------ stopping

    /** Asks the loop to stop, as SIGTERM does, and waits for it to save progress and end. */
    void stopAndWait() {
        stopRequested = true;
        events.add(() -> { });
        try {
            finished.await(8, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops every transfer (keeping partial data), saves progress, and closes the client. */
    private void shutdown() {
        for (FetchRun r : runs.values()) {
            r.cancelTransfers();
        }
        long deadline = System.currentTimeMillis() + 5000;
        while (slots.running() > 0 && System.currentTimeMillis() < deadline) {
            try {
                Runnable ev = events.poll(50, TimeUnit.MILLISECONDS);
                if (ev != null) {
                    ev.run();
                }
            } catch (InterruptedException e) {
                break;
            }
        }
        for (FetchRun r : runs.values()) {
            for (RecordRun j : r.records) {
                if (j.segments != null && !j.isDone()) {
                    j.segments.saveOnStop(store, fsync);
                }
            }
        }
        try {
            flush();
        } catch (RuntimeException e) {
            Log.info("cannot save progress on exit: " + e);
        }
        engines.close();
        pool.shutdownNow();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String version() {
        String v = Worker.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
