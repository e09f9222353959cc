package dev.bgfetch.http;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends a large body's bytes to the disk while the rest of it still arrives, so the fsync that makes
 * the file durable at its end has only the tail left to write.
 *
 * <p>Why: that final fdatasync of a 1 GiB body wrote the whole GiB after the last byte had come in
 * (~0.5 s on these machines, a third of W1), where wget2, which never syncs, was already done. A
 * flush here is only a head start: nothing is reported durable because of it, its errors are left
 * to the final fsync (which reports them), and a channel closed under it just ends it.
 */
final class WriteBehind {
    /** How many bytes a body writes between two head-start flushes. */
    static final long EVERY = 32L * 1024 * 1024;

    /**
     * One thread for all transfers: a flush mostly waits for the disk, and queued requests for the
     * same file collapse into one ({@link #pending}).
     */
    private static final ThreadPoolExecutor FLUSHER = flusher();
    /** Head-start flushes that reached the disk, for tests. */
    static final AtomicLong DONE = new AtomicLong();

    private final FileChannel channel;
    private final AtomicBoolean pending = new AtomicBoolean();
    private long sinceFlush;

    WriteBehind(FileChannel channel) {
        this.channel = channel;
    }

    /** Counts {@code n} more bytes written; every {@link #EVERY} of them, asks for a flush unless one is queued. */
    void wrote(int n) {
        sinceFlush += n;
        if (sinceFlush < EVERY) {
            return;
        }
        sinceFlush = 0;
        if (pending.compareAndSet(false, true)) {
            FLUSHER.execute(this::flush);
        }
    }

    private void flush() {
        try {
            if (channel.isOpen()) {
                channel.force(false);
                DONE.incrementAndGet();
            }
        } catch (IOException | RuntimeException e) {
            // a head start only: the final fsync of the transfer reports what is wrong
        } finally {
            pending.set(false);
        }
    }

    private static ThreadPoolExecutor flusher() {
        ThreadPoolExecutor e = new ThreadPoolExecutor(1, 1, 5, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "bgfetch-write-behind");
            t.setDaemon(true);
            return t;
        });
        e.allowCoreThreadTimeOut(true);
        return e;
    }
}
