package dev.bgfetch.state;

import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A lock of the store, across threads and processes, re-entrant, with a 60 s deadline: the store-wide
 * one ({@code store.lock}), or the one a worker's spawn is decided under ({@code worker.spawn.lock}).
 */
final class StoreLock {
    private static final long DEADLINE_MS = 60_000;
    /** A JVM cannot take a FileLock twice, so threads of one process queue here first. */
    private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    private static final int WAITING = 0;
    private static final int HELD = 1;
    private static final int EXPIRED = 2;
    /** Made at the first contended wait only: most commands never wait. */
    private static final class Watchdog {
        static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "store-lock-deadline");
            t.setDaemon(true);
            return t;
        });
    }

    private final Path home;
    private final Path file;
    private final boolean polled;

    /**
     * {@code polled}: waited for by trying again every few ms, never in the kernel's queue. One of a
     * process's two locks must be so: POSIX locks belong to the process, so a thread waiting in the
     * kernel for one lock while another thread of the same process holds the other looks like a
     * deadlock to the kernel when a second process does the same the other way round, and it fails
     * the wait with EDEADLK ("resource deadlock avoided"), though each thread would have gone on.
     */
    StoreLock(Path home, String name, boolean polled) {
        this.home = home;
        this.file = home.resolve(name);
        this.polled = polled;
    }

    <T> T call(Callable<T> body) {
        try (Held held = hold()) {
            return body.call();
        } catch (RuntimeException e) {
            throw e;
        } catch (IOException e) {
            throw new StateException(StateException.Kind.IO, "store " + home + ": " + IoReason.of(e), e);
        } catch (Exception e) {
            throw new StateException(StateException.Kind.IO, e.getMessage(), e);
        }
    }

    /**
     * The lock, held until {@link Held#close()}: {@link #call} without a lambda, for the registration,
     * where linking a process's first lambda call sites cost ~6 ms (bench/RESULTS.md, 2026-12-07).
     */
    Held hold() {
        ReentrantLock jvmLock = JVM_LOCKS.get(file);
        if (jvmLock == null) {
            ReentrantLock mine = new ReentrantLock();
            jvmLock = JVM_LOCKS.putIfAbsent(file, mine);
            if (jvmLock == null) {
                jvmLock = mine;
            }
        }
        try {
            if (!jvmLock.tryLock(DEADLINE_MS, TimeUnit.MILLISECONDS)) {
                throw stayedLocked();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StateException(StateException.Kind.IO, "interrupted while waiting for the store lock", e);
        }
        if (jvmLock.getHoldCount() > 1) {
            return new Held(jvmLock, null);
        }
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file,
                    Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE), DurableFiles.fileAttrs());
            if (polled) {
                poll(ch);
            } else {
                acquire(ch);
            }
            return new Held(jvmLock, ch);
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            jvmLock.unlock();
            if (e instanceof IOException) {
                throw new StateException(StateException.Kind.IO, "store " + home + ": cannot lock " + file.getFileName() + ": "
                        + IoReason.of((IOException) e), e);
            }
            throw (RuntimeException) e;
        }
    }

    /** The held lock; closing the channel releases the file lock (only the outermost hold has one). */
    static final class Held implements AutoCloseable {
        private final ReentrantLock jvmLock;
        private final FileChannel channel;

        private Held(ReentrantLock jvmLock, FileChannel channel) {
            this.jvmLock = jvmLock;
            this.channel = channel;
        }

        @Override
        public void close() {
            try {
                closeQuietly(channel);
            } finally {
                jvmLock.unlock();
            }
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                // closing releases the lock whatever it reports
            }
        }
    }

    private void poll(FileChannel ch) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MS);
        while (ch.tryLock() == null) {
            if (System.nanoTime() > deadline) {
                throw stayedLocked();
            }
            try {
                Thread.sleep(3);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StateException(StateException.Kind.IO, "interrupted while waiting for the store lock", e);
            }
        }
    }

    /**
     * Waits in the kernel's queue (a blocking lock, woken at each release) rather than polling: with
     * a hundred processes registering at once, a poller sleeping between tries lost every race for
     * a minute. The deadline closes the channel, which ends the wait.
     */
    private FileLock acquire(FileChannel ch) throws IOException {
        FileLock quick = ch.tryLock();
        if (quick != null) {
            return quick;
        }
        AtomicInteger state = new AtomicInteger(WAITING);
        ScheduledFuture<?> deadline = Watchdog.TIMER.schedule(() -> {
            if (state.compareAndSet(WAITING, EXPIRED)) {
                try {
                    ch.close();
                } catch (IOException e) {
                    // the waiter sees the channel closed either way
                }
            }
        }, DEADLINE_MS, TimeUnit.MILLISECONDS);
        try {
            FileLock l = ch.lock();
            if (!state.compareAndSet(WAITING, HELD)) {
                throw stayedLocked(); // the deadline closed the channel as the lock came
            }
            return l;
        } catch (ClosedByInterruptException e) {
            Thread.currentThread().interrupt();
            throw new StateException(StateException.Kind.IO, "interrupted while waiting for the store lock", e);
        } catch (AsynchronousCloseException e) {
            if (state.get() == EXPIRED) {
                throw stayedLocked();
            }
            throw e;
        } finally {
            deadline.cancel(false);
        }
    }

    private StateException stayedLocked() {
        return new StateException(StateException.Kind.IO, "the store " + home + " stayed locked for 60 s");
    }
}
