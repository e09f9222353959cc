package dev.bgfetch.state;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/** The store-wide lock, across threads and processes, re-entrant, with a 60 s deadline. */
final class StoreLock {
    private static final long DEADLINE_MS = 60_000;
    /** A JVM cannot take a FileLock twice, so threads of one process queue here first. */
    private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    private final Path home;

    StoreLock(Path home) {
        this.home = home;
    }

    <T> T call(Callable<T> body) {
        ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(home, k -> new ReentrantLock());
        try {
            if (!jvmLock.tryLock(DEADLINE_MS, TimeUnit.MILLISECONDS)) {
                throw stayedLocked();
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
                    EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE), DurableFiles.fileAttrs())) {
                FileLock lock = acquire(ch);
                try {
                    return body.call();
                } finally {
                    lock.release();
                }
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (IOException e) {
            throw new StateException(StateException.Kind.IO, "store " + home + ": " + IoReason.of(e), e);
        } catch (Exception e) {
            throw new StateException(StateException.Kind.IO, e.getMessage(), e);
        } finally {
            jvmLock.unlock();
        }
    }

    private FileLock acquire(FileChannel ch) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MS);
        long sleep = 1;
        while (true) {
            FileLock l = ch.tryLock();
            if (l != null) {
                return l;
            }
            if (System.nanoTime() > deadline) {
                throw stayedLocked();
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

    private StateException stayedLocked() {
        return new StateException(StateException.Kind.IO, "the store " + home + " stayed locked for 60 s");
    }
}
