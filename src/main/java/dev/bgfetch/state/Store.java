package dev.bgfetch.state;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * The one door to the state files: each public method is one intention (register, record a run's
 * changes, publish progress, abort...). Every durable change takes the cross-process lock, writes,
 * fsyncs, then renames or appends; readers take no lock.
 *
 * <p>Layout (schema 2): a directory per fetch, {@code active/KEY/} until it settles, then
 * {@code settled/KEY/}; a key is {@code SEQ-RANDOM}, so name order is registration order. In it:
 * {@code fetch.json}, the summary (registration, state, result, counts), replaced whole on state
 * changes; {@code records.jsonl}, the records, one full record per line, appended when a record's
 * durable part changes (target, validators, response, result) and compacted to one line per record
 * when the fetch settles; {@code progress.bin}, byte counts overwritten in place, never fsynced. A
 * schema-1 store (one {@code KEY.json} per fetch) is migrated on open. Beside them, two shortcuts
 * that are never the truth: {@code ids}, which id each key holds ({@link IdIndex}), and
 * {@code worker.idle}, the last worker's word that nothing was to do ({@link WorkerFiles}). How those
 * files are written, read and quarantined is {@link FetchFiles}'; this class decides what each
 * intention does to them.
 */
public final class Store {
    /** The schema of the JSON documents the CLI prints (SPEC §5); the store's files have their own. */
    public static final int SCHEMA = 1;
    /** The schema of the store's files: 1 was one JSON file per fetch, 2 is a directory per fetch. */
    public static final int DISK_SCHEMA = 2;
    /** Less free space than this for the store is none: a settle writes a summary and journal lines. */
    private static final long LOW_SPACE = 64 * 1024;
    static final String SUMMARY = FetchFiles.SUMMARY;
    static final String JOURNAL = FetchFiles.JOURNAL;
    static final String PROGRESS = FetchFiles.PROGRESS;

    private final Path home;
    private final Path activeDir;
    private final Path settledDir;
    private final StoreLock lock;
    private final FetchFiles dirs;
    private final WorkerFiles workerFiles;

    /** A worker's change to a running fetch: applied to the stored summary, returns the records it changed. */
    @FunctionalInterface
    public interface RunChange {
        List<Rec> apply(Fetch summary);
    }

    private Store(Path home) {
        this.home = home;
        this.activeDir = home.resolve("active");
        this.settledDir = home.resolve("settled");
        this.lock = new StoreLock(home, "store.lock", false);
        this.dirs = new FetchFiles(this.home, lock);
        this.workerFiles = new WorkerFiles(this.home);
    }

    /** Opens (creating if needed, private to the user) the store at {@code home}, migrating a schema-1 store. */
    public static Store open(Path home) {
        Store s = new Store(home.toAbsolutePath().normalize());
        refuseSomebodyElses(s.home);
        try {
            DurableFiles.mkdirPrivate(s.home);
            DurableFiles.mkdirPrivate(s.activeDir);
            DurableFiles.mkdirPrivate(s.settledDir);
        } catch (IOException e) {
            throw new StateException(StateException.Kind.IO, "cannot create the store " + home + ": " + IoReason.of(e), e);
        }
        if (!s.dirs.files(s.activeDir).isEmpty() || !s.dirs.files(s.settledDir).isEmpty()) {
            s.lock.call(() -> {
                new Migration(s).run();
                return null;
            });
        }
        return s;
    }

    /**
     * Root working in another user's store (sudo keeping HOME, {@code --home ~user/...}) left files of
     * root's, 0600, that the owner's own bgfetch could then not read: refused, as git refuses a
     * repository of "dubious ownership". Only root is asked, by name, so no other start pays a look.
     */
    private static void refuseSomebodyElses(Path home) {
        if (!"root".equals(System.getProperty("user.name"))) {
            return;
        }
        String owner;
        try {
            owner = Files.getOwner(home).getName();
        } catch (IOException | UnsupportedOperationException e) {
            return; // none yet: root makes it, and it is root's
        }
        if (!owner.equals("root") && !owner.equals("0")) {
            throw new StateException(StateException.Kind.IO, "the store " + home + " belongs to " + owner
                    + ": as root, the files made there would be root's and unreadable for " + owner
                    + " (run as " + owner + ", or use another --home)");
        }
    }

