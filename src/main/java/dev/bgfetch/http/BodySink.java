package dev.bgfetch.http;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.ConcurrentLinkedDeque;

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
 * <p>Bytes held here are not in the file: a kill -9 loses them. So only what {@link #write} and
 * {@link #land} return as landed may be counted as done (a segment's progress, the resume point).
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

    private final PartFile part;
    private final FileChannel ch;
    /** The O_DIRECT channel, null when writing through the page cache. */
    private FileChannel direct;
    private final ByteBuffer block;
    /** The offset of the next byte to land in the file. */
    private long at;
    private long landedAt = System.nanoTime();
    private boolean closed;
    /** Bytes taken and not yet returned as landed (some of them may be in the file after a failure). */
    private long unreported;

    private BodySink(PartFile part, FileChannel ch, FileChannel direct, long at) {
        this.part = part;
        this.ch = ch;
        this.direct = direct;
        this.block = direct == null ? null : borrowBlock();
        this.at = at;
    }

    /**
     * A sink writing at {@code at} through {@code ch}, direct when {@code allowed} and {@code expected}
     * bytes (-1: unknown) are still to come, and the .part opens with O_DIRECT as the same file.
     */
    static BodySink open(PartFile part, FileChannel ch, long at, long expected, boolean allowed) {
        FileChannel direct = null;
        if (allowed && expected >= DIRECT_FROM) {
            direct = part.openDirect();
        }
        return new BodySink(part, ch, direct, at);
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
        int landed = 0;
        if (!block.hasRemaining() || block.position() >= ALIGN && System.nanoTime() - landedAt >= LAND_EVERY_NANOS) {
            landed = landBlocks();
        }
        unreported -= landed;
        return landed;
    }

    /** Writes everything held (the unaligned rest through the page cache); returns how many bytes that was. */
    int land() throws DiskError {
        if (block == null || block.position() == 0) {
            return 0;
        }
        int landed = landBlocks() + landRest();
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
        int lost = (int) unreported;
        unreported = 0;
        if (block != null) {
            block.clear();
        }
        return lost;
    }

    /** Writes the whole aligned blocks held, keeps the unaligned rest at the buffer's start. */
    private int landBlocks() throws DiskError {
        int whole = block.position() / ALIGN * ALIGN;
        if (whole == 0) {
            return 0;
        }
        block.flip();
        int keep = block.limit() - whole;
        block.limit(whole);
        if (direct != null) {
            try {
                long pos = at;
                while (block.hasRemaining()) {
                    pos += direct.write(block, pos);
                }
                DIRECT_BYTES.addAndGet(whole);
            } catch (IOException e) {
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
        try {
            long pos = at;
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

    private static ByteBuffer borrowBlock() {
        ByteBuffer b = FREE.pollFirst();
        return b != null ? b.clear().limit(BLOCK) : ByteBuffer.allocateDirect(BLOCK + ALIGN).alignedSlice(ALIGN).limit(BLOCK);
    }

    /** Gives the block back (what it still holds is dropped: land first) and closes the direct channel. */
    @Override
    public void close() {
        if (direct != null) {
            closeDirect();
        }
        if (block != null && !closed) {
            closed = true;
            FREE.addFirst(block);
        }
    }
}
