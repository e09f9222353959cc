package dev.bgfetch.state;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * The worker's own files in the store: the lock one worker holds, what a started worker wrote of
 * itself, the record of a spawn not yet started, and its log. The launcher and the worker go through
 * here rather than naming files of the store themselves.
 */
public final class WorkerFiles {
    private static final String LOCK = "worker.lock";
    private static final String STARTED = "worker.json";
    private static final String SPAWN = "worker.spawn";
    private static final String LOG = "worker.log";
    private static final String IDLE = "worker.idle";
    private static final String SPAWN_LOCK = "worker.spawn.lock";

    private final Path home;
    private final StoreLock spawnLock;

    /** A worker that took the lock: its pid and when it wrote so. */
    public static final class Started {
        public final long pid;
        public final Instant at;

        Started(long pid, Instant at) {
            this.pid = pid;
            this.at = at;
        }
    }

    WorkerFiles(Path home) {
        this.home = home;
        this.spawnLock = new StoreLock(home, SPAWN_LOCK, true); // polled: see StoreLock
    }

    /**
     * Runs {@code body} under the lock that decides spawns: whether to start a worker and the record of
     * one started, so that a hundred commands at once start one. Not the store lock, so that a `fetch`
     * can spawn the worker while it registers (bench/RESULTS.md, 2026-12-07, third session).
     */
    public <T> T spawnLocked(Callable<T> body) {
        return spawnLock.call(body);
    }

    /** Opens (creating it private) the file whose OS lock one worker holds. */
    public FileChannel openLock() throws IOException {
        return FileChannel.open(home.resolve(LOCK), Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
                DurableFiles.fileAttrs());
    }

    /**
     * Whether a worker holds the lock of the store at {@code home}, found without opening the store
     * (which would create it): a missing store or lock file is no worker. The one probe of the lock:
     * WorkerLauncher.isRunning asks it too.
     */
    public static boolean lockHeld(Path home) {
        try (FileChannel ch = FileChannel.open(home.resolve(LOCK), StandardOpenOption.WRITE)) {
            java.nio.channels.FileLock l = ch.tryLock();
            if (l == null) {
                return true;
            }
            l.release();
            return false;
        } catch (java.nio.channels.OverlappingFileLockException e) {
            return true;
        } catch (java.nio.file.NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            // not ours to open for writing (a store made read-only): "no worker" was said of a running one
            return lockHolder(home).isPresent();
        }
    }

    /**
     * The pid of the process that holds the worker lock, from the kernel's table of locks
     * ({@code /proc/locks}), which anyone may read: for a store whose lock cannot be probed, or whose
     * worker.json cannot be read. Empty where there is no such table, or nobody holds the lock.
     */
    public static Optional<Long> lockHolder(Path home) {
        long ino;
        long dev;
        try {
            ino = ((Number) Files.getAttribute(home.resolve(LOCK), "unix:ino", java.nio.file.LinkOption.NOFOLLOW_LINKS)).longValue();
            dev = ((Number) Files.getAttribute(home.resolve(LOCK), "unix:dev", java.nio.file.LinkOption.NOFOLLOW_LINKS)).longValue();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        // glibc's major() and minor() of a dev_t
        long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
        long minor = (dev & 0xff) | ((dev >>> 12) & ~0xffL);
        List<String> locks;
        try {
            locks = Files.readAllLines(Path.of("/proc/locks"), java.nio.charset.StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        for (String line : locks) {
            // "1: POSIX  ADVISORY  WRITE 12345 fe:01:1234567 0 EOF"; a waiter's line has "->" after the number
            String[] f = line.trim().split("\\s+");
            if (f.length < 6 || f[1].equals("->") || !f[3].equals("WRITE")) {
                continue;
            }
            String[] where = f[5].split(":");
            try {
                if (where.length == 3 && Long.parseLong(where[2]) == ino && Long.parseLong(where[0], 16) == major
                        && Long.parseLong(where[1], 16) == minor) {
                    return Optional.of(Long.parseLong(f[4]));
                }
            } catch (NumberFormatException e) {
                // another kind of line
            }
        }
        return Optional.empty();
    }

    /**
     * The identity of the file now at the lock's name (its inode), or null if there is none: a worker
     * compares it with the file it locked, since a lock on a deleted file keeps no one else out.
     */
    public Object lockIdentity() {
        try {
            return Files.readAttributes(home.resolve(LOCK), java.nio.file.attribute.BasicFileAttributes.class,
                    java.nio.file.LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    /** Records, durably, that the worker with this pid holds the lock now. */
    public void writeStarted(long pid) throws IOException {
        DurableFiles.writeAtomic(home.resolve(STARTED), StateJson.flat(Map.of(
                "schema", Store.SCHEMA, "pid", pid, "started", Timestamps.now())));
    }

    /** What the last worker to start wrote of itself, if anything readable. */
    public Optional<Started> started() {
        try {
            Map<String, String> n = StateJson.readFlat(Files.readAllBytes(home.resolve(STARTED)));
            return Optional.of(new Started(Long.parseLong(n.getOrDefault("pid", "-1")), Instant.parse(n.get("started"))));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // never written, or being replaced
        }
    }

    /**
     * Leaves word that a worker found nothing to do as it exited (under the store lock, after its own
     * look at every fetch): until some work is made, a command need not read every summary to know
     * that no worker is needed. Not fsynced: if a crash loses it, commands look as before.
     */
    void markIdle() throws IOException {
        Files.newByteChannel(home.resolve(IDLE), Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
                DurableFiles.fileAttrs()).close();
    }

    /** Whether the last worker left word that there was nothing to do, and no work was made since. */
    boolean idle() {
        return idleSince() != null;
    }

    /** When the word of {@link #markIdle} was left, or null without one (anything else at its name is none). */
    FileTime idleSince() {
        try {
            BasicFileAttributes a = Files.readAttributes(home.resolve(IDLE), BasicFileAttributes.class);
            return a.isRegularFile() ? a.lastModifiedTime() : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Takes back the word of {@link #markIdle} (under the store lock, before a change that makes work
     * is reported done, and when a worker starts); durably, so the word never comes back after a
     * crash while the work it denies is on disk.
     */
    void clearIdle() throws IOException {
        try {
            if (Files.deleteIfExists(home.resolve(IDLE))) {
                DurableFiles.fsyncDir(home);
            }
        } catch (DirectoryNotEmptyException e) {
            // not a file of ours, and never taken for the word (see idle)
        }
    }

    /** Records, durably, a spawned worker not yet known to have started. */
    public void writeSpawn(long pid) throws IOException {
        DurableFiles.writeAtomic(home.resolve(SPAWN), StateJson.flat(Map.of(
                "pid", pid, "at", System.currentTimeMillis())));
    }

    /** The pid of the recorded spawn, else -1. */
    public long spawnedPid() {
        try {
            return Long.parseLong(StateJson.readFlat(Files.readAllBytes(home.resolve(SPAWN))).getOrDefault("pid", "-1"));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Drops the spawn record. */
    public void deleteSpawn() throws IOException {
        Files.deleteIfExists(home.resolve(SPAWN));
    }

    /** The worker's log, where its start-up errors and each fetch's story go. */
    public Path log() {
        return home.resolve(LOG);
    }
}