    public Path home() {
        return home;
    }

    /** A file of the store other than fetch state, for this package (segment maps). */
    Path file(String name) {
        return home.resolve(name);
    }

    /** Writes a small file of the store durably: temp file, fsync, rename. */
    void writeFile(String name, byte[] data) throws IOException {
        DurableFiles.writeAtomic(file(name), data);
    }

    /** A watch that wakes its waiter when a fetch is registered, settled or forgotten; the caller closes it. */
    public StoreWatch watch() {
        return StoreWatch.of(activeDir, settledDir);
    }

    /** The worker's own files: its lock, start and spawn records, and log. */
    public WorkerFiles workerFiles() {
        return workerFiles;
    }

    /**
     * Whether the store's file system has no room left for a state write (a full disk): the worker
     * then cannot save progress or settle a fetch until space is freed, and a waiting command says so
     * rather than wait without a word. A file system that cannot tell counts as having room.
     */
    public boolean outOfSpace() {
        try {
            return Files.getFileStore(home).getUsableSpace() < LOW_SPACE;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Problems met while reading (corrupt files moved aside); the CLI prints them on stderr. */
    public List<String> warnings() {
        return dirs.warnings();
    }

    // ---------------------------------------------------------------- reads

    /** Active fetches in registration order, as summaries (records not loaded). */
    public List<Fetch> active() {
        List<Fetch> out = new ArrayList<>();
        for (Fetch f : dirs.summaries(false)) {
            if (f.isActive()) {
                out.add(f);
            }
        }
        return out;
    }

    /**
     * The ids of the active fetches in registration order ({@code getIds}). When the last worker left
     * word that there was nothing to do, and nothing was made since, they are the names in active/ by
     * the id index, no summary read: then no settle can have been cut short in active/ (a worker
     * finishes those when it starts, and an abort takes the word back first). Otherwise the summaries
     * are read, as {@link #active()} reads them.
     */
    public List<String> activeIds() {
        if (idleWord()) {
            return dirs.activeIds();
        }
        List<String> out = new ArrayList<>();
        for (Fetch f : active()) {
            out.add(f.id);
        }
        return out;
    }

    /** Settled fetches still retained, in registration order, as summaries. */
    public List<Fetch> settled() {
        List<Fetch> out = new ArrayList<>();
        for (Fetch f : dirs.summaries()) {
            if (f.hasSettled()) {
                out.add(f);
            }
        }
        return out;
    }

    /** Every fetch, active and settled, in registration order, as summaries. */
    public List<Fetch> all() {
        return dirs.summaries();
    }

    /** Settled fetches with their records (for what must look inside them, such as adopting a kept .part). */
    public List<Fetch> settledWithRecords() {
        List<Fetch> out = new ArrayList<>();
        for (Fetch f : settled()) {
            byKey(f.key).ifPresent(out::add);
        }
        return out;
    }

    /** The summary of the fetch with this key, its progress included; empty once forgotten. */
    public Optional<Fetch> summary(String key) {
        Path looked = dirs.dirOf(key);
        Optional<Fetch> f = dirs.readSummary(looked);
        Path moved = f.isEmpty() ? dirs.movedToSettled(looked) : null;
        Path dir = moved == null ? looked : moved;
        return (moved == null ? f : dirs.readSummary(moved)).map(s -> dirs.withProgress(dir, s));
    }

    /**
     * Keys of the fetches registered after the one with key {@code after} (null: all), active or
     * already settled, in registration order: names from the two directory listings, no file read.
     * A follower of "every fetch" finds by it one that was registered and settled between two polls.
     */
    public List<String> keysAfter(String after) {
        java.util.TreeSet<String> out = new java.util.TreeSet<>();
        for (Path dir : List.of(activeDir, settledDir)) {
            for (Path p : dirs.entries(dir)) {
                String n = p.getFileName().toString();
                if (isKey(n) && (after == null || n.compareTo(after) > 0)) {
                    out.add(n);
                }
            }
        }
        return new ArrayList<>(out);
    }

    /** A fetch directory's name: ten digits of registration sequence, a dash, four hex digits (see {@link #register}). */
    static boolean isKey(String n) {
        if (n.length() != 15 || n.charAt(10) != '-') {
            return false;
        }
        for (int i = 0; i < 15; i++) {
            char c = n.charAt(i);
            if (i < 10 ? c < '0' || c > '9' : i > 10 && (c < '0' || c > '9') && (c < 'a' || c > 'f')) {
                return false;
            }
        }
        return true;
    }

    /**
     * A cheap fingerprint of every active summary (key → modification time and size), so a poller can
     * parse only what changed.
     */
    public Map<String, String> activeStamps() {
        Map<String, String> out = new LinkedHashMap<>();
        for (Path dir : dirs.fetchDirs(activeDir)) {
            String key = dir.getFileName().toString();
            String stamp = activeStamp(key);
            if (stamp != null) {
                out.put(key, stamp);
            }
        }
        return out;
    }

    /** The stamp of one active fetch's summary (as in {@link #activeStamps()}), or null if it has none. */
    public String activeStamp(String key) {
        try {
            BasicFileAttributes a = Files.readAttributes(activeDir.resolve(key).resolve(SUMMARY),
                    BasicFileAttributes.class);
            return a.lastModifiedTime().toMillis() + "/" + a.size() + "/" + a.fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The failureReason of a settled fetch ("" for success), read as one top-level field of its
     * summary: all a waiting client needs before it exits.
     */
    public Optional<FailureReason> settledFailureReason(String key) {
        try {
            Map<String, String> n = StateJson.readFlat(Files.readAllBytes(dirs.dirOf(key).resolve(SUMMARY)));
            return Optional.of(FailureReason.of(n.getOrDefault("failureReason", "")));
        } catch (IOException | IllegalArgumentException e) {
            return summary(key).map(f -> f.failureReason);
        }
    }

    /**
     * True once the fetch with this key has settled: a stat, and while it is active a read of its
     * small summary's state field, which also sees a settle whose move to settled/ a crash cut short.
     */
    public boolean isSettled(String key) {
        if (Files.exists(settledDir.resolve(key).resolve(SUMMARY))) {
            return true;
        }
        try {
            return FetchState.SETTLED.wire().equals(StateJson.readFlat(
                    Files.readAllBytes(activeDir.resolve(key).resolve(SUMMARY))).get("state"));
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Finishes the settles a crash cut short between the settled summary and the move to settled/
     * (readers already take such a fetch as settled); the worker calls this when it starts.
     */
    public void finishInterruptedSettles() {
        lock.call(() -> {
            for (Path dir : dirs.fetchDirs(activeDir)) {
                Optional<Fetch> f = dirs.readSummary(dir);
                if (f.isPresent() && f.get().hasSettled()) {
                    Files.deleteIfExists(dir.resolve(PROGRESS));
                    DurableFiles.move(dir, settledDir.resolve(f.get().key));
                    DurableFiles.fsyncDir(activeDir);
                    DurableFiles.fsyncDir(settledDir);
                }
            }
            return null;
        });
    }

    /** Where the files of a fetch with this id went when they were found damaged (broken/KEY.MILLIS), if they did. */
    public Optional<Path> setAsideWithId(String id) {
        for (Map.Entry<String, String> e : dirs.idIndex().read().entrySet()) {
            if (e.getValue().equals(id)) {
                Optional<Path> p = dirs.setAsidePath(e.getKey());
                if (p.isPresent()) {
                    return p;
                }
            }
        }
        return Optional.empty();
    }

    /** At a worker's start: registrations that killed clients left half-written an hour or more ago. */
    public void dropAbandonedRegistrations() {
        dirs.dropAbandonedRegistrations(java.time.Duration.ofHours(1));
    }

    /** Whether a fetch with this key was found damaged and its files set aside in broken/. */
    public boolean setAside(String key) {
        return dirs.setAside(key);
    }

    /** True while the fetch with this key exists at all (a stat, no parse). */
    public boolean exists(String key) {
        // Active first: a settle moves the directory from active/ to settled/, so looking in that
        // order never misses a fetch that moves between the two looks.
        return Files.exists(activeDir.resolve(key).resolve(SUMMARY)) || isSettled(key);
    }

    /** The active fetch with this id, else the most recently registered settled one; with its records. */
    public Optional<Fetch> find(String id) {
        Optional<Fetch> s = findSummary(id);
        if (s.isEmpty()) {
            refuseNewer(id);
            return s;
        }
        return byKey(s.get().key);
    }

    /** As {@link #find}: the active fetch with this id, else the latest settled one; its summary only (no records). */
    public Optional<Fetch> findSummary(String id) {
        List<Fetch> all = dirs.withId(id);
        Fetch best = null;
        for (Fetch f : all) {
            if (f.id.equals(id)) {
                if (f.isActive()) {
                    return Optional.of(f);
                }
                best = f;
            }
        }
        return Optional.ofNullable(best);
    }

    /** A fetch with this id that a newer bgfetch wrote is not ours to read or change: say so. */
    private void refuseNewer(String id) {
        for (Map.Entry<Path, String> e : dirs.newer().entrySet()) {
            if (id.equals(e.getValue()) && Files.exists(e.getKey())) {
                throw new StateException(StateException.Kind.NEWER, "the fetch '" + id + "' was written by a newer"
                        + " bgfetch (" + e.getKey() + "); upgrade bgfetch to use it, this one leaves it untouched");
            }
        }
    }

    /** A reader that follows one fetch as it changes, reading only what changed since its last poll. */
    public FetchFollower follower(String key) {
        return new FetchFollower(this, key);
    }

    /** The fetch with this key with its records, wherever it is; empty once forgotten. */
    public Optional<Fetch> byKey(String key) {
        return dirs.readWhole(dirs.dirOf(key));
    }

    /** True when there is work for a worker: an active fetch not paused, or a settled one owing its hook. */
    public boolean needsWorker() {
        if (idleWord()) {
            return false;
        }
        return dirs.anyNeedingWorker();
    }

    // ---------------------------------------------------------------- changes

    /**
     * Stores a new fetch; the id check and the insert are one step under the lock. The fetch appears
     * whole or not at all: its directory is built aside and renamed into place.
     *
     * @throws StateException ID_TAKEN if an active fetch has the same id
     */
    public Fetch register(Fetch f) {
        // held by hand, not with lock.call: a lambda here was ~6 ms of fetch's start (see StoreLock.hold)
        try (StoreLock.Held held = lock.hold()) {
            long maxSeq = 0;
            for (Path dir : List.of(activeDir, settledDir)) {
                for (Path p : dirs.entries(dir)) {
                    maxSeq = Math.max(maxSeq, dirs.seqOf(p));
                }
            }
            Map<String, String> known = dirs.idIndex().read();
            if (!dirs.activeWithId(f.id, known).isEmpty()) {
                throw new StateException(StateException.Kind.ID_TAKEN, "an active fetch already has the id '" + f.id + "'");
            }
            for (Map.Entry<Path, String> e : dirs.newer().entrySet()) {
                if (f.id.equals(e.getValue()) && e.getKey().startsWith(activeDir) && Files.exists(e.getKey())) {
                    throw new StateException(StateException.Kind.ID_TAKEN, "an active fetch already has the id '"
                            + f.id + "' (written by a newer bgfetch: " + e.getKey() + ")");
                }
            }
            // A forgotten fetch's key may come round again; its chance part is drawn so that no line of
            // the id index (which may outlive a directory by a crash) names it. (Lines learned just now
            // name existing directories, whose sequence numbers are below this one.)
            do {
                f.key = keyOf(maxSeq + 1, (int) (Math.random() * 0x10000));
            } while (known.containsKey(f.key));
            f.created = Timestamps.now();
            f.schema = DISK_SCHEMA;
            f.summarize();
            workerFiles.clearIdle(); // first: a registration that fails after it leaves nothing stored
            dirs.createDir(activeDir, f);
            try {
                dirs.idIndex().append(Map.of(f.key, f.id));
            } catch (IOException e) {
                // a hint only: the next lookup reads this fetch's summary and adds its line
            }
            return f;
        } catch (IOException e) {
            throw new StateException(StateException.Kind.IO, "store " + home + ": " + IoReason.of(e), e);
        }
    }

    /**
     * Applies {@code change} to the whole stored fetch and stores it whole (O(records): for rare
     * changes; a running fetch's worker uses {@link #recordChanges}). Empty if the fetch is gone.
     */
    public Optional<Fetch> update(String key, Consumer<Fetch> change) {
        return lock.call(() -> {
            Path dir = dirs.dirOf(key);
            Optional<Fetch> cur = dirs.readWhole(dir);
            if (cur.isPresent()) {
                Fetch f = cur.get();
                boolean wasSettled = f.hasSettled();
                change.accept(f);
                if (wasSettled && !f.hasSettled()) {
                    throw new IllegalStateException("a settled fetch cannot become active again: " + key);
                }
                dirs.writeWhole(dir, f);
            }
            return cur;
        });
    }

    /**
     * A fetch's directory name: its sequence number, ten digits, and four hex digits of chance
     * ({@code 0000000042-03af}). Not String.format: its first use compiles the format parser, ~8 ms
     * of every registration.
     */
    static String keyOf(long seq, int chance) {
        String n = Long.toString(seq);
        String h = Integer.toHexString(chance & 0xffff);
        return "0".repeat(Math.max(0, 10 - n.length())) + n + "-" + "0".repeat(4 - h.length()) + h;
    }

    /**
     * A running fetch's durable changes, under the lock: {@code change} sees the stored summary (it may
     * have been paused or aborted meanwhile), updates it and names the records it changed, which are
     * appended to the journal and fsynced before this returns. The summary is rewritten only if more
     * than its byte counts changed; settling compacts the journal and moves the fetch to settled.
     * Returns the stored summary, or empty if the fetch no longer exists (forgotten).
     */
    public Optional<Fetch> recordChanges(String key, RunChange change) {
        return lock.call(() -> {
            Path dir = dirs.dirOf(key);
            Optional<Fetch> cur = dirs.readSummary(dir);
            if (cur.isEmpty()) {
                return cur;
            }
            Fetch s = cur.get();
            byte[] before = StateJson.comparable(s);
            boolean wasSettled = s.hasSettled();
            List<Rec> changed = change.apply(s);
            if (wasSettled && !s.hasSettled()) {
                throw new IllegalStateException("a settled fetch cannot become active again: " + key);
            }
            if (!wasSettled && s.hasSettled()) {
                s.records = everyRecord(s, changed);
                if (s.records == null) {
                    Fetch whole = dirs.readWhole(dir).orElseThrow(() -> new StateException(StateException.Kind.IO,
                            "the records of '" + s.id + "' are damaged"));
                    for (Rec r : changed) {
                        whole.records.set(r.index, r);
                    }
                    s.records = whole.records;
                }
                dirs.writeWhole(dir, s);
                s.records = new ArrayList<>();
                return Optional.of(s);
            }
            List<byte[]> lines = new ArrayList<>();
            for (Rec r : changed) {
                lines.add(StateJson.record(r));
            }
            try {
                Journal.append(dir.resolve(JOURNAL), lines, true);
                if (!Arrays.equals(before, StateJson.comparable(s))) {
                    DurableFiles.writeAtomic(dir.resolve(SUMMARY), dirs.summaryBytes(s));
                }
            } catch (IOException e) {
                throw new StateException(StateException.Kind.IO, "cannot write the state of '" + s.id + "': "
                        + IoReason.of(e), e);
            }
            return Optional.of(s);
        });
    }

    /**
     * The changed records in index order when they are all of the fetch's records (a settling worker
     * hands over every one), else null: then the journal need not be read back to settle, which for a
     * group of 10,000 was the worker's largest single cost (three lines a record to parse).
     */
    private static List<Rec> everyRecord(Fetch s, List<Rec> changed) {
        if (changed.size() != s.files) {
            return null;
        }
        Rec[] all = new Rec[s.files];
        for (Rec r : changed) {
            if (r.index < 0 || r.index >= all.length || all[r.index] != null) {
                return null;
            }
            all[r.index] = r;
        }
        return new ArrayList<>(List.of(all));
    }

    /**
     * Publishes a running fetch's byte counts for progress views: no lock, no fsync (a crash may lose
     * them; the .part lengths are the truth). Does nothing once the fetch has left the active set.
     */
    public void publishProgress(String key, long downloaded, long speed, long[] perRecord) {
        try {
            ProgressFile.write(activeDir.resolve(key).resolve(PROGRESS), downloaded, speed, perRecord);
        } catch (IOException e) {
            // progress may be lost; the next publication tries again
        }
    }

    /** Where the records file of a settled fetch's hook ({@code BGFETCH_RECORDS}) is written. */
    public Path hookRecords(String key) {
        return dirs.hookRecords(key);
    }

    /** Writes the records file of a settled fetch's hook, durably and private. */
    public Path writeHookRecords(Fetch f) throws IOException {
        Path records = hookRecords(f.key);
        DurableFiles.mkdirPrivate(records.getParent());
        byte[] text = Views.pretty(Views.records(f.records)).getBytes(StandardCharsets.UTF_8);
        DurableFiles.writeAtomic(records, text);
        return records;
    }

    /**
     * Whether the last worker's word that nothing was to do still holds: it is there, and active/ has
     * not changed since it was left. This bgfetch takes the word back before any change that makes
     * work; an older one does not, but its registrations and aborts change active/.
     */
    private boolean idleWord() {
        FileTime idle = workerFiles.idleSince();
        if (idle == null) {
            return false;
        }
        try {
            return Files.getLastModifiedTime(activeDir).compareTo(idle) <= 0;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Under the store lock, when the worker finds nothing to do and is about to exit: true if there is
     * work after all (it then stays); else it leaves word for the commands that no worker is needed.
     */
    public boolean retireIfIdle() {
        return lock.call(() -> {
            workerFiles.clearIdle();
            if (needsWorker()) {
                return false;
            }
            try {
                workerFiles.markIdle();
            } catch (IOException e) {
                // the word is a shortcut: without it, commands read the summaries as before
            }
            return true;
        });
    }

    /** A worker took the store: the word that none was needed is void (it may have been started by hand). */
    public void workerStarting() {
        lock.call(() -> {
            workerFiles.clearIdle();
            return null;
        });
    }

    /** Runs {@code body} under the store lock, for changes that must see and act on several fetches. */
    public <T> T locked(Callable<T> body) {
        return lock.call(body);
    }

    /** Aborts the active fetch with this id (§2 abort); the id is free for a new fetch at once. */
    public Fetch abort(String id) {
        return lock.call(() -> {
            Fetch f = byKey(activeWithId(id).key).orElseThrow(() -> notFound(id));
            workerFiles.clearIdle(); // the abort hook is work, and a settle cut short by a crash too
            f.abort();
            dirs.writeWhole(dirs.dirOf(f.key), f);
            return f;
        });
    }

    /** Holds the active fetch with this id; its worker closes the transfers and keeps the partial data. */
    public Fetch pause(String id) {
        return changeSummary(id, f -> f.state = FetchState.PAUSED);
    }

    /** Lets a paused fetch continue. */
    public Fetch resume(String id) {
        return lock.call(() -> {
            workerFiles.clearIdle(); // a resume is work (the lock is re-entrant: one step with the change)
            return changeSummary(id, f -> {
                if (f.state == FetchState.PAUSED) {
                    f.state = FetchState.PENDING;
                }
            });
        });
    }

    private Fetch changeSummary(String id, Consumer<Fetch> change) {
        return lock.call(() -> {
            Fetch s = activeWithId(id);
            change.accept(s);
            DurableFiles.writeAtomic(dirs.dirOf(s.key).resolve(SUMMARY), dirs.summaryBytes(s));
            return byKey(s.key).orElseThrow(() -> notFound(id));
        });
    }

    private Fetch activeWithId(String id) {
        for (Fetch f : dirs.withId(id)) {
            if (f.isActive()) {
                return f;
            }
        }
        for (Map.Entry<Path, String> e : dirs.newer().entrySet()) {
            if (id.equals(e.getValue()) && e.getKey().startsWith(activeDir)) {
                refuseNewer(id);
            }
        }
        Optional<Fetch> settled = findSummary(id);
        if (settled.isPresent()) {
            Fetch f = settled.get();
            throw new StateException(StateException.Kind.INVALID_STATE, "fetch '" + id + "' is already settled ("
                    + f.result + (f.failureReason == FailureReason.NONE ? "" : ", " + f.failureReason) + ")");
        }
        refuseNewer(id);
        throw notFound(id);
    }

    private static StateException notFound(String id) {
        return new StateException(StateException.Kind.NOT_FOUND, "no fetch with the id '" + id + "'");
    }

    /**
     * Drops every settled fetch with this id (an active one with the same id stays); the files they
     * delivered stay on disk, and so does the records file of a hook still running (see {@link #dropHookRecords}).
     */
    public List<Fetch> forget(String id) {
        return lock.call(() -> {
            List<Fetch> withId = dirs.withId(id);
            if (withId.isEmpty()) {
                throw notFound(id);
            }
            List<Fetch> settled = new ArrayList<>();
            for (Fetch f : withId) {
                if (!f.isActive()) {
                    settled.add(f);
                }
            }
            if (settled.isEmpty()) {
                throw new StateException(StateException.Kind.INVALID_STATE,
                        "fetch '" + id + "' is still active; abort it first");
            }
            for (Fetch f : settled) {
                dirs.delete(f.key);
            }
            compactIds();
            return settled;
        });
    }

    /**
     * A hook ended: its records file goes (it carries request headers). It lives exactly as long as its
     * hook, so that {@code forget} during a hook does not pull it from under the running hook.
     */
    public void dropHookRecords(String key) throws IOException {
        Files.deleteIfExists(dirs.hookRecords(key));
    }

    /**
     * At a worker's start: the records files of hooks that a killed worker left, once older than
     * {@code hookTimeout} (no hook is allowed to run longer).
     */
    public void dropStaleHookRecords(java.time.Duration hookTimeout) {
        dirs.dropStaleHookRecords(hookTimeout);
    }

    /** Drops every settled fetch whose hook has run; returns them. */
    public List<Fetch> clean() {
        return lock.call(() -> {
            List<Fetch> gone = new ArrayList<>();
            for (Fetch f : settled()) {
                if (f.pendingHook() == null) {
                    dirs.delete(f.key);
                    gone.add(f);
                }
            }
            compactIds();
            return gone;
        });
    }

    /** Drops the id index's lines whose fetch is gone (under the lock, after deletes). */
    private void compactIds() {
        Map<String, String> known = dirs.idIndex().read();
        Map<String, String> kept = new LinkedHashMap<>();
        for (Path dir : List.of(activeDir, settledDir)) {
            for (Path p : dirs.entries(dir)) {
                String key = p.getFileName().toString();
                if (known.containsKey(key)) {
                    kept.put(key, known.get(key));
                }
            }
        }
        if (kept.size() != known.size()) {
            try {
                dirs.idIndex().rewrite(kept);
            } catch (IOException e) {
                // a hint only: lines of gone fetches are skipped by every lookup anyway
            }
        }
    }

    /** The fetch directories, for the other classes of this package (migration, followers). */
    FetchFiles dirs() {
        return dirs;
    }
}
