package dev.bgfetch.http;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Where a body's bytes go on their way into the {@code .part}, at increasing offsets: straight to the
 * disk (O_DIRECT) in aligned blocks for a large body, through the page cache otherwise.
 *
 * <p>Why: on these machines a GiB copied into the page cache cost 1.4-3.4 s of system time (dd,
 * 256 KiB writes; fresh page-cache pages are what is slow), against 0.1-0.2 s written with O_DIRECT,
 * and every body is made durable (fdatasync) before it is reported delivered anyway, so the cache
 * holds nothing a download manager reads again. A direct write must start at an offset, and come from
 * memory, aligned to {@link #ALIGN}: the unaligned head (a resume or a segment starting anywhere) and
 * the tail are written through the ordinary channel, the bytes between in blocks of up to
 * {@link #BLOCK}. A file system that refuses O_DIRECT (older tmpfs, some FUSE ones) or one direct write gets the ordinary
 * channel for the rest of the body.
 *
 * <p>A full block is written by a background writer while the next one fills, when one of
 * {@link #SPARE_BLOCKS} second blocks is free: a direct write waits for the disk (1 GiB in 512 KiB
 * writes took 1.2 s here, as long as reading it off the socket), and in the reading thread the two
 * added up. One write at a time per body, in order, so the file never has a hole below its length
 * (the resume point of a file without segments).
 *
 * <p>Bytes held here, or still being written, are not in the file: a kill -9 loses them. So only what
 * {@link #write}, {@link #took} and {@link #land} return as landed may be counted as done (a segment's
 * progress, the resume point).
 */
final class BodySink implements AutoCloseable {
    /** The alignment of a direct write's offset, length and memory: every block device's sector size or a multiple. */
    static final int ALIGN = 4096;
    /**
     * What one direct write carries at most; also what this sink holds at most. A direct write waits
     * for the disk, so fewer, larger writes: on W1 and W3 (5 reps each, one run, results/20261207-094510)
     * 256 KiB blocks took 7-14% more time than 512 KiB, and 1 MiB 4-10% less, but a block per body
     * arriving at once is resident memory: 1 MiB put W3's worker at 65.5 MiB, over its 64 MiB target.
     */
    static final int BLOCK = 512 * 1024;
    /** A body this long or longer (what is still to come) goes direct; a smaller one is not worth the second open. */
    static final long DIRECT_FROM = 4L * 1024 * 1024;
    /** Held bytes land at least this often on a slow link, so a segment's progress (and a resume) keeps up. */
    private static final long LAND_EVERY_NANOS = 250_000_000L;
    /** The system property that turns direct writes off ({@code -Dbgfetch.direct-io=false}). */
    static final String PROPERTY = "bgfetch.direct-io";

    /** Bytes written with O_DIRECT, for tests. */
    static final java.util.concurrent.atomic.AtomicLong DIRECT_BYTES = new java.util.concurrent.atomic.AtomicLong();

    /**
     * Blocks not in use. A sink takes one while a body arrives and gives it back before the file's
     * fsync, so there are as many as bodies ever arrived at once (a block per transfer thread instead
     * was ~10 MiB of a worker's resident memory on W3, whose fsyncs keep more threads than connections).
     */
    private static final ConcurrentLinkedDeque<ByteBuffer> FREE = new ConcurrentLinkedDeque<>();

    /**
     * Second blocks in the whole worker, each letting one body write in the background. It pays for a
     * body that has the disk to itself (W1: 1.23 vs 1.39 s); several bodies at once already keep the
     * disk busy between them (W3: no gain), and every block is resident memory: four put W3's worker
     * at 62 MiB, against its 64 MiB target.
     */
    static final int SPARE_BLOCKS = 2;
    private static final Semaphore SPARES = new Semaphore(SPARE_BLOCKS);
    private static final ThreadPoolExecutor WRITERS = writers();

    /** Bytes written in the background, for tests. */
    static final java.util.concurrent.atomic.AtomicLong BACKGROUND_BYTES = new java.util.concurrent.atomic.AtomicLong();

    private final PartFile part;
    private final FileChannel ch;
    /** The O_DIRECT channel, null when writing through the page cache. */
    private FileChannel direct;
    private ByteBuffer block;
    /** This body's second block (one of {@link #SPARES}), when it got one and it is not being written. */
    private ByteBuffer spare;
    private boolean hasSpare;
    /** The block being written in the background, or null. */
    private Background pending;
    /** The offset of the next byte to be written to the file (written in the background perhaps: see {@link #pending}). */
    private long at;
    private long landedAt = System.nanoTime();
    private boolean closed;
    /** Bytes taken and not yet returned as landed (some of them may be in the file after a failure). */
    private long unreported;

    private BodySink(PartFile part, FileChannel ch, FileChannel direct, ByteBuffer block, long at) {
        this.part = part;
        this.ch = ch;
        this.direct = direct;
        this.block = block;
        this.at = at;
    }

    /**
     * A sink writing at {@code at} through {@code ch}, direct when {@code allowed} and {@code expected}
     * bytes (-1: unknown) are still to come, and the .part opens with O_DIRECT as the same file.
     */
    static BodySink open(PartFile part, FileChannel ch, long at, long expected, boolean allowed) {
        FileChannel direct = null;
        ByteBuffer block = null;
        if (allowed && expected >= DIRECT_FROM) {
            direct = part.openDirect();
            block = direct == null ? null : borrowBlock();
            if (block == null && direct != null) {
                try {
                    direct.close(); // no memory for a block: the page cache, as on a file system without O_DIRECT
                } catch (IOException ignored) {
                    // not used
                }
                direct = null;
            }
        }
        return new BodySink(part, ch, direct, block, at);
    }

    boolean direct() {
        return direct != null;
    }

    /**
     * Takes {@code n} bytes of {@code buf} for the next offsets; returns how many bytes landed in the
     * file with this call (held ones of earlier calls included). After a {@link DiskError} nothing
     * taken since the last return counts as landed: {@link #discard} says how much that was.
     */
    int write(byte[] buf, int n) throws DiskError {
        unreported += n;
        int landed = take(buf, n);
        unreported -= landed;
        return landed;
    }

    private int take(byte[] buf, int n) throws DiskError {
        if (direct == null) {
            int landed = landRest();
            part.write(ch, buf, n, at);
            at += n;
            return landed + n;
        }
        int landed = 0;
        int off = 0;
        if (block.position() == 0 && at % ALIGN != 0) {
            // the unaligned head goes through the page cache, up to the next aligned offset
            int head = (int) Math.min(n, ALIGN - at % ALIGN);
            part.write(ch, buf, head, at);
            at += head;
            landed += head;
            off = head;
        }
        while (off < n) {
            int m = Math.min(n - off, block.remaining());
            block.put(buf, off, m);
            off += m;
            if (!block.hasRemaining()) {
                landed += landBlocks();
            }
        }
        if (block.position() >= ALIGN && System.nanoTime() - landedAt >= LAND_EVERY_NANOS) {
            landed += landBlocks();
        }
        return landed;
    }

    /**
     * Where the next bytes may be read straight into, with no copy: the direct block, when this sink
     * writes direct and is past the unaligned head; null otherwise (then {@link #write}). Bytes read
     * into it are taken with {@link #took}, or given back with {@link #drop}.
     */
    ByteBuffer room() {
        if (direct == null || block.position() == 0 && at % ALIGN != 0 || !block.hasRemaining()) {
            return null;
        }
        return block;
    }

    /** The last {@code n} bytes read into {@link #room} are not the body's (past a segment's end, over the cap). */
    void drop(int n) {
        block.position(block.position() - n);
    }

    /** Takes {@code n} bytes just read into {@link #room}; returns how many bytes landed, as {@link #write}. */
    int took(int n) throws DiskError {
        unreported += n;
        int landed = pending != null && pending.write.isDone() ? settle() : 0;
        if (!block.hasRemaining() || block.position() >= ALIGN && System.nanoTime() - landedAt >= LAND_EVERY_NANOS) {
            landed += landBlocks();
        }
        unreported -= landed;
        return landed;
    }

    /** Writes everything held (the unaligned rest through the page cache); returns how many bytes that was. */
    int land() throws DiskError {
        if (block == null) {
            return 0;
        }
        int landed = settle();
        if (block.position() > 0) {
            landed += landBlocks() + landRest();
        }
        unreported -= landed;
        return landed;
    }

    /** Writes what is held through the page cache. */
    private int landRest() throws DiskError {
        int rest = block == null ? 0 : block.position();
        if (rest > 0) {
            block.flip();
            writeOrdinary(block);
            block.clear();
            at += rest;
        }
        return rest;
    }

    /**
     * After a {@link DiskError}: forgets what is held and returns how many bytes were taken since the
     * last report, none of which count (the caller cuts the file back to what was reported).
     */
    int discard() {
        // the caller cuts the file back next: a write still under way must not land after that
        settleQuietly();
        int lost = (int) unreported;
        unreported = 0;
        if (block != null) {
            block.clear();
        }
        return lost;
    }

    /**
     * Writes the whole aligned blocks held, keeps the unaligned rest at the buffer's start; a full
     * block goes to a background writer when there is a second block to fill meanwhile. Returns the
     * bytes that landed (the background write before this one included).
     */
    private int landBlocks() throws DiskError {
        int landed = settle();
        int whole = block.position() / ALIGN * ALIGN;
        if (whole == 0) {
            return landed;
        }
        if (direct != null && whole == BLOCK && secondBlock()) {
            FileChannel to = direct;
            ByteBuffer full = block.flip();
            long pos = at;
            pending = new Background(WRITERS.submit(() -> writeDirect(to, full, pos)), full, pos, whole);
            block = spare;
            spare = null;
            at += whole;
            landedAt = System.nanoTime();
            return landed;
        }
        return landed + landHere(whole);
    }

    /** Writes the {@code whole} aligned bytes held in this thread. */
    private int landHere(int whole) throws DiskError {
        block.flip();
        int keep = block.limit() - whole;
        block.limit(whole);
        if (direct != null) {
            if (writeDirect(direct, block, at)) {
                DIRECT_BYTES.addAndGet(whole);
            } else {
                // EINVAL from a device with bigger sectors, or ENOSPC: the ordinary channel says which
                closeDirect();
                block.position(0);
            }
        }
        if (direct == null) {
            writeOrdinary(block);
        }
        at += whole;
        landedAt = System.nanoTime();
        // the unaligned rest moves to the start
        block.limit(whole + keep).position(whole);
        block.compact();
        block.limit(BLOCK);
        return whole;
    }

    private void writeOrdinary(ByteBuffer b) throws DiskError {
        writeOrdinary(b, at);
    }

    private void writeOrdinary(ByteBuffer b, long from) throws DiskError {
        try {
            long pos = from;
            while (b.hasRemaining()) {
                pos += ch.write(b, pos);
            }
        } catch (IOException e) {
            throw DiskError.of(part.path(), e);
        }
    }

    private void closeDirect() {
        try {
            direct.close();
        } catch (IOException ignored) {
            // it is being given up
        }
        direct = null;
    }

    /** Whether this body has a second block to fill while the first is written, taking one if it can. */
    private boolean secondBlock() {
        if (spare == null && !hasSpare && SPARES.tryAcquire()) {
            spare = borrowBlock();
            hasSpare = spare != null;
            if (!hasSpare) {
                SPARES.release();
            }
        }
        return spare != null;
    }

    /** In a background writer: the direct write of {@code b} at {@code pos}; false when the file system refused it. */
    private static boolean writeDirect(FileChannel to, ByteBuffer b, long pos) {
        try {
            long p = pos;
            while (b.hasRemaining()) {
                p += to.write(b, p);
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A block handed to a background writer: the write (true if it went direct), the block, where and how much. */
    private record Background(Future<Boolean> write, ByteBuffer block, long at, int length) {
    }

    /**
     * Waits for the background write, if any; returns its bytes. A refused direct write (EINVAL,
     * ENOSPC) is done again through the ordinary channel, which says which error it was.
     */
    private int settle() throws DiskError {
        if (pending == null) {
            return 0;
        }
        Background w = pending;
        boolean wentDirect = await();
        if (wentDirect) {
            DIRECT_BYTES.addAndGet(w.length);
            BACKGROUND_BYTES.addAndGet(w.length);
        } else {
            if (direct != null) {
                closeDirect();
            }
            writeOrdinary(w.block.position(0).limit(w.length), w.at);
        }
        spare.clear().limit(BLOCK);
        return w.length;
    }

    /** Waits for the background write, if any, and forgets it (its bytes are not counted). */
    private void settleQuietly() {
        if (pending != null) {
            await();
            spare.clear().limit(BLOCK);
        }
    }

    /** Waits for the background write, which gives its block back as the spare; whether it went direct. */
    private boolean await() {
        Future<Boolean> f = pending.write;
        spare = pending.block;
        pending = null;
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get();
                } catch (InterruptedException e) {
                    interrupted = true; // the write is under way either way: wait for it
                } catch (ExecutionException e) {
                    return false;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static ThreadPoolExecutor writers() {
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(SPARE_BLOCKS, SPARE_BLOCKS, 5, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "bgfetch-disk-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    /**
     * A block from the free ones or a new one; null when direct memory is used up (a JVM started with a
     * small {@code -XX:MaxDirectMemorySize}): the body then does without, where the error killed the
     * transfer's thread and left its record running for good.
     */
    private static ByteBuffer borrowBlock() {
        ByteBuffer b = FREE.pollFirst();
        if (b != null) {
            return b.clear().limit(BLOCK);
        }
        try {
            return ByteBuffer.allocateDirect(BLOCK + ALIGN).alignedSlice(ALIGN).limit(BLOCK);
        } catch (OutOfMemoryError e) {
            return null;
        }
    }

    /** Gives the block back (what it still holds is dropped: land first) and closes the direct channel. */
    @Override
    public void close() {
        settleQuietly();
        if (direct != null) {
            closeDirect();
        }
        if (block != null && !closed) {
            closed = true;
            FREE.addFirst(block);
            if (hasSpare) {
                FREE.addFirst(spare);
                SPARES.release();
            }
        }
    }
}
