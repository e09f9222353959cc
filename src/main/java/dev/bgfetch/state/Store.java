package dev.bgfetch.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The one door to the state files. Every change is: take the cross-process lock (with a deadline),
 * read, apply, write a temp file, fsync, atomic rename, fsync the directory. Reads need no lock
 * because a file is only ever replaced whole.
 *
 * <p>Layout: {@code active/KEY.json} for fetches not yet settled, {@code settled/KEY.json} after;
 * a key is {@code SEQ-RANDOM}, so file order is registration order. Settling writes the settled copy
 * before deleting the active one; if a crash leaves both, the settled copy wins.
 */
public final class Store {
    public static final int SCHEMA = 1;
    private static final Set<PosixFilePermission> DIR_PERMS = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE_PERMS = PosixFilePermissions.fromString("rw-------");
    private static final long LOCK_DEADLINE_MS = 60_000;
    /** A JVM cannot take a FileLock twice, so threads of one process queue here first. */
    private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    private final Path home;
    private final Path activeDir;
    private final Path settledDir;
    private final Path brokenDir;
    private final ObjectMapper mapper;
    private final List<String> warnings = new CopyOnWriteArrayList<>();
    /**
     * State files written by a newer bgfetch (path → the fetch's id, if readable): never parsed as ours,
     * never moved or rewritten, reported once; every other fetch of the store works as usual.
     */
    private final Map<Path, String> newer = new ConcurrentHashMap<>();

    private Store(Path home) {
        this.home = home;
        this.activeDir = home.resolve("active");
        this.settledDir = home.resolve("settled");
        this.brokenDir = home.resolve("broken");
        this.mapper = new ObjectMapper()
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                .configure(SerializationFeature.FAIL_ON_EMPTY_BEANS, false);
    }

    /** Opens (creating if needed, private to the user) the store at {@code home}. */
    public static Store open(Path home) {
        Store s = new Store(home.toAbsolutePath().normalize());
        try {
            s.mkdirPrivate(s.home);
            s.mkdirPrivate(s.activeDir);
            s.mkdirPrivate(s.settledDir);
        } catch (IOException e) {
            throw new StateException(StateException.Kind.IO, "cannot create the store " + home + ": " + IoReason.of(e), e);
        }
        return s;
    }

    public Path home() {
        return home;
    }

