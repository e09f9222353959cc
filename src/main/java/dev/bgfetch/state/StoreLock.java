package dev.bgfetch.state;

import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/** The store-wide lock, across threads and processes, re-entrant, with a 60 s deadline. */
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
