package dev.bgfetch.http;

/**
 * One byte range {@code [start, end)} of a file fetched over several connections, and how much of it
 * is on disk. The transfer writing it (its own thread) and the worker splitting it (the loop thread)
 * share it, so every field is read and changed under the segment's lock.
 *
 * <p>A writer claims bytes before writing them and counts them as done after the write returned; a
 * split only ever takes bytes nobody has claimed, so two connections never write the same offset and
 * {@code done} never counts a byte that is not in the file.
 */
public final class Segment {
    private long start;
    /** Exclusive; {@link Long#MAX_VALUE} until the first response told the total. */
    private long end;
    private long done;
    private long claimed;
    /** Requested as {@code Range: bytes=S-E} (false: the record's first, plain request). */
    private boolean ranged;
    /** The first response allowed splitting: ranges, a strong validator, a known total. */
    private boolean splittable;
    /**
     * Exclusive end of what the request in flight asked for: the whole body for the first, plain
     * request; for a ranged one, its end when the request was made (a split may shrink it since).
     */
    private long requested;

    private Segment(long start, long end, long done, boolean ranged) {
        this.start = start;
        this.end = end;
        this.done = done;
        this.claimed = done;
        this.ranged = ranged;
        this.requested = ranged ? 0 : Long.MAX_VALUE;
    }

    /** The end to ask for now ({@code Range: bytes=next-(end-1)}), remembered as what this request covers. */
    public synchronized long request() {
        requested = end;
        return end;
    }

    /** The record's first request: a plain GET (or the single-connection resume) from byte 0. */
    public static Segment first() {
        return new Segment(0, Long.MAX_VALUE, 0, false);
    }

    /** A range known from the segment map (or a split): requested with Range and If-Range. */
    public static Segment ranged(long start, long end, long done) {
        return new Segment(start, end, Math.max(0, Math.min(done, end - start)), true);
    }

    /** The plain first request's body starts at {@code have} of {@code total} (-1 unknown). */
    synchronized void begin(long have, long total, boolean canSplit) {
        start = 0;
        done = have;
        claimed = have;
        end = total < 0 ? Long.MAX_VALUE : total;
        splittable = canSplit && total > 0;
    }

    /** Up to {@code n} bytes from the next unclaimed offset, as far as the (possibly shrunk) end allows. */
    synchronized int claim(int n) {
        long allowed = Math.max(0, Math.min(n, end - start - claimed));
        claimed += allowed;
        return (int) allowed;
    }

    synchronized void wrote(int n) {
        done += n;
    }

    synchronized void unclaim(int n) {
        claimed -= n;
    }

    /** Whether {@link #split} would split now. */
    public synchronized boolean canSplit(long min) {
        return end != Long.MAX_VALUE && (splittable || ranged) && end - (start + claimed) >= 2 * Math.max(1, min);
    }

    /** Takes the upper half of what nobody claimed yet, when both halves are at least {@code min}; else null. */
    public synchronized Segment split(long min) {
        if (!canSplit(min)) {
            return null;
        }
        long from = start + claimed;
        long rest = end - from;
        long mid = from + rest / 2;
        Segment upper = new Segment(mid, end, 0, true);
        end = mid;
        ranged = true; // a resumed request for the lower half must now stop at mid too
        return upper;
    }

    /**
     * Gives away what nobody has claimed yet, {@code [start + claimed, end)}, as a segment of its own
     * (this one ends with the bytes already claimed); null when less than {@code min} is left, as the
     * segment then ends soon by itself.
     */
    public synchronized Segment cut(long min) {
        if (end == Long.MAX_VALUE) {
            return null;
        }
        long from = start + claimed;
        if (end - from < Math.max(1, min)) {
            return null;
        }
        Segment rest = new Segment(from, end, 0, true);
        end = from;
        ranged = true;
        return rest;
    }

    /**
     * Takes back the range a split gave away, {@code [end, newEnd)}, while this segment still reads
     * up to its end and its request covers the new one; false otherwise (the range then stays a
     * segment of its own).
     */
    public synchronized boolean extend(long newEnd) {
        if (end == Long.MAX_VALUE || newEnd <= end || start + claimed >= end || newEnd > requested) {
            return false; // done with its range, or its request stops before the new end
        }
        end = newEnd;
        return true;
    }

    public synchronized long start() {
        return start;
    }

    public synchronized long end() {
        return end;
    }

    public synchronized long done() {
        return done;
    }

    /** The next byte to write. */
    public synchronized long next() {
        return start + done;
    }

    /** What nobody has claimed yet; the size work stealing compares. */
    public synchronized long unclaimed() {
        return end == Long.MAX_VALUE ? 0 : end - start - claimed;
    }

    public synchronized boolean ranged() {
        return ranged;
    }

    public synchronized boolean splittable() {
        return splittable || ranged;
    }

    public synchronized boolean complete() {
        return end != Long.MAX_VALUE && start + done >= end;
    }
}
