package dev.bgfetch.state;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.concurrent.TimeUnit;

/**
 * Wakes a process that waits on the store as soon as a fetch is registered, settled or forgotten
 * (a directory appears in or leaves {@code active/} or {@code settled/}); where the file system
 * cannot tell (no inotify, a network file system), {@link #await} just sleeps its time.
 *
 * <p>Why: the worker looked for new fetches and the waiting client for settles on a timer, 25-50 ms
 * apart, so a cold fetch's pick-up and its client's exit each waited half a period on average and a
 * new worker a whole one. Waiters still look on their timer too: a change inside a fetch's directory
 * (a pause, a summary rewritten) is not watched, and an event can be lost when the queue overflows.
 */
public final class StoreWatch implements AutoCloseable {
    private final WatchService service;

    private StoreWatch(WatchService service) {
        this.service = service;
    }

    /** Watches these directories; one that cannot be watched (or none) leaves a plain timer. */
    static StoreWatch of(Path... dirs) {
        WatchService ws = null;
        try {
            ws = FileSystems.getDefault().newWatchService();
            for (Path d : dirs) {
                d.register(ws, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE);
            }
            return new StoreWatch(ws);
        } catch (IOException | UnsupportedOperationException e) {
            closeQuietly(ws);
            return new StoreWatch(null);
        }
    }

    /** Whether changes wake {@link #await} early (false: it only sleeps). */
    public boolean watching() {
        return service != null;
    }

    /**
     * Waits up to {@code millis} for a fetch to come or go; true when one did (or the watch ended,
     * so the caller should look), false when the time ran out.
     */
    public boolean await(long millis) throws InterruptedException {
        if (service == null) {
            Thread.sleep(millis);
            return false;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                WatchKey key = left > 0 ? service.poll(left, TimeUnit.NANOSECONDS) : null;
                if (key == null) {
                    return false;
                }
                boolean changed = false;
                do {
                    changed |= drain(key);
                    key = service.poll();
                } while (key != null);
                if (changed) {
                    return true;
                }
                // only our own temporary directories came and went: nothing to look at yet
            }
        } catch (ClosedWatchServiceException e) {
            return true;
        }
    }

    /** Whether the key's events name a fetch (not a ".KEY.new" being built); re-arms the key. */
    private static boolean drain(WatchKey key) {
        boolean changed = false;
        for (WatchEvent<?> e : key.pollEvents()) {
            Object name = e.context();
            changed |= e.kind() == StandardWatchEventKinds.OVERFLOW
                    || !(name instanceof Path p) || !p.toString().startsWith(".");
        }
        changed |= !key.reset(); // the directory went away: let the caller find out
        return changed;
    }

    @Override
    public void close() {
        closeQuietly(service);
    }

    private static void closeQuietly(WatchService ws) {
        if (ws != null) {
            try {
                ws.close();
            } catch (IOException e) {
                // nothing is waiting on it any more
            }
        }
    }
}
