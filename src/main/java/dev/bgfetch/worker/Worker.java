package dev.bgfetch.worker;

import dev.bgfetch.http.HttpEngine;
import dev.bgfetch.http.Outcome;
import dev.bgfetch.http.Transfer;
import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.IoReason;
import dev.bgfetch.state.Rec;
import dev.bgfetch.state.SegmentMap;
import dev.bgfetch.state.StateException;
import dev.bgfetch.state.Store;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The detached worker: one per store (an OS lock on {@code worker.lock}), it picks up registered
 * fetches, runs their records within the connection limits, persists progress a few times a second,
 * settles each fetch with its typed result, runs its hook, and exits when idle.
 *
 * <p>All run state is owned by one loop thread; transfer threads report back through {@link #events}.
 */
public final class Worker {
    /** How often the store is checked for new, paused, resumed and aborted fetches (a stat per file). */
    private static final long SYNC_MS = 25;
    private static final long FLUSH_MS = 250;
    /**
     * How many queued records get their names reserved along with one that starts. Each reservation
     * batch is a state write on the loop thread, so a whole group is reserved at once (measured on
     * 1000 x 64 KiB: see bench/RESULTS.md).
     */
    private static final int RESERVE_AHEAD = 100_000;

    private final Store store;
    private final Setting.Values settings;
    private final BlockingQueue<Runnable> events = new LinkedBlockingQueue<>();
    private final Map<String, FetchRun> runs = new LinkedHashMap<>();
    private final Set<Path> reserved = ConcurrentHashMap.newKeySet();
    private final Map<String, Integer> hostRunning = new HashMap<>();
    private final CountDownLatch finished = new CountDownLatch(1);
    private final HookRunner hooks;
    private final Notifier notifier;
    private ExecutorService pool;
    /** Built on another thread at start (TLS and pool set-up take a few hundred ms), awaited by the first transfer. */
    private java.util.concurrent.Future<HttpEngine> engine;
    /** The limit-rate setting: one bucket for every transfer of the worker; null = unlimited. */
    private final dev.bgfetch.http.RateLimit workerRate;
    /** Engines of fetches with their own --ca-certificate or proxies, by both (loop thread only). */
    private final Map<String, HttpEngine> caEngines = new java.util.HashMap<>();
    /** What an engine is made with, for the per-fetch ones. */
    private java.time.Duration connectTimeout;
    private java.time.Duration stallTimeout;
    private java.nio.file.Path settingCa;
    private int running;
    private int hooksRunning;
    private volatile boolean stopRequested;

    private final int maxTotal;
    private final int maxPerHost;
    private final long idleMs;
    private final long retryCapMs;
    private final int statusRetries;
    private final long minFree;
    private final boolean fsync;
    private final int split;
    private final long minSplitSize;

    public Worker(Store store, Setting.Values settings) {
        this.store = store;
        this.settings = settings;
        this.maxTotal = Math.max(1, settings.integer(Setting.MAX_CONNECTIONS));
        this.maxPerHost = Math.max(1, settings.integer(Setting.MAX_PER_HOST));
        this.idleMs = settings.duration(Setting.IDLE_EXIT).toMillis();
        this.retryCapMs = Math.max(100, settings.duration(Setting.RETRY_MAX_DELAY).toMillis());
        this.statusRetries = settings.integer(Setting.STATUS_RETRIES);
        this.minFree = settings.size(Setting.MIN_FREE);
        long rate = settings.size(Setting.LIMIT_RATE);
        this.workerRate = rate > 0 ? new dev.bgfetch.http.RateLimit(rate) : null;
        this.fsync = settings.bool(Setting.FSYNC);
        this.split = Math.max(1, settings.integer(Setting.SPLIT));
        this.minSplitSize = Math.max(1, settings.size(Setting.MIN_SPLIT_SIZE));
        this.hooks = new HookRunner(store, settings.duration(Setting.HOOK_TIMEOUT));
        this.notifier = Notifier.of(settings.bool(Setting.NOTIFY), System.getenv());
    }

    /** Runs until idle or stopped; returns 0, also when another worker already owns the store. */
    public int run() throws IOException {
        try (FileChannel lockChannel = store.openLockFile("worker.lock")) {
            FileLock lock = acquire(lockChannel);
            if (lock == null) {
                Log.info("another worker owns " + store.home() + "; exiting");
                WorkerLauncher.clearSpawn(store, ProcessHandle.current().pid());
                return 0;
            }
            store.writeFile("worker.json", Map.of(
                    "schema", Store.SCHEMA, "pid", ProcessHandle.current().pid(), "started", Instant.now().toString()));
            Log.info("worker " + ProcessHandle.current().pid() + " started for " + store.home());
            // Started: the spawn record must go now, or a command registering while this JVM exits
            // (after it gave up the lock) takes it for a worker still starting and spawns none.
            store.locked(() -> {
                WorkerLauncher.clearSpawn(store, ProcessHandle.current().pid());
                return null;
            });
            Runtime.getRuntime().addShutdownHook(new Thread(this::stopAndWait, "bgfetch-shutdown"));
            pool = Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "bgfetch-transfer");
                t.setDaemon(true);
                return t;
            });
            java.time.Duration connect = settings.duration(Setting.CONNECT_TIMEOUT);
            java.time.Duration stall = settings.duration(Setting.STALL_TIMEOUT);
            java.nio.file.Path ca = settings.path(Setting.CA_CERTIFICATE);
            connectTimeout = connect;
            stallTimeout = stall;
            settingCa = ca;
            engine = pool.submit(() -> HttpEngine.create(maxTotal, maxPerHost, connect, stall, "bgfetch/" + version(), ca));
            try {
                loop(lock);
            } finally {
                shutdown();
                finished.countDown();
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

    private void loop(FileLock lock) {
        store.finishInterruptedSettles();
        for (Fetch f : store.settled()) {
            if (f.pendingHook() != null) {
                startHook(f);
            }
        }
        long lastSync = 0;
        long lastFlush = 0;
        long idleSince = System.currentTimeMillis();

        while (!stopRequested) {
            try {
                Runnable ev = events.poll(50, TimeUnit.MILLISECONDS);
                while (ev != null) {
                    ev.run();
                    ev = events.poll();
                }
                long now = System.currentTimeMillis();
                if (now - lastSync >= SYNC_MS) {
                    sync();
                    lastSync = now;
                }
                schedule(now);
                settleFinished();
                if (now - lastFlush >= FLUSH_MS) {
                    flush();
                    lastFlush = now;
                }
                boolean busy = running > 0 || hooksRunning > 0
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

    /** Gives up the worker lock only if nothing arrived meanwhile, under the store lock (see class doc of Store). */
    private boolean retire(FileLock lock) {
        return store.locked(() -> {
            if (store.needsWorker()) {
                // A fetch aborted before this worker ever saw it still owes its hook; nothing else runs it.
                for (Fetch f : store.settled()) {
                    if (f.pendingHook() != null) {
                        startHook(f);
                    }
                }
                return false;
            }
            Log.info("idle; exiting");
            lock.release();
            return true;
        });
    }

    // ------------------------------------------------------------------ store → runs

    /**
     * Writes through the store and remembers the stamp of our own write, taken under the same lock,
     * so the next sync does not parse back what we just wrote, yet still sees anyone else's change:
     * if the file changed since sync last read it (a pause, a resume), the stamp is left alone, or
     * that change would be mistaken for ours and never acted on.
     */
    private Optional<Fetch> write(String key, Store.RunChange change) {
        return store.locked(() -> {
            boolean onlyOurs = Objects.equals(store.activeStamp(key), seen.get(key));
            Optional<Fetch> stored = store.recordChanges(key, change);
            String stamp = store.activeStamp(key);
            if (stamp != null && seen.containsKey(key) && onlyOurs) {
                seen.put(key, stamp);
            }
            return stored;
        });
    }

    /**
     * Stores the run's changes, then publishes its byte counts. Finished bodies are renamed to their
     * final names here, under the store lock and only while the fetch is still active, and their
     * success is journaled (fsynced) in the same step: an abort (which takes the same lock) either
     * sees the record succeeded or finds no final file (its .part is then deleted with the other
     * unfinished ones). {@code then} may settle the fetch; all records are then stored whole.
     */
    private Optional<Fetch> persist(FetchRun r, java.util.function.Consumer<Fetch> then) {
        Optional<Fetch> stored = write(r.key, s -> {
            boolean wasActive = s.isActive();
            if (wasActive) {
                deliverFinished(r);
            }
            List<Rec> changed = r.applyTo(s);
            then.accept(s);
            return wasActive && s.hasSettled() ? r.fetch.records : changed;
        });
        stored.filter(Fetch::isActive).ifPresent(f -> {
            store.publishProgress(r.key, f.downloaded, f.speed, r.perRecord());
            observe(r, f);
        });
        return stored;
    }

    /** Active keys → the file stamps last parsed; a file whose stamp is unchanged is not read again. */
    private final Map<String, String> seen = new HashMap<>();

    private void sync() {
        Map<String, String> stamps = store.activeStamps();
        Map<String, Fetch> changed = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : new ArrayList<>(stamps.entrySet())) {
            String key = e.getKey();
            if (!e.getValue().equals(seen.get(key))) {
                // A new fetch is read whole once; a known one only by its summary (pause, resume, abort).
                Optional<Fetch> got = runs.containsKey(key) ? store.summary(key) : store.byKey(key);
                if (got.isPresent() && got.get().hasSettled()) {
                    stamps.remove(key); // settled, its move to settled/ cut short by a crash: gone for us
                } else {
                    got.ifPresent(f -> changed.put(f.key, f));
                }
                seen.put(key, e.getValue());
            }
        }
        seen.keySet().retainAll(stamps.keySet());
        for (Fetch f : changed.values()) {
            FetchRun r = runs.get(f.key);
            if (r == null) {
                r = new FetchRun(f);
                recover(r);
                for (RecordJob j : r.jobs) {
                    Segments.resume(j, store);
                }
                runs.put(f.key, r);
                for (RecordJob j : r.jobs) {
                    if (j.target != null && !j.isDone()) {
                        reserved.add(j.target);
                    }
                }
                Log.info("picked up '" + f.id + "' (" + f.records.size() + " records)");
                continue;
            }
            observe(r, f);
        }
        for (FetchRun r : new ArrayList<>(runs.values())) {
            if (!stamps.containsKey(r.key)) {
                if (!r.stopping) {
                    r.stopping = true;
                    cancelAll(r);
                }
                if (r.running() == 0) {
                    retireGone(r);
                }
            }
        }
    }

    /** Takes in the stored summary of a running fetch: a pause stops its transfers at once, a resume lets them go. */
    private void observe(FetchRun r, Fetch f) {
        r.fetch.state = f.state;
        boolean paused = Fetch.PAUSED.equals(f.state);
        if (paused && !r.paused) {
            r.paused = true;
            Log.info("pausing '" + f.id + "'");
            cancelAll(r);
        } else if (!paused && r.paused) {
            r.paused = false;
            Log.info("resuming '" + f.id + "'");
            r.jobs.forEach(j -> j.notBefore = 0);
        }
    }

    /** A record delivered just before a crash has no .part but its final file, whole. */
    private void recover(FetchRun r) {
        for (RecordJob j : r.jobs) {
            if (j.isDone() || j.target == null) {
                continue;
            }
            try {
                // The persisted byte count may lag the rename by one flush, so the file's size decides.
                // A link at either name proves nothing about what this record wrote (SPEC §4.7).
                if (!Files.exists(Naming.part(j.target), LinkOption.NOFOLLOW_LINKS)
                        && Files.isRegularFile(j.target, LinkOption.NOFOLLOW_LINKS) && j.total != null
                        && Files.readAttributes(j.target, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).size()
                        == j.total) {
                    j.phase = RecordJob.Phase.DONE;
                    j.result = Rec.SUCCESS;
                    j.path = j.target;
                    r.dirty = true;
                }
            } catch (IOException e) {
                // leave it to the transfer
            }
        }
    }

    /** The fetch left the active set without us: aborted (drop its partial data, run its hook) or forgotten. */
    private void retireGone(FetchRun r) {
        runs.remove(r.key);
        forgetSegments(r);
        Optional<Fetch> now = store.byKey(r.key);
        for (RecordJob j : r.jobs) {
            if (j.target != null) {
                reserved.remove(j.target);
            }
        }
        if (now.isPresent() && "aborted".equals(now.get().failureReason)) {
            Parts.deleteUnfinished(now.get());
            Log.info("'" + now.get().id + "' was aborted");
        }
        now.filter(f -> f.pendingHook() != null).ifPresent(this::startHook);
    }

    // ------------------------------------------------------------------ scheduling

    private void schedule(long now) {
        if (running >= maxTotal) {
            return;
        }
        List<RecordJob> start = new ArrayList<>();
        int planned = running;
        outer:
        for (FetchRun r : runs.values()) {
            if (r.paused || r.stopping) {
                continue;
            }
            int rMax = r.fetch.options.maxConnections == null ? Integer.MAX_VALUE : r.fetch.options.maxConnections;
            int rPerHost = r.fetch.options.maxPerHost == null ? Integer.MAX_VALUE : r.fetch.options.maxPerHost;
            int rRunning = (int) r.running();
            Map<String, Integer> rHosts = new HashMap<>();
            for (RecordJob j : r.jobs) {
                if (j.phase == RecordJob.Phase.RUNNING) {
                    rHosts.merge(j.host, j.connections(), Integer::sum);
                }
            }
            for (RecordJob j : r.jobs) {
                if (planned >= maxTotal) {
                    break outer;
                }
                if (rRunning >= rMax) {
                    break;
                }
                if (j.phase != RecordJob.Phase.QUEUED || j.notBefore > now) {
                    continue;
                }
                if (hostRunning.getOrDefault(j.host, 0) >= maxPerHost || rHosts.getOrDefault(j.host, 0) >= rPerHost) {
                    continue;
                }
                j.phase = RecordJob.Phase.RUNNING;
                hostRunning.merge(j.host, 1, Integer::sum);
                rHosts.merge(j.host, 1, Integer::sum);
                rRunning++;
                planned++;
                running++;
                start.add(j);
            }
        }
        if (start.isEmpty()) {
            splitMore(now);
            return;
        }
        // Reserve final names and make the reservations durable before the first byte, so a crash
        // never leaves a .part that no record owns. Names are reserved for the queued records too,
        // so a group of many small files costs one state write, not one per file.
        Map<FetchRun, Boolean> toPersist = new LinkedHashMap<>();
        for (RecordJob j : start) {
            if (j.target == null) {
                reserveTarget(j);
                if (toPersist.put(j.run, true) == null) {
                    int ahead = RESERVE_AHEAD;
                    for (RecordJob next : j.run.jobs) {
                        if (ahead == 0) {
                            break;
                        }
                        if (next.phase == RecordJob.Phase.QUEUED && next.target == null) {
                            reserveTarget(next);
                            ahead--;
                        }
                    }
                }
            }
        }
        for (FetchRun r : toPersist.keySet()) {
            Optional<Fetch> stored = persist(r, f -> { });
            if (stored.isEmpty() || stored.get().hasSettled()) {
                r.stopping = true;
            }
            r.dirty = false;
        }
        adoptable = null;
        for (RecordJob j : start) {
            // The write above may have brought a pause (or an abort) made since the last sync.
            if (j.run.stopping || j.run.paused) {
                finishedTransfer(j, Outcome.of(Outcome.Kind.CANCELLED, "stopped"));
            } else {
                launch(j);
            }
        }
        splitMore(now);
    }

    /**
     * Gives connections still free (within the total, per-host and per-fetch limits) to running
     * records that may be fetched in segments: first to their segments waiting to be restarted,
     * then by splitting the largest unclaimed rest (aria2's work stealing).
     */
    private void splitMore(long now) {
        for (FetchRun r : runs.values()) {
            if (r.paused || r.stopping) {
                continue;
            }
            int rMax = r.fetch.options.maxConnections == null ? Integer.MAX_VALUE : r.fetch.options.maxConnections;
            int rPerHost = r.fetch.options.maxPerHost == null ? Integer.MAX_VALUE : r.fetch.options.maxPerHost;
            int limit = r.fetch.options.split == null ? split : r.fetch.options.split;
            long min = r.fetch.options.minSplitSize == null ? minSplitSize : r.fetch.options.minSplitSize;
            for (RecordJob j : r.jobs) {
                Segments s = j.segments;
                if (s == null || j.phase != RecordJob.Phase.RUNNING || s.verifying || s.live == 0) {
                    continue;
                }
                long rRunning = r.running();
                int rHost = 0;
                for (RecordJob o : r.jobs) {
                    if (o.phase == RecordJob.Phase.RUNNING && o.host.equals(j.host)) {
                        rHost += o.connections();
                    }
                }
                List<Segments.Piece> go = new ArrayList<>();
                while (running + go.size() < maxTotal && hostRunning.getOrDefault(j.host, 0) + go.size() < maxPerHost
                        && rRunning + go.size() < rMax && rHost + go.size() < rPerHost && s.live + go.size() < limit) {
                    Segments.Piece p = s.idle(now, go);
                    if (p == null && !j.noSplit) {
                        p = s.split(min);
                    }
                    if (p == null) {
                        break;
                    }
                    go.add(p);
                }
                if (go.isEmpty()) {
                    continue;
                }
                if (s.needsSave()) {
                    try {
                        s.saveNow(store, fsync);
                        Log.info("'" + r.fetch.id + "' #" + j.index + " in " + s.pieces.size() + " segments");
                    } catch (IOException e) {
                        // Without the map a crash would leave a sparse .part taken for a whole prefix.
                        Log.info("cannot save the segments of '" + r.fetch.id + "' #" + j.index + ": " + IoReason.of(e));
                        j.noSplit = true;
                        continue;
                    }
                }
                for (Segments.Piece p : go) {
                    running++;
                    hostRunning.merge(j.host, 1, Integer::sum);
                    startTransfer(j, p);
                }
            }
        }
    }

    private void reserveTarget(RecordJob j) {
        Rec rec = j.run.fetch.records.get(j.index);
        String name = rec.out != null ? Naming.sanitize(rec.out) : Naming.fromUrl(j.url);
        j.target = Naming.choose(Path.of(j.run.fetch.dir), name, reserved, t -> adopt(j, t));
        reserved.add(j.target);
    }

    /** Settled records whose .part was kept for a resume (quota-exceeded), read once per scheduling pass. */
    private List<Rec> adoptable;

    /**
     * Takes over the .part a settled quota-exceeded record of the same URL left at {@code target}: its
     * validators and total come along, so the transfer resumes with Range and If-Range (a changed
     * resource gets a 200 and starts over, as for any resume).
     */
    private boolean adopt(RecordJob j, Path target) {
        if (adoptable == null) {
            adoptable = new ArrayList<>();
            for (Fetch f : store.settledWithRecords()) {
                for (Rec r : f.records) {
                    if (Rec.QUOTA_EXCEEDED.equals(r.result) && r.target != null
                            && (r.etag != null || r.lastModified != null)) {
                        adoptable.add(r);
                    }
                }
            }
        }
        long size;
        try {
            BasicFileAttributes a = Files.readAttributes(Naming.part(target), BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            if (!a.isRegularFile()) {
                return false;
            }
            size = a.size();
        } catch (IOException e) {
            return false;
        }
        for (int i = adoptable.size() - 1; i >= 0; i--) {
            Rec r = adoptable.get(i);
            if (r.target.equals(target.toString()) && r.request.url.equals(j.url.toString())
                    && (r.total == null || size <= r.total)) {
                j.etag = r.etag;
                j.lastModified = r.lastModified;
                j.total = r.total;
                j.downloaded.set(size);
                j.run.group.addAndGet(size);
                adoptable.remove(i);
                Log.info("'" + j.run.fetch.id + "' #" + j.index + " resumes the " + size + " bytes kept in "
                        + Naming.part(target));
                return true;
            }
        }
        return false;
    }

    private void launch(RecordJob j) {
        FetchRun r = j.run;
        int limit = r.fetch.options.split == null ? split : r.fetch.options.split;
        if (j.segments == null && !j.noSplit && limit > 1) {
            j.segments = Segments.fresh(j);
        }
        Segments s = j.segments;
        if (s == null) {
            startTransfer(j, null);
        } else if (s.allComplete()) {
            verify(j); // stopped (a pause) just as its last segment ended
        } else {
            Segments.Piece p = s.idle(Long.MAX_VALUE, List.of());
            startTransfer(j, p);
        }
    }

    /** The finish step of a record fetched in segments: whole length and checksum, on a pool thread. */
    private void verify(RecordJob j) {
        j.segments.verifying = true;
        Transfer t = new Transfer(null, transferJob(j), j);
        long total = j.total == null ? -1 : j.total;
        pool.execute(() -> {
            Outcome o = t.verify(total);
            Object partKey = t.partKey();
            events.add(() -> {
                j.segments.verifying = false;
                j.partKey = partKey;
                finishedTransfer(j, o);
            });
        });
    }

    private Transfer.Job transferJob(RecordJob j) {
        Rec rec = j.run.fetch.records.get(j.index);
        Transfer.Job tj = new Transfer.Job();
        tj.url = j.url;
        tj.headers = rec.request.headers;
        tj.part = Naming.part(j.target);
        tj.knownTotal = j.total == null ? -1 : j.total;
        tj.etag = j.etag;
        tj.lastModified = j.lastModified;
        tj.checksum = rec.checksum;
        tj.rateLimit = j.run.rateLimit;
        tj.workerRateLimit = workerRate;
        // What the server said of the whole file, for the finish step of segments (RFC 9530 digests).
        if (j.response != null) {
            tj.serverDigests = dev.bgfetch.http.Digests.fromResponse(j.response.status, j.response.headers);
        } else if (rec.response != null) {
            tj.serverDigests = dev.bgfetch.http.Digests.fromResponse(rec.response.status, rec.response.headers);
        }
        tj.minFree = minFree;
        tj.fsync = fsync;
        return tj;
    }

    /** Starts one transfer of {@code j}: the whole file, or the segment {@code p}. */
    private void startTransfer(RecordJob j, Segments.Piece p) {
        Transfer.Job tj = transferJob(j);
        tj.segment = p == null ? null : p.range;
        Transfer t;
        try {
            t = new Transfer(engine(j.run.fetch.options), tj, p == null ? j : j.segments.listener(p));
        } catch (IllegalStateException e) {
            finishedTransfer(j, Outcome.of(Outcome.Kind.FETCH_ERROR, e.getMessage()));
            return;
        }
        if (p == null) {
            j.transfer = t;
        } else {
            if (j.segments.live == 0) {
                j.downloadedAtLaunch = j.downloaded.get();
            }
            j.segments.launched(p, t);
        }
        if (p == null) {
            j.downloadedAtLaunch = j.downloaded.get();
        }
        pool.execute(() -> {
            Outcome o;
            try {
                o = t.run();
            } catch (RuntimeException e) {
                o = Outcome.of(Outcome.Kind.FETCH_ERROR, "internal error: " + e);
            }
            Outcome outcome = o;
            Object partKey = t.partKey();
            events.add(() -> {
                j.partKey = partKey;
                if (p == null) {
                    finishedTransfer(j, outcome);
                } else {
                    finishedPiece(j, p, outcome);
                }
            });
        });
    }

    /** One segment's transfer is back; the record's own outcome waits for its last one. */
    private void finishedPiece(RecordJob j, Segments.Piece p, Outcome o) {
        Segments s = j.segments;
        Outcome last = s.finished(p, o, System.currentTimeMillis(), this::backoff);
        if (last == null) {
            running--;
            hostRunning.merge(j.host, -1, Integer::sum);
            j.run.dirty = true;
            if (o.kind == Outcome.Kind.NETWORK || o.kind == Outcome.Kind.RETRY_LATER) {
                Log.info("'" + j.run.fetch.id + "' #" + j.index + " segment at " + p.range.next() + " retries: " + o.message);
            }
            return;
        }
        if (last.kind == Outcome.Kind.SEGMENT_DONE) {
            verify(j); // keeps the connection slot until the finish step is back
            return;
        }
        if (last.kind == Outcome.Kind.CHANGED) {
            // Never spliced: the record's data goes and it starts over on one connection.
            Log.info("'" + j.run.fetch.id + "' #" + j.index + " starts over on one connection: " + last.message);
            s.forget(store);
            Parts.delete(Naming.part(j.target));
            j.restarted(j.downloaded.get());
            j.segments = null;
            j.noSplit = true;
            j.notBefore = 0;
            last = Outcome.of(Outcome.Kind.CANCELLED, "restarting");
        } else if (last.kind != Outcome.Kind.COMPLETE) {
            s.saveLater(store, fsync, pool);
        }
        finishedTransfer(j, last);
    }

    /** The engine for a fetch: the shared one, or one with the fetch's own CA and proxies. */
    private HttpEngine engine(dev.bgfetch.state.Fetch.Options o) {
        dev.bgfetch.http.Proxies proxies = dev.bgfetch.http.Proxies.of(o.httpProxy, o.httpsProxy, o.noProxy);
        if (o.caCertificate == null && proxies.isDirect()) {
            return engine();
        }
        String key = o.caCertificate + "\u0000" + proxies.key();
        HttpEngine e = caEngines.get(key);
        if (e == null) {
            try {
                e = HttpEngine.create(maxTotal, maxPerHost, connectTimeout, stallTimeout, "bgfetch/" + version(),
                        settingCa, o.caCertificate, proxies);
            } catch (dev.bgfetch.http.Trust.BadCaFile bad) {
                throw new IllegalStateException(bad.getMessage(), bad);
            }
            caEngines.put(key, e);
        }
        return e;
    }

    private HttpEngine engine() {
        try {
            return engine.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while setting up HTTP", e);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable why = e.getCause();
            throw new IllegalStateException(why instanceof dev.bgfetch.http.Trust.BadCaFile ? why.getMessage()
                    : "cannot set up HTTP: " + why, why);
        }
    }

    /** Renames every finished body of the run to its final name; called under the store lock (see persist). */
    private void deliverFinished(FetchRun r) {
        Set<Path> dirs = new java.util.HashSet<>();
        for (RecordJob j : r.jobs) {
            if (j.phase != RecordJob.Phase.DELIVERABLE) {
                continue;
            }
            try {
                Path target = j.target;
                if (j.dispositionName != null) {
                    target = Naming.inside(target.getParent(), j.dispositionName);
                }
                j.path = Naming.deliver(Naming.part(j.target), target, reserved, j.partKey);
                if (j.segments != null) {
                    j.segments.forget(store);
                }
                j.phase = RecordJob.Phase.DONE;
                j.result = Rec.SUCCESS;
                reserved.remove(j.target);
                dirs.add(j.path.getParent());
                Log.info("'" + r.fetch.id + "' #" + j.index + " " + Rec.SUCCESS);
            } catch (IOException e) {
                fail(j, Rec.FETCH_ERROR, "cannot deliver " + j.target + ": " + IoReason.of(e));
                Log.info("'" + r.fetch.id + "' #" + j.index + " " + j.error);
            } catch (RuntimeException e) {
                fail(j, Rec.FETCH_ERROR, "cannot deliver " + j.target + ": " + e.getMessage());
                Log.info("'" + r.fetch.id + "' #" + j.index + " " + j.error);
            }
        }
        if (fsync) {
            for (Path d : dirs) {
                try (FileChannel dir = FileChannel.open(d, StandardOpenOption.READ)) {
                    dir.force(true);
                } catch (IOException e) {
                    // a file system that cannot fsync a directory; the rename is still atomic
                }
            }
        }
    }

    private void finishedTransfer(RecordJob j, Outcome o) {
        running--;
        hostRunning.merge(j.host, -1, Integer::sum);
        j.transfer = null;
        FetchRun r = j.run;
        r.dirty = true;
        String id = r.fetch.id;
        switch (o.kind) {
            case COMPLETE:
                j.phase = RecordJob.Phase.DELIVERABLE;
                j.waitingForNetwork = false;
                break;
            case BAD_STATUS:
                fail(j, Rec.BAD_STATUS, o.message);
                break;
            case FETCH_ERROR:
                fail(j, Rec.FETCH_ERROR, o.message);
                break;
            case QUOTA:
                fail(j, Rec.QUOTA_EXCEEDED, o.message);
                break;
            case CAP:
                fail(j, Rec.DOWNLOAD_TOTAL_EXCEEDED, o.message);
                stopGroup(r);
                break;
            case NETWORK:
                // A connection that fails after making progress starts the backoff over: only
                // failures in a row without a byte push it towards the cap.
                j.networkFailures = j.downloaded.get() > j.downloadedAtLaunch ? 1 : j.networkFailures + 1;
                j.waitingForNetwork = true;
                j.phase = RecordJob.Phase.QUEUED;
                j.notBefore = System.currentTimeMillis() + backoff(j.networkFailures);
                j.retrying(o.message, j.notBefore);
                Log.info("'" + id + "' #" + j.index + " waiting for the network: " + o.message);
                break;
            case RETRY_LATER:
                j.statusRetries++;
                if (j.statusRetries > statusRetries) {
                    fail(j, Rec.BAD_STATUS, o.message + " after " + statusRetries + " retries");
                } else {
                    j.phase = RecordJob.Phase.QUEUED;
                    long wait = o.retryAfterMillis >= 0 ? Math.min(o.retryAfterMillis, 10 * retryCapMs)
                            : backoff(j.statusRetries);
                    j.notBefore = System.currentTimeMillis() + wait;
                    j.retrying(o.message, j.notBefore);
                    Log.info("'" + id + "' #" + j.index + " " + o.message + "; retry in " + wait + " ms");
                }
                break;
            case CANCELLED:
            default:
                if (r.stopping && runs.containsKey(r.key) && !j.isDone()) {
                    j.phase = RecordJob.Phase.DONE;
                    j.result = Rec.ABORTED;
                    if (j.segments != null) {
                        j.segments.forget(store);
                    }
                    if (j.target != null) {
                        // Stopped for good (the group's cap, an abort): nothing will resume from it.
                        reserved.remove(j.target);
                        Parts.delete(Naming.part(j.target));
                    }
                } else if (!j.isDone()) {
                    j.phase = RecordJob.Phase.QUEUED;
                }
                break;
        }
        if (o.kind != Outcome.Kind.CANCELLED && o.kind != Outcome.Kind.NETWORK && o.kind != Outcome.Kind.RETRY_LATER
                && o.kind != Outcome.Kind.COMPLETE) {
            Log.info("'" + id + "' #" + j.index + " " + (j.result.isEmpty() ? o.kind : j.result)
                    + (o.message == null ? "" : ": " + o.message));
        }
    }

    private void fail(RecordJob j, String result, String message) {
        j.phase = RecordJob.Phase.DONE;
        j.result = result;
        j.error = message;
        if (j.run.firstFailure.isEmpty()) {
            j.run.firstFailure = result;
        }
        boolean sparse = j.segments != null && j.segments.mapped;
        long prefix = sparse ? j.segments.prefix() : -1;
        if (j.segments != null) {
            j.segments.forget(store);
        }
        if (j.target != null) {
            reserved.remove(j.target);
            if (!Rec.QUOTA_EXCEEDED.equals(result)) {
                // Other failures leave nothing half-written behind.
                Parts.delete(Naming.part(j.target));
            } else if (sparse) {
                // Quota keeps what fit for a later resume, but a later fetch trusts the .part's length:
                // a sparse .part of segments is cut to its gapless prefix, and the record counts that.
                long kept = Parts.cut(Naming.part(j.target), prefix);
                j.restarted(j.downloaded.get() - kept);
            }
        }
    }

    /** downloadTotal was exceeded: the other records stop and count as aborted (as in the web API). */
    private void stopGroup(FetchRun r) {
        r.stopping = true;
        for (RecordJob other : r.jobs) {
            if (other.phase == RecordJob.Phase.QUEUED) {
                other.phase = RecordJob.Phase.DONE;
                other.result = Rec.ABORTED;
                if (other.segments != null) {
                    other.segments.forget(store);
                }
                if (other.target != null) {
                    reserved.remove(other.target);
                    Parts.delete(Naming.part(other.target));
                }
            }
        }
        cancelAll(r);
    }

    private void cancelAll(FetchRun r) {
        for (RecordJob j : r.jobs) {
            Transfer t = j.transfer;
            if (t != null) {
                t.cancel();
            }
            if (j.segments != null) {
                j.segments.cancelAll();
            }
        }
    }

    private long backoff(int failures) {
        long base = Math.min(retryCapMs, 500L << Math.min(16, failures - 1));
        // Full jitter in the upper half keeps many waiting workers from hammering a server in step.
        return base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
    }

    // ------------------------------------------------------------------ runs → store

    private void settleFinished() {
        for (FetchRun r : new ArrayList<>(runs.values())) {
            if (r.running() > 0 || !r.allFinished() || !runs.containsKey(r.key)) {
                continue;
            }
            if (r.stopping && !r.jobs.stream().anyMatch(j -> Rec.DOWNLOAD_TOTAL_EXCEEDED.equals(j.result))) {
                continue; // stopped from outside: sync() retires it
            }
            boolean[] byUs = {false};
            Optional<Fetch> settled = persist(r, f -> {
                if (!f.hasSettled()) {
                    byUs[0] = true;
                    for (RecordJob j : r.jobs) {
                        f.finishRecord(r.fetch.records.get(j.index), j.result);
                    }
                    if (!r.firstFailure.isEmpty()) {
                        f.failureReason = r.firstFailure;
                    }
                    f.settle();
                    if (f.pendingHook() == null || f.pendingHook().isBlank()) {
                        f.hookDone = true;
                    }
                }
            });
            runs.remove(r.key);
            forgetSegments(r);
            for (RecordJob j : r.jobs) {
                if (j.target != null) {
                    reserved.remove(j.target);
                }
            }
            settled.ifPresent(f -> {
                if (!byUs[0] && Rec.ABORTED.equals(f.failureReason)) {
                    // Aborted after the last sync: the bodies not delivered before it go, as in retireGone.
                    store.byKey(f.key).ifPresent(Parts::deleteUnfinished);
                }
                Log.info("settled '" + f.id + "': " + f.result
                        + (f.failureReason.isEmpty() ? "" : " (" + f.failureReason + ")"));
                if (f.pendingHook() != null) {
                    startHook(f);
                }
                if (notifier.enabled()) {
                    pool.execute(() -> notifier.settled(f));
                }
            });
        }
    }

    /** The fetch is settled or gone: no map of it will be resumed from. */
    private void forgetSegments(FetchRun r) {
        for (RecordJob j : r.jobs) {
            if (j.segments != null) {
                j.segments.forget(store);
            }
        }
        SegmentMap.deleteAll(store, r.key);
    }

    private void flush() {
        long now = System.currentTimeMillis();
        for (FetchRun r : new ArrayList<>(runs.values())) {
            if (!r.dirty && r.running() == 0) {
                continue;
            }
            for (RecordJob j : r.jobs) {
                if (j.segments != null && j.segments.live > 0) {
                    j.segments.saveLater(store, fsync, pool);
                }
            }
            // Only what changed is written (journal lines, a small summary, the progress file in
            // place), so a group of any size is flushed four times a second.
            if (now - r.lastFlush < FLUSH_MS) {
                continue;
            }
            r.lastFlush = now;
            r.dirty = false;
            try {
                Optional<Fetch> stored = persist(r, f -> { });
                if (stored.isEmpty()) {
                    r.stopping = true;
                    cancelAll(r);
                }
            } catch (StateException e) {
                r.dirty = true;
                Log.info("cannot save progress of '" + r.fetch.id + "': " + e.getMessage());
            }
        }
    }

    private void startHook(Fetch f) {
        String[] pending = {null};
        // Decided on the stored copy under the lock, so two paths that both saw it pending run it once.
        Optional<Fetch> marked = store.update(f.key, x -> {
            pending[0] = x.pendingHook();
            x.hookDone = true;
        });
        String cmd = pending[0];
        if (marked.isEmpty() || cmd == null || cmd.isBlank()) {
            return;
        }
        hooksRunning++;
        Fetch settled = marked.get();
        pool.execute(() -> {
            try {
                hooks.run(settled, cmd);
            } catch (RuntimeException e) {
                Log.info("hook of '" + settled.id + "' failed: " + e);
            } finally {
                events.add(() -> hooksRunning--);
            }
        });
    }

    // ------------------------------------------------------------------ stopping

    private void stopAndWait() {
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
            cancelAll(r);
        }
        long deadline = System.currentTimeMillis() + 5000;
        while (running > 0 && System.currentTimeMillis() < deadline) {
            try {
                Runnable ev = events.poll(50, TimeUnit.MILLISECONDS);
                if (ev != null) {
                    ev.run();
                }
            } catch (InterruptedException e) {
                break;
            }
        }
        try {
            flush();
        } catch (RuntimeException e) {
            Log.info("cannot save progress on exit: " + e);
        }
        try {
            if (engine != null && engine.isDone() && !engine.isCancelled()) {
                engine().close();
            }
            for (HttpEngine e : caEngines.values()) {
                e.close();
            }
        } catch (IOException | RuntimeException e) {
            // exiting anyway
        }
        if (pool != null) {
            pool.shutdownNow();
        }
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
