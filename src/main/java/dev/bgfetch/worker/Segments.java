package dev.bgfetch.worker;

import dev.bgfetch.http.Outcome;
import dev.bgfetch.http.ResponseInfo;
import dev.bgfetch.http.Segment;
import dev.bgfetch.http.Transfer;
import dev.bgfetch.http.TransferListener;
import dev.bgfetch.state.SegmentMap;
import dev.bgfetch.state.Store;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.IntToLongFunction;

/**
 * One record fetched over several connections (aria2's {@code -s}/{@code -k}): its segments, the
 * transfers writing them, and the segment map that lets a restarted worker resume each segment.
 * Everything but the map writes belongs to the worker's loop thread.
 *
 * <p>It starts as one plain request from byte 0; once that answer allows ranges (a known total, a
 * strong validator), free connections split the largest unclaimed rest in two (work stealing), so
 * a slow segment is cut down by the connections that are done with theirs.
 */
final class Segments {
    /** A segment and its transfer, if one runs. */
    static final class Piece {
        final Segment range;
        Transfer transfer;
        long notBefore;
        int failures;
        long doneAtLaunch;
        /** Cut short to free its connection for a record waiting for one (see {@link #yieldOne}). */
        boolean yielding;

        Piece(Segment range) {
            this.range = range;
        }
    }

    final RecordRun record;
    final List<Piece> pieces = new ArrayList<>();
    /**
     * How many of the split limit's connections the record may use now; made when first asked, as most
     * records never are (a small file): asking the machine for its cores reads the cgroup files.
     */
    private SplitWidth width;
    /** Transfers of this record running now. */
    int live;
    /** Of those, the ones cut short to give their connection to a waiting record. */
    int yielding;
    /** The whole body is on disk and the finish step (length, checksum) runs. */
    boolean verifying;
    /** A map was written: the .part is (or may be) sparse, its length is not the truth any more. */
    boolean mapped;
    /** The first outcome that ends the record (failure, restart), applied when its last transfer is back. */
    private Outcome fatal;
    /** The last retryable trouble of a segment, for the record when no transfer is left running. */
    private Outcome trouble;
    private boolean cancelled;
    /** Pieces added by a split and not yet in a written map: they may not write before it is. */
    private boolean unsaved;

    private final Object mapLock = new Object();
    private boolean gone;
    private long seq;
    private long written;
    private volatile boolean saving;

    private Segments(RecordRun record) {
        this.record = record;
    }

    static Segments fresh(RecordRun record) {
        Segments s = new Segments(record);
        s.pieces.add(new Piece(Segment.first()));
        return s;
    }

    /**
     * Takes over the segment map a killed worker left for {@code j}: used only when it was written
     * under the record's validator and total; otherwise the sparse .part proves nothing and the
     * record starts from zero. A record without a map was never split (see {@link SegmentMap}).
     */
    static void resume(RecordRun j, Store store) {
        if (j.isDone() || j.target == null) {
            return;
        }
        boolean present = Files.exists(SegmentMap.file(store, j.run.key, j.index), LinkOption.NOFOLLOW_LINKS);
        if (!present) {
            return;
        }
        Optional<SegmentMap> m = SegmentMap.read(store, j.run.key, j.index);
        Path part = Naming.part(j.target);
        String v = validator(j.etag, j.lastModified);
        if (m.isEmpty() || v == null || !v.equals(m.get().validator) || j.total == null || j.total != m.get().total
                || !m.get().coversTheFile() || !Files.isRegularFile(part, LinkOption.NOFOLLOW_LINKS)) {
            Parts.delete(part);
            SegmentMap.delete(store, j.run.key, j.index);
            j.restarted(j.downloaded.get());
            Log.info("'" + j.run.fetch.id + "' #" + j.index + " starts over: its segment map does not fit the record");
            return;
        }
        long length;
        try {
            length = Files.size(part);
        } catch (IOException e) {
            length = 0;
        }
        Segments s = new Segments(j);
        long sum = 0;
        boolean cut = false;
        for (SegmentMap.Part p : m.get().segments) {
            // bytes past the .part's end were never there (the file was cut since): those are fetched again
            long held = Math.min(p.done, Math.max(0, length - p.start));
            cut |= held < p.done;
            Segment seg = Segment.ranged(p.start, p.end, held);
            s.pieces.add(new Piece(seg));
            sum += seg.done();
        }
        s.mapped = true;
        j.resumeSegments(s, sum);
        Log.info("'" + j.run.fetch.id + "' #" + j.index + " resumes " + s.pieces.size() + " segments ("
                + sum + " bytes kept" + (cut ? "; its .part was shorter than its map said" : "") + ")");
    }