    public Path file(String name) {
        return home.resolve(name);
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    /** Problems met while reading (corrupt files moved aside); the CLI prints them on stderr. */
    public List<String> warnings() {
        return warnings;
    }

    // ---------------------------------------------------------------- reads

    /** Active fetches in registration order. */
    public List<Fetch> active() {
        List<Fetch> out = new ArrayList<>();
        for (Path p : list(activeDir)) {
            if (!Files.exists(settledDir.resolve(p.getFileName()))) {
                readOrQuarantine(p).ifPresent(out::add);
            }
        }
        return out;
    }

    /**
     * A cheap fingerprint of every active file (key → modification time and size), so a poller can
     * parse only what changed.
     */
    public java.util.Map<String, String> activeStamps() {
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        for (Path p : list(activeDir)) {
            if (Files.exists(settledDir.resolve(p.getFileName()))) {
                continue; // settled; the active copy is a leftover of a crash mid-settle
            }
            String name = p.getFileName().toString();
            String key = name.substring(0, name.length() - 5);
            String stamp = activeStamp(key);
            if (stamp != null) {
                out.put(key, stamp);
            }
        }
        return out;
    }

    /** The stamp of one active fetch's file (as in {@link #activeStamps()}), or null if it has none. */
    public String activeStamp(String key) {
        Path p = activeDir.resolve(key + ".json");
        try {
            java.nio.file.attribute.BasicFileAttributes a = Files.readAttributes(p,
                    java.nio.file.attribute.BasicFileAttributes.class);
            return a.lastModifiedTime().toMillis() + "/" + a.size() + "/" + a.fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The failureReason of a settled fetch ("" for success), read as a JSON tree: a cold JVM builds
     * a tree in a few ms but needs about 0.3 s to set up bean deserialization, which is all a
     * waiting client would otherwise do before it exits.
     */
    public Optional<String> settledFailureReason(String key) {
        try {
            com.fasterxml.jackson.databind.JsonNode n = mapper.readTree(settledDir.resolve(key + ".json").toFile());
            return Optional.of(n.path("failureReason").asText(""));
        } catch (IOException e) {
            return byKey(key).map(f -> f.failureReason);
        }
    }

    /** True once the fetch with this key has a settled copy (a stat, no parse). */
    public boolean isSettled(String key) {
        return Files.exists(settledDir.resolve(key + ".json"));
    }

    /** True while the fetch with this key exists at all (a stat, no parse). */
    public boolean exists(String key) {
        return isSettled(key) || Files.exists(activeDir.resolve(key + ".json"));
    }

    /** Settled fetches still retained, in registration order. */
    public List<Fetch> settled() {
        List<Fetch> out = new ArrayList<>();
        for (Path p : list(settledDir)) {
            readOrQuarantine(p).ifPresent(out::add);
        }
        return out;
    }

    /**
     * Every fetch, active and settled, in registration order. A fetch that settles between the two
     * directory reads appears once, as settled.
     */
    public List<Fetch> all() {
        java.util.Map<String, Fetch> byKey = new java.util.TreeMap<>();
        for (Fetch f : active()) {
            byKey.put(f.key, f);
        }
        for (Fetch f : settled()) {
            byKey.put(f.key, f);
        }
        return new ArrayList<>(byKey.values());
    }

    /** The active fetch with this id, else the most recently registered settled one. */
    public Optional<Fetch> find(String id) {
        Optional<Fetch> active = active().stream().filter(f -> f.id.equals(id)).findFirst();
        if (active.isPresent()) {
            return active;
        }
        List<Fetch> settled = settled();
        for (int i = settled.size() - 1; i >= 0; i--) {
            if (settled.get(i).id.equals(id)) {
                return Optional.of(settled.get(i));
            }
        }
        refuseNewer(id);
        return Optional.empty();
    }

    /** A fetch with this id that a newer bgfetch wrote is not ours to read or change: say so. */
    private void refuseNewer(String id) {
        for (Map.Entry<Path, String> e : newer.entrySet()) {
            if (id.equals(e.getValue()) && Files.exists(e.getKey())) {
                throw new StateException(StateException.Kind.NEWER, "the fetch '" + id + "' was written by a newer"
                        + " bgfetch (" + e.getKey() + "); upgrade bgfetch to use it, this one leaves it untouched");
            }
        }
    }

    /** The fetch with this key, wherever it is; empty once forgotten. */
    public Optional<Fetch> byKey(String key) {
        Path s = settledDir.resolve(key + ".json");
        if (Files.exists(s)) {
            return readOrQuarantine(s);
        }
        return readOrQuarantine(activeDir.resolve(key + ".json"));
    }

    // ---------------------------------------------------------------- changes

    /**
     * Stores a new fetch; the id check and the insert are one step under the lock.
     *
     * @throws StateException ID_TAKEN if an active fetch has the same id
     */
    public Fetch register(Fetch f) {
        return locked(() -> {
            long maxSeq = 0;
            for (Path dir : List.of(activeDir, settledDir)) {
                for (Path p : list(dir)) {
                    maxSeq = Math.max(maxSeq, seqOf(p));
                }
            }
            for (Fetch other : active()) {
                if (other.id.equals(f.id)) {
                    throw new StateException(StateException.Kind.ID_TAKEN,
                            "an active fetch already has the id '" + f.id + "'");
                }
            }
            for (Map.Entry<Path, String> e : newer.entrySet()) {
                if (f.id.equals(e.getValue()) && e.getKey().startsWith(activeDir) && Files.exists(e.getKey())) {
                    throw new StateException(StateException.Kind.ID_TAKEN, "an active fetch already has the id '"
                            + f.id + "' (written by a newer bgfetch: " + e.getKey() + ")");
                }
            }
            f.key = String.format("%010d-%04x", maxSeq + 1, (int) (Math.random() * 0x10000));
            f.created = Instant.now().toString();
            f.schema = SCHEMA;
            write(f);
            return f;
        });
    }

    /**
     * Applies {@code change} to the current stored copy of the fetch with this key and stores it.
     * Returns the stored copy, or empty if the fetch no longer exists (forgotten).
     */
    public Optional<Fetch> update(String key, Consumer<Fetch> change) {
        return locked(() -> {
            Optional<Fetch> cur = byKey(key);
            cur.ifPresent(f -> {
                boolean wasSettled = f.hasSettled();
                change.accept(f);
                if (wasSettled && !f.hasSettled()) {
                    throw new IllegalStateException("a settled fetch cannot become active again: " + key);
                }
                write(f);
            });
            return cur;
        });
    }

    /** Where the records file of a settled fetch's hook ({@code BGFETCH_RECORDS}) is written. */
    public Path hookRecords(String key) {
        return home.resolve("hooks").resolve(key + ".records.json");
    }

    /** Opens (creating it private) a lock file of the store, e.g. the worker's. */
    public FileChannel openLockFile(String name) throws IOException {
        return FileChannel.open(home.resolve(name), EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
                fileAttrs());
    }

    /** Runs {@code body} under the store lock, for changes that must see and act on several fetches. */
    public <T> T locked(java.util.concurrent.Callable<T> body) {
        ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(home, k -> new ReentrantLock());
        try {
            if (!jvmLock.tryLock(LOCK_DEADLINE_MS, TimeUnit.MILLISECONDS)) {
                throw new StateException(StateException.Kind.IO, "the store " + home + " stayed locked for 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StateException(StateException.Kind.IO, "interrupted while waiting for the store lock", e);
        }
        try {
            if (jvmLock.getHoldCount() > 1) {
                return body.call();
            }
            try (FileChannel ch = FileChannel.open(home.resolve("store.lock"),
                    EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE), fileAttrs())) {
                FileLock lock = acquire(ch);
                try {
                    return body.call();
                } finally {
                    lock.release();
                }
            }
        } catch (StateException | IllegalStateException e) {
            throw e;
        } catch (IOException e) {
            throw new StateException(StateException.Kind.IO, "store " + home + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new StateException(StateException.Kind.IO, e.getMessage(), e);
        } finally {
            jvmLock.unlock();
        }
    }

    private FileLock acquire(FileChannel ch) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LOCK_DEADLINE_MS);
        long sleep = 1;
        while (true) {
            FileLock l = ch.tryLock();
            if (l != null) {
                return l;
            }
            if (System.nanoTime() > deadline) {
                throw new StateException(StateException.Kind.IO, "the store " + home + " stayed locked for 60 s");
            }
            try {
                Thread.sleep(sleep);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StateException(StateException.Kind.IO, "interrupted while waiting for the store lock", e);
            }
            sleep = Math.min(sleep * 2, 20);
        }
    }

    /** Aborts the active fetch with this id (§2 abort); the id is free for a new fetch at once. */
    public Fetch abort(String id) {
        return locked(() -> {
            Fetch f = activeWithId(id);
            f.abort();
            write(f);
            return f;
        });
    }

    /** Holds the active fetch with this id; its worker closes the transfers and keeps the partial data. */
    public Fetch pause(String id) {
        return locked(() -> {
            Fetch f = activeWithId(id);
            f.state = Fetch.PAUSED;
            write(f);
            return f;
        });
    }

    /** Lets a paused fetch continue. */
    public Fetch resume(String id) {
        return locked(() -> {
            Fetch f = activeWithId(id);
            if (Fetch.PAUSED.equals(f.state)) {
                f.state = Fetch.PENDING;
                write(f);
            }
            return f;
        });
    }

    private Fetch activeWithId(String id) {
        for (Fetch f : active()) {
            if (f.id.equals(id)) {
                return f;
            }
        }
        for (Map.Entry<Path, String> e : newer.entrySet()) {
            if (id.equals(e.getValue()) && e.getKey().startsWith(activeDir)) {
                refuseNewer(id);
            }
        }
        Optional<Fetch> settled = find(id);
        if (settled.isPresent()) {
            Fetch f = settled.get();
            throw new StateException(StateException.Kind.INVALID_STATE, "fetch '" + id + "' is already settled ("
                    + f.result + (f.failureReason.isEmpty() ? "" : ", " + f.failureReason) + ")");
        }
        throw new StateException(StateException.Kind.NOT_FOUND, "no fetch with the id '" + id + "'");
    }

    /** True when there is work for a worker: an active fetch not paused, or a settled one owing its hook. */
    public boolean needsWorker() {
        for (Fetch f : active()) {
            if (!Fetch.PAUSED.equals(f.state)) {
                return true;
            }
        }
        return settled().stream().anyMatch(f -> f.pendingHook() != null);
    }

    /** Drops every settled fetch with this id; the files they delivered stay on disk. */
    public List<Fetch> forget(String id) {
        return locked(() -> {
            for (Fetch f : active()) {
                if (f.id.equals(id)) {
                    throw new StateException(StateException.Kind.INVALID_STATE,
                            "fetch '" + id + "' is still active; abort it first");
                }
            }
            List<Fetch> gone = new ArrayList<>();
            for (Fetch f : settled()) {
                if (f.id.equals(id)) {
                    delete(f.key);
                    gone.add(f);
                }
            }
            if (gone.isEmpty()) {
                throw new StateException(StateException.Kind.NOT_FOUND, "no fetch with the id '" + id + "'");
            }
            return gone;
        });
    }

    /** Drops every settled fetch whose hook has run; returns them. */
    public List<Fetch> clean() {
        return locked(() -> {
            List<Fetch> gone = new ArrayList<>();
            for (Fetch f : settled()) {
                if (f.pendingHook() == null) {
                    delete(f.key);
                    gone.add(f);
                }
            }
            return gone;
        });
    }

    // ---------------------------------------------------------------- files

    private void write(Fetch f) {
        try {
            byte[] data = mapper.writeValueAsBytes(f);
            if (f.hasSettled()) {
                writeAtomic(settledDir.resolve(f.key + ".json"), data);
                if (Files.deleteIfExists(activeDir.resolve(f.key + ".json"))) {
                    fsyncDir(activeDir);
                }
            } else {
                writeAtomic(activeDir.resolve(f.key + ".json"), data);
            }
        } catch (IOException e) {
            throw new StateException(StateException.Kind.IO, "cannot write the state of '" + f.id + "': " + e.getMessage(), e);
        }
    }

    private void delete(String key) throws IOException {
        Files.deleteIfExists(settledDir.resolve(key + ".json"));
        Files.deleteIfExists(activeDir.resolve(key + ".json"));
        // The records file handed to the hook carries request headers (tokens): it goes with the fetch.
        Files.deleteIfExists(hookRecords(key));
        fsyncDir(settledDir);
        fsyncDir(activeDir);
    }

    /** Writes {@code data} to {@code target} durably: temp file, fsync, rename, fsync the directory. */
    public void writeAtomic(Path target, byte[] data) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, EnumSet.of(StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE), fileAttrs())) {
            ByteBuffer buf = ByteBuffer.wrap(data);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        fsyncDir(target.getParent());
    }

    private static void fsyncDir(Path dir) {
        // Makes the rename itself durable; some file systems refuse to fsync a directory, which is fine.
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // best effort
        }
    }

