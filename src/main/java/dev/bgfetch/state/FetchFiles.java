package dev.bgfetch.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The fetch directories on disk, for {@link Store}: where a fetch lives, how its summary, journal and
 * progress are written and read back, and what happens to a damaged one (moved aside to
 * {@code broken/}, named in a warning) or one a newer bgfetch wrote (left untouched, reported once).
 * It takes the store lock only to move damage aside; every other caller holds it already or reads.
 */
final class FetchFiles {
    static final String SUMMARY = "fetch.json";
    static final String JOURNAL = "records.jsonl";
    static final String PROGRESS = "progress.bin";

    private final Path activeDir;
    private final Path settledDir;
    private final Path brokenDir;
    private final Path hooksDir;
    private final StoreLock lock;
    private final IdIndex ids;
    private final List<String> warnings = new CopyOnWriteArrayList<>();
    /**
     * State files written by a newer bgfetch (path → the fetch's id, if readable): never parsed as ours,
     * never moved or rewritten, reported once; every other fetch of the store works as usual.
     */
    private final Map<Path, String> newer = new ConcurrentHashMap<>();

    FetchFiles(Path home, StoreLock lock) {
        this.activeDir = home.resolve("active");
        this.settledDir = home.resolve("settled");
        this.brokenDir = home.resolve("broken");
        this.hooksDir = home.resolve("hooks");
        this.lock = lock;
        this.ids = new IdIndex(home);
    }

    /** Summaries found unreadable (not damaged): said once each. */
    private final java.util.Set<Path> skipped = new java.util.HashSet<>();

    List<String> warnings() {
        return warnings;
    }

    /** Files of a newer bgfetch met so far, with the ids they hold. */
    Map<Path, String> newer() {
        return newer;
    }

    /** Where the records file of a settled fetch's hook ({@code BGFETCH_RECORDS}) is. */
    Path hookRecords(String key) {
        return hooksDir.resolve(key + ".records.json");
    }

    /** Where the fetch with this key lives: settled once moved there, else active. */
    Path dirOf(String key) {
        Path s = settledDir.resolve(key);
        return Files.isDirectory(s) ? s : activeDir.resolve(key);
    }

    /**
     * Where an active fetch's directory went when it was looked up in active/ and then settled before
     * its summary was read (a settle renames it into settled/): that place, else null. A reader that
     * waited for the settled state is quickest to meet this (FetchFlowTest did, once).
     */
    Path movedToSettled(Path dir) {
        if (!dir.getParent().equals(activeDir) || Files.isDirectory(dir)) {
            return null;
        }
        Path settled = settledDir.resolve(dir.getFileName());
        return Files.isDirectory(settled) ? settled : null;
    }

    /**
     * Builds a fetch's directory aside, fsynced, and renames it into {@code parent} whole. Nobody reads
     * the directory aside, so its files are written in place (no temp file and rename each) and the
     * directory fsynced once: four fsyncs and one rename a registration instead of five and three.
     */
    void createDir(Path parent, Fetch f) throws IOException {
        Path tmp = parent.resolve("." + f.key + ".new");
        DurableFiles.deleteTree(tmp);
        try {
            DurableFiles.mkdirPrivate(tmp);
            DurableFiles.writeSynced(tmp.resolve(JOURNAL), journalBytes(f.records));
            DurableFiles.writeSynced(tmp.resolve(SUMMARY), summaryBytes(f));
            DurableFiles.fsyncDir(tmp);
            DurableFiles.move(tmp, parent.resolve(f.key));
        } catch (IOException | RuntimeException e) {
            // A registration that fails stores nothing: its half-written directory on a full disk kept
            // the store full, so every later fetch failed too
            try {
                DurableFiles.deleteTree(tmp);
            } catch (IOException ignored) {
                // the first error is the one to report
            }
            throw e;
        }
        DurableFiles.fsyncDir(parent);
    }

    /**
     * The half-written registrations that clients killed mid-way left (".KEY.new" in active/), once
     * older than {@code age}: nothing will ever finish them.
     */
    void dropAbandonedRegistrations(java.time.Duration age) {
        deleteOlderThan(activeDir, n -> n.startsWith(".") && n.endsWith(".new"), age);
    }

    /** The records files of hooks that a killed worker left, once older than {@code age}. */
    void dropStaleHookRecords(java.time.Duration age) {
        deleteOlderThan(hooksDir, n -> n.endsWith(".records.json"), age);
    }

