package dev.bgfetch.worker;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * How many connections one segmented record may use now: as many as the machine has cores, up to
 * the split limit once its connections prove held back by the link rather than by the machine.
 *
 * <p>Why: more connections help only when each one is held back by the link or the server (a
 * per-connection cap, a long path). When one connection alone moves hundreds of MB a second, or the
 * CPU has nothing left, the machine is the limit, and every connection beyond the cores only adds
 * socket and page-cache work and contention for the file's lock: on a 2-core machine, 1 GiB over
 * loopback took 2.11 s with 6 connections against 1.72 s with 2, and 1 GiB over https 4.20
 * against 3.66 s (bench/RESULTS.md). So a record starts at the narrow width and is widened for good
 * once a window of {@link #WINDOW_MS} shows every connection that ran through it below
 * {@link #FAST_PER_SECOND} while the worker left at least {@link #IDLE_PERCENT}% of the cores idle.
 * The fastest connection decides, not the average: one still in its handshake says nothing about
 * the link. The CPU is asked because a fresh worker's first https bytes are slow for want of
 * compiled code (its first windows ran at 34-38 MiB/s on the benchmark's loopback with both cores
 * busy); the worker's own time, not the machine's, so another program's load does not keep a slow
 * link narrow.
 */
final class SplitWidth {
    /** A connection faster than this is taken to be limited by the CPU or the disk, not the link. */
    static final long FAST_PER_SECOND = 48L << 20;
    /** How long a connection must run before its rate is judged. */
    static final long WINDOW_MS = 100;
    /** When the worker leaves less than this share of the cores idle, more connections cannot help. */
    static final int IDLE_PERCENT = 25;

    /** One running connection of the record: its identity (the transfer) and its bytes so far. */
    record Probe(Object connection, long done) {
    }

    private final int narrow;
    private final CpuTimes cpu;
    private boolean wide;
    /** At most this many, once the server refused one more (429, 503 while others ran). */
    private int cap = Integer.MAX_VALUE;
    private long windowStart = -1;
    private long[] cpuAtStart;
    private final Map<Object, Long> atStart = new IdentityHashMap<>();

    SplitWidth(int cores, CpuTimes cpu) {
        this.narrow = Math.max(2, cores);
        this.cpu = cpu;
    }

    /** The machine's: {@link Runtime#availableProcessors()} (a container's CPU limit included) and this process's CPU time. */
    static SplitWidth forThisMachine() {
        int cores = Runtime.getRuntime().availableProcessors();
        return new SplitWidth(cores, CpuTimes.ofThisProcess(cores));
    }

    /**
     * The connections the record may have at once, given the split {@code limit}, the time
     * {@code nowMillis} and the record's running connections. Call it once the record may split
     * (its length is known), so the first window does not take the request's own wait for slowness.
     */
    int allowed(int limit, long nowMillis, List<Probe> running) {
        return Math.min(cap, unlimited(limit, nowMillis, running));
    }

    /** The server refused a connection beyond {@code n}: never more than that from now on. */
    void limitTo(int n) {
        cap = Math.max(1, Math.min(cap, n));
    }

    private int unlimited(int limit, long nowMillis, List<Probe> running) {
        if (wide || limit <= narrow) {
            return limit;
        }
        if (windowStart < 0) {
            newWindow(nowMillis, running);
            return narrow;
        }
        long elapsed = nowMillis - windowStart;
        if (elapsed < WINDOW_MS) {
            return narrow;
        }
        long fastest = -1;
        for (Probe p : running) {
            Long then = atStart.get(p.connection());
            if (then != null && p.done() >= then) {
                fastest = Math.max(fastest, (p.done() - then) * 1000 / elapsed);
            }
        }
        if (fastest >= 0 && fastest < FAST_PER_SECOND && cpuIdle()) {
            wide = true;
            atStart.clear();
            return limit;
        }
        // fast, the CPU busy, or no connection ran through the whole window: look again over the next one
        newWindow(nowMillis, running);
        return narrow;
    }

    /** Whether the CPU had room over the window; true when that cannot be told (the rate alone decides). */
    private boolean cpuIdle() {
        return CpuTimes.idle(cpuAtStart, cpu.read(), IDLE_PERCENT);
    }

    private void newWindow(long nowMillis, List<Probe> running) {
        windowStart = nowMillis;
        cpuAtStart = cpu.read();
        atStart.clear();
        for (Probe p : running) {
            atStart.put(p.connection(), p.done());
        }
    }

    /** Widened for good: the connections were slow and the machine had room. */
    boolean wide() {
        return wide;
    }
}