    private Optional<Fetch> readOrQuarantine(Path p) {
        byte[] data;
        try {
            data = Files.readAllBytes(p);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new StateException(StateException.Kind.IO, "cannot read " + p + ": " + e.getMessage(), e);
        }
        try {
            Fetch f = mapper.readValue(data, Fetch.class);
            if (f.schema > SCHEMA) {
                return skipNewer(p, data);
            }
            if (f.key == null || f.id == null || f.records == null) {
                throw new JsonProcessingException("missing key, id or records") { };
            }
            return Optional.of(f);
        } catch (IOException e) {
            // A newer schema may not even fit our classes: that is not damage, so it is never moved aside.
            if (newerSchema(data) > SCHEMA) {
                return skipNewer(p, data);
            }
            quarantine(p, e);
            return Optional.empty();
        }
    }

    /** The schema field of a state file read as a plain tree, or -1 when there is none to read. */
    private int newerSchema(byte[] data) {
        try {
            return mapper.readTree(data).path("schema").asInt(-1);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private Optional<Fetch> skipNewer(Path p, byte[] data) {
        String id;
        int schema;
        try {
            com.fasterxml.jackson.databind.JsonNode n = mapper.readTree(data);
            id = n.path("id").asText("");
            schema = n.path("schema").asInt();
        } catch (IOException e) {
            id = "";
            schema = -1;
        }
        if (newer.put(p, id) == null) {
            warnings.add(p + " was written by a newer bgfetch (schema " + schema + "); fetch '" + id
                    + "' is left untouched until bgfetch is upgraded");
        }
        return Optional.empty();
    }

    /** Moves a corrupt state file aside (never deletes it) and records a one-line warning naming it. */
    private void quarantine(Path p, IOException why) {
        locked(() -> {
            if (!Files.exists(p)) {
                return null;
            }
            try {
                mapper.readValue(Files.readAllBytes(p), Fetch.class);
                return null; // replaced by a good version meanwhile
            } catch (IOException still) {
                mkdirPrivate(brokenDir);
                Path aside = brokenDir.resolve(p.getFileName() + "." + System.currentTimeMillis());
                Files.move(p, aside);
                warnings.add("corrupt state file " + p + " (" + firstLine(why.getMessage())
                        + "); kept a copy as " + aside);
                return null;
            }
        });
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private List<Path> list(Path dir) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.json")) {
            for (Path p : ds) {
                if (!p.getFileName().toString().startsWith(".")) {
                    out.add(p);
                }
            }
        } catch (NoSuchFileException e) {
            return out;
        } catch (IOException e) {
            throw new StateException(StateException.Kind.IO, "cannot list " + dir + ": " + e.getMessage(), e);
        }
        out.sort(Comparator.comparing(p -> p.getFileName().toString()));
        return out;
    }

    private static long seqOf(Path p) {
        String n = p.getFileName().toString();
        int dash = n.indexOf('-');
        try {
            return dash > 0 ? Long.parseLong(n.substring(0, dash)) : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Creates the directory 0700, or makes an existing one 0700: a pre-created store must be private too. */
    private void mkdirPrivate(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIR_PERMS));
        }
        if (!Files.getPosixFilePermissions(dir).equals(DIR_PERMS)) {
            Files.setPosixFilePermissions(dir, DIR_PERMS);
        }
    }

    private static FileAttribute<?> fileAttrs() {
        return PosixFilePermissions.asFileAttribute(FILE_PERMS);
    }

}