    /** Deletes the entries of {@code dir} (trees too) whose name passes and that were last changed before {@code age} ago. */
    private static void deleteOlderThan(Path dir, java.util.function.Predicate<String> name, java.time.Duration age) {
        long before = System.currentTimeMillis() - age.toMillis();
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                try {
                    if (name.test(p.getFileName().toString())
                            && Files.getLastModifiedTime(p, java.nio.file.LinkOption.NOFOLLOW_LINKS).toMillis() < before) {
                        if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                            DurableFiles.deleteTree(p);
                        } else {
                            Files.deleteIfExists(p);
                        }
                    }
                } catch (IOException e) {
                    // gone meanwhile: the next worker looks again
                }
            }
        } catch (IOException e) {
            // no such directory yet
        }
    }

    /**
     * Stores a whole fetch in its directory: the compacted journal first, then the summary (each
     * replaced atomically, so a crash between them leaves equivalent records). A settled fetch then
     * moves to settled/ in one rename; a crash before it leaves a settled summary in active/, which
     * every reader takes as settled.
     */
    /** The records' bytes; a loop, not a stream: a JVM's first stream costs `get` ~4 ms on JDK 25 (DurableFiles). */
    private static long downloaded(List<Rec> records) {
        long sum = 0;
        for (Rec r : records) {
            sum += r.downloaded;
        }
        return sum;
    }

    void writeWhole(Path dir, Fetch f) throws IOException {
        f.summarize();
        f.downloaded = downloaded(f.records);
        DurableFiles.writeAtomic(dir.resolve(JOURNAL), journalBytes(f.records));
        DurableFiles.writeAtomic(dir.resolve(SUMMARY), summaryBytes(f));
        if (f.hasSettled() && dir.getParent().equals(activeDir)) {
            Files.deleteIfExists(dir.resolve(PROGRESS));
            DurableFiles.move(dir, settledDir.resolve(f.key));
            DurableFiles.fsyncDir(activeDir);
            DurableFiles.fsyncDir(settledDir);
        }
    }

    /** The fetch's files; not its hook's records file, which lives as long as the hook runs (see Store#dropHookRecords). */
    void delete(String key) throws IOException {
        DurableFiles.deleteTree(settledDir.resolve(key));
        DurableFiles.deleteTree(activeDir.resolve(key));
        DurableFiles.fsyncDir(settledDir);
        DurableFiles.fsyncDir(activeDir);
    }

    byte[] summaryBytes(Fetch f) throws IOException {
        return StateJson.summary(f);
    }

    byte[] journalBytes(List<Rec> records) throws IOException {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream(records.size() * 256);
        for (Rec r : records) {
            byte[] line = StateJson.record(r);
            b.write(line, 0, line.length);
            b.write('\n');
        }
        return b.toByteArray();
    }

    // ---------------------------------------------------------------- reading, damage, newer schemas

    /**
     * The readable active summaries whose id is {@code id}: only the directories the id index
     * ({@code known}, as read by the caller) names with it, or does not name at all, are read (and, if
     * damaged, moved aside as any reader would).
     */
    List<Fetch> activeWithId(String id, Map<String, String> known) {
        List<Fetch> out = new ArrayList<>();
        Listing active = listing(activeDir);
        for (Path d : mayHoldId(id, active.dirs(), known)) {
            Optional<Fetch> f = readSummary(d);
            if (f.isPresent() && f.get().isActive() && f.get().id.equals(id)) {
                out.add(f.get());
            }
        }
        skipNewer(active.files());
        return out;
    }

    /** The ids of the directories in active/, in registration order, by the id index (see {@link #idsOf}). */
    List<String> activeIds() {
        Listing active = listing(activeDir);
        List<String> out = new ArrayList<>(idsOf(active.dirs(), ids.read()).values());
        skipNewer(active.files());
        return out;
    }

    /**
     * The readable summaries, active and settled, whose id is {@code id}, in registration order, active
     * ones with their published byte counts; read as {@link #activeWithId} reads them.
     */
    List<Fetch> withId(String id) {
        Map<String, Fetch> byKey = new TreeMap<>();
        Map<String, String> known = ids.read();
        for (Path dir : List.of(activeDir, settledDir)) {
            Listing l = listing(dir);
            for (Path d : mayHoldId(id, l.dirs(), known)) {
                Optional<Fetch> f = readSummary(d); // no lambdas on get's path (LauncherIT)
                if (f.isPresent() && f.get().id.equals(id)) {
                    byKey.put(f.get().key, withProgress(d, f.get()));
                }
            }
            skipNewer(l.files());
        }
        return new ArrayList<>(byKey.values());
    }

    /**
     * Of {@code fetchDirs}, those that may hold {@code id}: named with it by the id index, or not named
     * there at all (their summaries are then read, and the ids of those that are ours added to the index).
     */
    private List<Path> mayHoldId(String id, List<Path> fetchDirs, Map<String, String> known) {
        List<Path> out = new ArrayList<>();
        Map<Path, String> byDir = idsOf(fetchDirs, known);
        for (Path d : fetchDirs) {
            String has = byDir.get(d);
            if (has == null || has.equals(id)) {
                out.add(d);
            }
        }
        return out;
    }

    /**
     * The ids of {@code fetchDirs} by the id index ({@code known}); a directory it does not name is read whole (once: a
     * readable summary of ours is added to the index; a line is true for ever, so no lock is needed), and
     * one that is damaged, of a newer bgfetch, or gone is left out, as every reader leaves it out.
     */
    private Map<Path, String> idsOf(List<Path> fetchDirs, Map<String, String> known) {
        Map<String, String> learned = new LinkedHashMap<>();
        Map<Path, String> out = new LinkedHashMap<>();
        for (Path d : fetchDirs) {
            String key = d.getFileName().toString();
            String has = known.get(key);
            if (has == null && Store.isKey(key)) {
                Optional<Fetch> f = readSummary(d);
                if (f.isPresent()) {
                    has = f.get().id;
                    learned.put(key, has);
                }
            }
            if (has != null) {
                out.put(d, has);
            }
        }
        try {
            ids.append(learned);
        } catch (IOException e) {
            // a hint only: those are read again next time
        }
        return out;
    }

    /** The index of ids, for {@link Store}'s registration and clean-ups. */
    IdIndex idIndex() {
        return ids;
    }

    /** Every readable summary, active and settled, in registration order (a key is in one place only). */
    List<Fetch> summaries() {
        return summaries(true);
    }

    /**
     * The readable summaries of active/, and of settled/ if asked, in registration order, active
     * ones with their published byte counts (a read of each progress file's header).
     */
    List<Fetch> summaries(boolean settledToo) {
        Map<String, Fetch> byKey = new TreeMap<>();
        for (Path dir : settledToo ? List.of(activeDir, settledDir) : List.of(activeDir)) {
            Listing l = listing(dir);
            for (Path d : l.dirs()) {
                Optional<Fetch> f = readSummary(d); // no lambdas on list's path (LauncherIT)
                if (f.isPresent()) {
                    byKey.put(f.get().key, withProgress(d, f.get()));
                }
            }
            skipNewer(l.files()); // left by a newer bgfetch (a schema-1 file was migrated on open)
        }
        return new ArrayList<>(byKey.values());
    }

    /**
     * Whether a readable summary {@link Fetch#needsWorker needs a worker}, active/ read before settled/
     * and the reading stopped at the first that does: it costs one file when the answer is near the
     * front, not the whole store. Byte counts are not read. (No predicate lambda: every command that
     * finds no worker running asks this, and a lambda is ~6 ms of a cold JVM: LauncherIT.)
     */
    boolean anyNeedingWorker() {
        for (Path dir : List.of(activeDir, settledDir)) {
            for (Path d : fetchDirs(dir)) {
                Optional<Fetch> f = readSummary(d);
                if (f.isPresent() && f.get().needsWorker()) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Plain state files of a listing: a newer bgfetch's (a schema-1 file was migrated on open), noted once. */
    private void skipNewer(List<Path> files) {
        for (Path p : files) {
            skipNewer(p, readQuietly(p));
        }
    }

    private static byte[] readQuietly(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            return new byte[0];
        }
    }

    /** An active fetch's summary with its published byte counts (a read of the file's header). */
    Fetch withProgress(Path dir, Fetch f) {
        if (f.isActive()) {
            Optional<ProgressFile.Progress> p = ProgressFile.read(dir.resolve(PROGRESS), f.files, false);
            if (p.isPresent()) { // not ifPresent(lambda): list and get link no lambda (LauncherIT)
                f.downloaded = p.get().downloaded;
                f.speed = p.get().speed;
            }
        }
        return f;
    }

    Optional<Fetch> readSummary(Path dir) {
        Path p = dir.resolve(SUMMARY);
        byte[] data;
        try {
            data = Files.readAllBytes(p);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            if (!Files.isDirectory(dir)) {
                return Optional.empty(); // a file named like a fetch directory: not one (see Listing)
            }
            // One fetch's unreadable summary failed list and get for the whole store
            if (Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                    && !Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                quarantine(dir, p, "not a regular file");
            } else if (!skipped.contains(p)) {
                skipped.add(p);
                warnings.add("cannot read " + p + ": " + IoReason.of(e) + "; that fetch is left out");
            }
            return Optional.empty();
        }
        try {
            Fetch f = StateJson.readFetch(data);
            if (f.schema > Store.DISK_SCHEMA) {
                return skipNewer(p, data);
            }
            if (f.key == null || f.id == null || !f.key.equals(dir.getFileName().toString())) {
                throw new JsonProcessingException("missing key or id") { };
            }
            f.records = new ArrayList<>();
            return Optional.of(f);
        } catch (IOException e) {
            // A newer schema may not even fit our classes: that is not damage, so it is never moved aside.
            if (schemaOf(data) > Store.DISK_SCHEMA) {
                return skipNewer(p, data);
            }
            quarantine(dir, p, e.getMessage());
            return Optional.empty();
        }
    }

    /** Summary, records from the journal (a torn last line ignored), and, while active, published progress. */
    Optional<Fetch> readWhole(Path dir) {
        Optional<Fetch> s = readSummary(dir);
        if (s.isEmpty()) {
            Path moved = movedToSettled(dir);
            return moved == null ? s : readWhole(moved);
        }
        Fetch f = s.get();
        Path journal = dir.resolve(JOURNAL);
        Rec[] recs;
        try {
            recs = records(journal, f.files);
        } catch (NoSuchFileException e) {
            if (!Files.isDirectory(dir)) {
                return readWhole(dirOf(f.key)); // moved to settled/ while we read
            }
            quarantine(dir, journal, "missing");
            return Optional.empty();
        } catch (IOException e) {
            quarantine(dir, journal, e.getMessage());
            return Optional.empty();
        }
        f.records = new ArrayList<>(List.of(recs));
        if (f.isActive()) {
            Optional<ProgressFile.Progress> progress = ProgressFile.read(dir.resolve(PROGRESS), recs.length, true);
            if (progress.isPresent()) { // not ifPresent(lambda): get's path links no lambda (LauncherIT)
                for (int i = 0; i < recs.length; i++) {
                    recs[i].downloaded = Math.max(0, progress.get().perRecord[i]);
                }
                f.speed = progress.get().speed;
            }
            f.downloaded = downloaded(f.records);
        }
        f.summarize();
        return Optional.of(f);
    }

    /** Every record of a fetch of {@code files} records, from its journal; a missing or unknown one is damage. */
    private static Rec[] records(Path journal, int files) throws IOException {
        Rec[] recs = new Rec[files];
        for (String line : Journal.read(journal)) {
            Rec r = StateJson.readRec(line);
            if (r.index < 0 || r.index >= recs.length || r.request == null || r.request.url == null) {
                throw new JsonProcessingException("a record with index " + r.index + " of " + recs.length) { };
            }
            recs[r.index] = r;
        }
        for (int i = 0; i < recs.length; i++) {
            if (recs[i] == null) {
                throw new JsonProcessingException("record " + i + " is missing") { };
            }
        }
        return recs;
    }

    /** The schema field of a state file read as a plain tree, or -1 when there is none to read. */
    int schemaOf(byte[] data) {
        try {
            return Integer.parseInt(StateJson.readFlat(data).getOrDefault("schema", "-1"));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    <T> Optional<T> skipNewer(Path p, byte[] data) {
        String id;
        int schema;
        try {
            Map<String, String> n = StateJson.readFlat(data);
            id = n.getOrDefault("id", "");
            schema = Integer.parseInt(n.getOrDefault("schema", "0"));
        } catch (IOException | RuntimeException e) {
            id = "";
            schema = -1;
        }
        if (newer.put(p, id) == null) {
            warnings.add(p + " was written by a newer bgfetch (schema " + schema + "); fetch '" + id
                    + "' is left untouched until bgfetch is upgraded");
        }
        return Optional.empty();
    }

    /** Whether {@link #quarantine} set a copy of this fetch's directory aside (named KEY.MILLIS). */
    boolean setAside(String key) {
        return setAsidePath(key).isPresent();
    }

    /** The copy {@link #quarantine} set aside for this key, if any. */
    Optional<Path> setAsidePath(String key) {
        try (java.util.stream.Stream<Path> s = Files.list(brokenDir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(key + ".")).findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Moves a damaged fetch (its directory, or a schema-1 file) aside, never deleting it, and records
     * a one-line warning naming the damaged file. Checked again under the lock: a writer may have
     * replaced it with a good version meanwhile.
     */
    void quarantine(Path what, Path damaged, String why) {
        lock.call(() -> {
            if (!Files.exists(what) || stillReadable(what, damaged)) {
                return null;
            }
            DurableFiles.mkdirPrivate(brokenDir);
            Path aside = brokenDir.resolve(what.getFileName() + "." + System.currentTimeMillis());
            Files.move(what, aside);
            DurableFiles.fsyncDir(what.getParent());
            warnings.add("corrupt state file " + damaged + " (" + firstLine(why) + "); kept a copy as " + aside);
            return null;
        });
    }

    private boolean stillReadable(Path what, Path damaged) {
        try {
            if (damaged.getFileName().toString().equals(JOURNAL)) {
                // every record there, as readWhole asks: an emptied or zero-filled journal (what a power
                // loss leaves) has no bad line, and its fetch was left active with no record for good
                Fetch summary = StateJson.readFetch(Files.readAllBytes(what.resolve(SUMMARY)));
                records(damaged, summary.files);
                return true;
            }
            Fetch f = StateJson.readFetch(Files.readAllBytes(damaged));
            return f.key != null && f.id != null && (Files.isRegularFile(what) ? f.records != null
                    : f.key.equals(what.getFileName().toString()));
        } catch (IOException e) {
            return false;
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** The fetch directories under {@code dir}, sorted by name (registration order); temp names left out. */
    List<Path> fetchDirs(Path dir) {
        return listing(dir).dirs();
    }

    /** Plain {@code *.json} files under {@code dir}: schema-1 state, or files of a newer bgfetch. */
    List<Path> files(Path dir) {
        return listing(dir).files();
    }

    /**
     * What {@link #fetchDirs} and {@link #files} give, from one listing. A name of a key's shape is taken
     * for a fetch directory without a stat (with a hundred fetches, the stats were ~8 ms of a command on
     * a cold JVM); a file of that name is left out when its summary is read.
     */
    record Listing(List<Path> dirs, List<Path> files) {
    }

    Listing listing(Path dir) {
        List<Path> dirs = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        for (Path p : entries(dir)) {
            String name = p.getFileName().toString();
            if (Store.isKey(name)) {
                dirs.add(p);
                continue;
            }
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(p, BasicFileAttributes.class);
            } catch (IOException e) {
                continue; // gone meanwhile, or a dangling link: neither
            }
            if (a.isDirectory()) {
                dirs.add(p);
            } else if (a.isRegularFile() && name.endsWith(".json")) {
                files.add(p);
            }
        }
        return new Listing(dirs, files);
    }

    List<Path> entries(Path dir) {
        // java.io's list, not a DirectoryStream: closing JDK 21+'s secure directory stream links a
        // lambda, the first of a `get` on JDK 25 (~4 ms). The stream is asked only for why a list failed.
        String[] names = dir.toFile().list();
        if (names == null) {
            return entriesOrWhyNot(dir);
        }
        List<Path> out = new ArrayList<>(names.length);
        for (String n : names) {
            if (!n.startsWith(".")) {
                out.add(dir.resolve(n));
            }
        }
        // Paths of one directory compare as their names do; no comparator lambda to spin up at every start.
        java.util.Collections.sort(out);
        return out;
    }

    private static List<Path> entriesOrWhyNot(Path dir) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (!p.getFileName().toString().startsWith(".")) {
                    out.add(p);
                }
            }
        } catch (NoSuchFileException e) {
            return out;
        } catch (IOException e) {
            throw new StateException(StateException.Kind.IO, "cannot list " + dir + ": " + IoReason.of(e), e);
        }
        java.util.Collections.sort(out);
        return out;
    }

    static long seqOf(Path p) {
        String n = p.getFileName().toString();
        int dash = n.indexOf('-');
        try {
            return dash > 0 ? Long.parseLong(n.substring(0, dash)) : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    Path activeDir() {
        return activeDir;
    }

    Path settledDir() {
        return settledDir;
    }
}