    static String validator(String etag, String lastModified) {
        return etag != null && !etag.startsWith("W/") ? etag : lastModified;
    }

    /**
     * The record is ending its attempt (a segment's answer failed it, or it was stopped): nothing
     * more is started or split until its last transfer is back and the outcome is applied.
     */
    boolean ending() {
        return fatal != null || cancelled;
    }

    /** A segment waits out its backoff (the server asked to wait, or the network failed): no new split meanwhile. */
    boolean waiting(long now) {
        for (Piece p : pieces) {
            if (p.transfer == null && !p.range.complete() && p.notBefore > now) {
                return true;
            }
        }
        return false;
    }

    /**
     * Hands an untouched piece back to the running piece that ends where it starts (the one it was
     * split from), so that connection reads on through it; true if taken.
     */
    private boolean giveBack(Piece p) {
        for (Piece q : pieces) {
            if (q != p && q.transfer != null && !q.yielding && q.range.end() == p.range.start()
                    && q.range.extend(p.range.end())) {
                // The map on disk still has both: safe, as the owner's bytes past its old end are
                // not claimed there and would be fetched again; the next map write merges them.
                pieces.remove(p);
                return true;
            }
        }
        return false;
    }

    /** A piece to (re)start now: not running, not complete, its backoff over; null when none. */
    Piece idle(long now, List<Piece> chosen) {
        for (Piece p : pieces) {
            if (p.transfer == null && !p.range.complete() && p.notBefore <= now && !chosen.contains(p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * Whether another connection could have work here now: a piece to relaunch, or (when
     * {@code maySplit}) a rest big enough to split. Only then is the record's width worth asking
     * for: that reads the process's CPU time, and a group of small files would pay it per file
     * and pass (W2: a quarter of the loop thread's CPU).
     */
    boolean couldGrow(long now, long minSize, boolean maySplit) {
        for (Piece p : pieces) {
            if (p.transfer == null && !p.range.complete() && p.notBefore <= now
                    || maySplit && p.range.canSplit(minSize)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Below this much left, a piece asked to give its connection away is not cut: it ends soon by
     * itself, and the rest would cost a request of its own.
     */
    static final long YIELD_MIN = 64 * 1024;

    /**
     * Frees one of the record's connections for a record that waits for one (a queued record gets a
     * connection before a split does, and keeps getting one while segments run): the running piece
     * with the most left ends with the bytes it has claimed, and its rest becomes a piece of its own,
     * started again when a connection is free. The record keeps at least one connection, and only one
     * piece yields at a time. True if a connection will be free soon.
     */
    boolean yieldOne() {
        if (live < 2 || yielding > 0 || ending() || verifying || !mapped) {
            return false;
        }
        Piece most = null;
        for (Piece p : pieces) {
            if (p.transfer != null && (most == null || p.range.unclaimed() > most.range.unclaimed())) {
                most = p;
            }
        }
        if (most == null) {
            return false;
        }
        // No map write is needed first: the rest is not written before it is launched again, and a map
        // that still has the old, longer piece only makes a resume fetch those bytes again.
        Segment rest = most.range.cut(YIELD_MIN);
        if (rest != null) {
            pieces.add(new Piece(rest));
        }
        most.yielding = true;
        yielding++;
        return true;
    }

    /** Splits the piece with the most unclaimed bytes (work stealing); null when none is big enough. */
    Piece split(long minSize) {
        Piece largest = null;
        for (Piece p : pieces) {
            if (largest == null || p.range.unclaimed() > largest.range.unclaimed()) {
                largest = p;
            }
        }
        Segment upper = largest == null ? null : largest.range.split(minSize);
        if (upper == null) {
            return null;
        }
        Piece p = new Piece(upper);
        pieces.add(p);
        unsaved = true;
        return p;
    }

    /**
     * How many connections the record may have at once within the split {@code limit} (see
     * {@link SplitWidth}); judged only once it may split, so the first request's wait is no sign of a slow link.
     */
    int width(int limit, long now) {
        boolean splittable = false;
        List<SplitWidth.Probe> running = new ArrayList<>(live);
        for (Piece p : pieces) {
            splittable |= p.range.splittable();
            if (p.transfer != null) {
                running.add(new SplitWidth.Probe(p.transfer, p.range.done()));
            }
        }
        return splittable ? width().allowed(limit, now, running) : limit;
    }

    private SplitWidth width() {
        if (width == null) {
            width = SplitWidth.forThisMachine();
        }
        return width;
    }

    /** The record was found slow enough for every connection of the split limit. */
    boolean wide() {
        return width != null && width.wide();
    }

    /** A split made new pieces: their map must be on disk before they write (see {@link SegmentMap}). */
    boolean needsSave() {
        return unsaved;
    }

    boolean allComplete() {
        for (Piece p : pieces) { // a loop: this runs at every record's launch, a stream cost more there
            if (!p.range.complete()) {
                return false;
            }
        }
        return true;
    }

    /** What the transfer writing {@code p} reports to the record: bytes and the cap, not a new binding. */
    TransferListener listener(Piece p) {
        if (!p.range.ranged()) {
            return record;
        }
        return new TransferListener() {
            @Override
            public void onResponse(ResponseInfo response) {
                if (record.response == null) {
                    record.response = response;
                }
            }

            @Override
            public void onBinding(String etag, String lastModified, long total, long start) {
                // a segment is bound to the record's validator and total already
            }

            @Override
            public boolean reserve(long n) {
                return record.reserve(n);
            }

            @Override
            public void restarted(long dropped) {
                record.restarted(dropped);
            }
        };
    }

    void launched(Piece p, Transfer t) {
        if (live == 0) {
            cancelled = false; // a pause or stop that ended the last run is over
            trouble = null;
        }
        p.transfer = t;
        p.doneAtLaunch = p.range.done();
        live++;
    }

    void cancelAll() {
        cancelled = true;
        for (Piece p : pieces) {
            if (p.transfer != null) {
                p.transfer.cancel();
            }
        }
    }

    /**
     * One transfer of the record is back. Returns null while the record goes on (other transfers
     * run, or this segment retries after its backoff), else the record's outcome: SEGMENT_DONE when
     * the whole body is on disk, the first fatal outcome, CANCELLED, or the trouble to wait on.
     */
    Outcome finished(Piece p, Outcome o, long now, IntToLongFunction backoff) {
        p.transfer = null;
        live--;
        if (p.yielding) {
            p.yielding = false;
            yielding--;
        }
        switch (o.kind) {
            case SEGMENT_DONE:
                break;
            case RETRY_LATER:
                if (live > 0) {
                    // Refused while others are served (a server's limit of connections per client):
                    // the record keeps to the connections it has, and this segment waits for one,
                    // or goes back to the connection it was split from if that one still reads.
                    width().limitTo(live);
                    if (p.range.done() == 0 && giveBack(p)) {
                        return null;
                    }
                }
                // fall through: retried with its own backoff
            case NETWORK:
                // Network trouble on one segment retries that segment, with its own backoff.
                p.failures = p.range.done() > p.doneAtLaunch ? 1 : p.failures + 1;
                p.notBefore = now + (o.retryAfterMillis >= 0 ? o.retryAfterMillis : backoff.applyAsLong(p.failures));
                trouble = o;
                break;
            case CANCELLED:
                cancelled = true;
                break;
            default:
                if (fatal == null) {
                    fatal = o;
                    cancelAll();
                    cancelled = false;
                }
                break;
        }
        if (live > 0) {
            return null;
        }
        if (fatal != null) {
            Outcome f = fatal;
            fatal = null;
            return f;
        }
        if (cancelled) {
            cancelled = false;
            return Outcome.of(Outcome.Kind.CANCELLED, "stopped");
        }
        if (allComplete()) {
            return Outcome.of(Outcome.Kind.SEGMENT_DONE, null);
        }
        if (trouble == null) {
            // Segments are left and nothing failed (one connection at a time): queue the record again.
            return Outcome.of(Outcome.Kind.CANCELLED, "next segment");
        }
        Outcome t = trouble;
        trouble = null;
        return t;
    }

    long done() {
        return pieces.stream().mapToLong(p -> p.range.done()).sum();
    }

    /** The bytes on disk without a gap from offset 0: what a plain resume may trust of a sparse .part. */
    long prefix() {
        List<Piece> byStart = new ArrayList<>(pieces);
        byStart.sort(java.util.Comparator.comparingLong(p -> p.range.start()));
        long end = 0;
        for (Piece p : byStart) {
            if (p.range.start() != end) {
                break;
            }
            end = p.range.start() + p.range.done();
            if (!p.range.complete()) {
                break;
            }
        }
        return end;
    }

    /** The map as of now; taken on the loop thread before the force that makes its bytes durable. */
    private SegmentMap snapshot() {
        SegmentMap m = new SegmentMap();
        m.validator = validator(record.etag, record.lastModified);
        m.total = record.total == null ? -1 : record.total;
        for (Piece p : pieces) {
            m.segments.add(new SegmentMap.Part(p.range.start(), p.range.end(), p.range.done()));
        }
        return m;
    }

    /** Writes the map now, on this thread: before pieces of a new split may write. */
    void saveNow(Store store, boolean fsync) throws IOException {
        SegmentMap m = snapshot();
        long s = ++seq;
        mapped = true;
        write(store, m, s, fsync);
        unsaved = false;
    }

    /**
     * The worker stops with every transfer back: the map is written now, on this thread, with what
     * the segments have (a write still under way on the pool is waited for), so the next worker
     * resumes from all of it. A record never split has no map and gets none.
     */
    void saveOnStop(Store store, boolean fsync) {
        if (!mapped) {
            return;
        }
        try {
            write(store, snapshot(), ++seq, fsync);
        } catch (IOException e) {
            notSaved(e);
        }
    }

    /** Says in the log that the map could not be written (a split then goes on without one). */
    void notSaved(IOException e) {
        Log.info("cannot save the segments of '" + record.run.fetch.id + "' #" + record.index + ": "
                + dev.bgfetch.state.IoReason.of(e));
    }

    /** Writes the map on {@code pool} unless a write is still under way; progress only, so it may lag. */
    void saveLater(Store store, boolean fsync, java.util.concurrent.Executor pool) {
        if (!mapped || saving || unsaved) {
            return;
        }
        SegmentMap m = snapshot();
        long s = ++seq;
        saving = true;
        pool.execute(() -> {
            try {
                write(store, m, s, fsync);
            } catch (IOException e) {
                notSaved(e);
            } finally {
                saving = false;
            }
        });
    }

    /**
     * The data first, then the map that claims it; an older snapshot arriving late is dropped, and
     * nothing is written once the map was given up ({@link #forget}).
     */
    private void write(Store store, SegmentMap m, long s, boolean fsync) throws IOException {
        synchronized (mapLock) {
            if (gone || s <= written) {
                return;
            }
            if (fsync) {
                force(Naming.part(record.target));
            }
            m.write(store, record.run.key, record.index);
            written = s;
        }
    }

    /** fsync of the .part's data; opened without following a link, and read-write so a FIFO cannot block it. */
    private static void force(Path part) throws IOException {
        try (FileChannel ch = FileChannel.open(part, StandardOpenOption.READ, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS)) {
            ch.force(false);
        } catch (NoSuchFileException e) {
            // nothing on disk to claim; the map only says what the segments had
        }
    }

    /** The record is delivered, failed, restarted or aborted: its map goes and is never written again. */
    void forget(Store store) {
        synchronized (mapLock) {
            gone = true;
            // Unmapped: no map of this record exists (resume took over or removed a killed worker's),
            // so there is nothing to unlink, once per file of a group.
            if (mapped) {
                SegmentMap.delete(store, record.run.key, record.index);
            }
        }
    }
}
