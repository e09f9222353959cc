package dev.bgfetch.worker;

import dev.bgfetch.state.FailureReason;
import dev.bgfetch.http.ResponseInfo;
import dev.bgfetch.http.Transfer;
import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.FetchState;
import dev.bgfetch.state.Rec;
import dev.bgfetch.state.RecordResult;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fetch the worker is running: its records' live state, the group's byte count and cap, and its pause
 * as the store last said. Loop thread only, except the byte counts and {@link #dirty}, which the
 * transfer threads update.
 */
final class FetchRun {
    final String key;
    /** The stored fetch as last seen; options, dir and headers come from here. */
    Fetch fetch;
    final List<RecordRun> records = new ArrayList<>();
    final AtomicLong group = new AtomicLong();
    volatile boolean dirty = true;
    /** The fetch's --limit-rate, one bucket for all its connections; null = unlimited. */
    final dev.bgfetch.http.RateLimit rateLimit;
    long lastFlush;
    boolean paused;
    /** Set when the group must stop: the cap was hit, or the fetch was aborted or forgotten. */
    boolean stopping;
    /**
     * It left the store without an abort (its state found damaged and set aside in broken/, or
     * unreadable): it stops, but its partial files and segment maps stay for whoever puts it back.
     */
    boolean lost;
    /** A batch of names was reserved for its queued records already (see Scheduler#schedule). */
    boolean reservedAhead;
    /** (nanoTime, group bytes) samples of the last few seconds, for a speed that bursty servers do not jerk around. */
    private final java.util.ArrayDeque<long[]> speedSamples = new java.util.ArrayDeque<>();
    /** The first failure seen by this worker, in the order results arrived. */
    FailureReason firstFailure = FailureReason.NONE;
    /*
     * Kept up to date by RecordRun#to, so the loop's questions (how many connections, all finished?,
     * what may start?) cost O(running) a pass, not O(records): a pass runs per completed transfer,
     * which made a 10,000-file group quadratic.
     */
    private final java.util.Set<RecordRun> runningRecords = new java.util.LinkedHashSet<>();
    private int unfinished;
    private int deliverable;
    /** No record before this index is queued. */
    private int queuedFrom;
    /** The distinct hosts of the records, so a scan can stop once every one of them is full. */
    final int hostCount;

    FetchRun(Fetch f) {
        this.key = f.key;
        this.fetch = f;
        this.rateLimit = f.options.limitRate == null ? null : new dev.bgfetch.http.RateLimit(f.options.limitRate);
        java.util.Set<String> hosts = new java.util.HashSet<>();
        for (Rec r : f.records) {
            if (r.index != records.size()) {
                throw new IllegalStateException("record " + records.size() + " of '" + f.id + "' has index " + r.index);
            }
            RecordRun j = new RecordRun(this, r, URI.create(r.request.url));
            records.add(j);
            hosts.add(j.host);
            if (!j.isDone()) {
                unfinished++;
            }
        }
        hostCount = hosts.size();
        group.set(f.records.stream().mapToLong(r -> r.downloaded).sum());
        paused = f.state == FetchState.PAUSED;
    }

    /** Takes {@code n} bytes of the group's downloadTotal; false when that would exceed it (§4.10). */
    boolean tryConsume(long n) {
        long cap = fetch.downloadTotal;
        if (cap <= 0) {
            group.addAndGet(n);
            return true;
        }
        while (true) {
            long cur = group.get();
            if (cur + n > cap) {
                return false;
            }
            if (group.compareAndSet(cur, cur + n)) {
                return true;
            }
        }
    }

    /** Takes in the stored summary of the fetch: a pause stops its transfers at once, a resume lets them go. */
    void observe(Fetch f) {
        fetch.state = f.state;
        boolean pausedNow = f.state == FetchState.PAUSED;
        if (pausedNow && !paused) {
            paused = true;
            Log.info("pausing '" + f.id + "'");
            cancelTransfers();
        } else if (!pausedNow && paused) {
            paused = false;
            Log.info("resuming '" + f.id + "'");
            records.forEach(RecordRun::retryNow);
        }
    }

    /** The group must end (aborted or forgotten, or its cap was hit): nothing starts any more, and what runs is cancelled. */
    void stop() {
        stopping = true;
        cancelTransfers();
    }

    /** Cancels every transfer of the run; each comes back through the events queue as CANCELLED. */
    void cancelTransfers() {
        for (RecordRun j : records) {
            Transfer t = j.transfer;
            if (t != null) {
                t.cancel();
            }
            if (j.segments != null) {
                j.segments.cancelAll();
            }
        }
    }

    /** {@code j} went from phase {@code from} to {@code to}: the counts follow. */
    void moved(RecordRun j, RecordRun.Phase from, RecordRun.Phase to) {
        unfinished += weight(to) - weight(from);
        deliverable += (to == RecordRun.Phase.DELIVERABLE ? 1 : 0) - (from == RecordRun.Phase.DELIVERABLE ? 1 : 0);
        if (from == RecordRun.Phase.RUNNING) {
            runningRecords.remove(j);
        }
        if (to == RecordRun.Phase.RUNNING) {
            runningRecords.add(j);
        }
        if (to == RecordRun.Phase.QUEUED) {
            queuedFrom = Math.min(queuedFrom, j.index);
        }
    }

    private static int weight(RecordRun.Phase p) {
        return p == RecordRun.Phase.QUEUED || p == RecordRun.Phase.RUNNING ? 1 : 0;
    }

    /** Every record has its result, or a whole body waiting only for its rename. */
    boolean allFinished() {
        return unfinished == 0;
    }

    boolean anyDeliverable() {
        return deliverable > 0;
    }

    /** Whether a whole body waits for its rename while its length is not yet in the stored record. */
    boolean deliversUnjournaled() {
        if (deliverable == 0) {
            return false;
        }
        for (RecordRun j : records) {
            if (j.phase() == RecordRun.Phase.DELIVERABLE && j.total != null
                    && !j.total.equals(fetch.records.get(j.index).total)) {
                return true;
            }
        }
        return false;
    }

    /** The connections its running records hold. */
    long running() {
        long n = 0;
        for (RecordRun j : runningRecords) {
            n += j.connections();
        }
        return n;
    }

    /** The most connections one of its running records holds. */
    int widestRunning() {
        int n = 0;
        for (RecordRun j : runningRecords) {
            n = Math.max(n, j.connections());
        }
        return n;
    }

    /** The connections its running records hold on {@code host}. */
    int runningOn(String host) {
        int n = 0;
        for (RecordRun j : runningRecords) {
            if (j.host.equals(host)) {
                n += j.connections();
            }
        }
        return n;
    }

    /** The running records, in the order they started (a copy: starting or ending one changes the set). */
    List<RecordRun> runningRecords() {
        return new ArrayList<>(runningRecords);
    }

    /** The index from which queued records may be found: every record before it has left the queue. */
    int firstQueued() {
        while (queuedFrom < records.size() && records.get(queuedFrom).phase() != RecordRun.Phase.QUEUED) {
            queuedFrom++;
        }
        return queuedFrom;
    }

    /** The state the CLI shows while the fetch runs (pause is the store's business, not the run's). */
    FetchState state() {
        boolean anyRunning = false;
        boolean anyWaiting = false;
        for (RecordRun j : records) {
            anyRunning |= j.phase() == RecordRun.Phase.RUNNING && !j.waitingForNetwork;
            anyWaiting |= !j.isDone() && j.waitingForNetwork;
        }
        if (anyWaiting && !anyRunning) {
            return FetchState.WAITING_FOR_NETWORK;
        }
        return anyRunning || records.stream().anyMatch(j -> j.downloaded.get() > 0) ? FetchState.DOWNLOADING : FetchState.PENDING;
    }

    /** Bytes per second over a sliding window of about five seconds. */
    private long measureSpeed() {
        long now = System.nanoTime();
        long bytes = group.get();
        speedSamples.addLast(new long[] {now, bytes});
        while (speedSamples.size() > 2 && now - speedSamples.peekFirst()[0] > 5_000_000_000L) {
            speedSamples.removeFirst();
        }
        long[] first = speedSamples.peekFirst();
        long dt = now - first[0];
        if (running() == 0 || dt < 200_000_000L) {
            return running() == 0 ? 0 : fetch.speed;
        }
        return (long) (Math.max(0, bytes - first[1]) * 1e9 / dt);
    }

    /**
     * Copies the live state into this run's copy of the records and into the stored summary {@code s}
     * (called under the store lock); returns the records whose durable part changed (target,
     * validators, response, retry, result), which the store appends to the journal. Byte counts are
     * not durable: they go to the progress file.
     */
    List<Rec> applyTo(Fetch s) {
        List<Rec> changed = new ArrayList<>();
        boolean settled = s.hasSettled();
        long sum = 0;
        for (RecordRun j : records) {
            Rec r = fetch.records.get(j.index);
            r.downloaded = Math.max(0, j.downloaded.get());
            sum += r.downloaded;
            if (settled) {
                // Delivered just as the fetch was aborted: the file stays, so the record says so.
                if (j.isDone() && j.result == RecordResult.SUCCESS && r.result != RecordResult.SUCCESS) {
                    r.result = j.result;
                    r.path = j.path.toString();
                    s.filesDone++;
                    changed.add(r);
                }
                continue;
            }
            if (copyDurable(j, r)) {
                changed.add(r);
            }
        }
        if (settled) {
            return changed;
        }
        fetch.speed = measureSpeed();
        fetch.state = s.state;
        fetch.summarize();
        s.downloaded = sum;
        s.speed = fetch.speed;
        s.files = fetch.files;
        s.filesDone = fetch.filesDone;
        s.knownTotal = fetch.knownTotal;
        s.retryReason = fetch.retryReason;
        s.retryAt = fetch.retryAt;
        if (s.failureReason == FailureReason.NONE) {
            s.failureReason = firstFailure;
        }
        if (s.state != FetchState.PAUSED && !paused) {
            s.state = state();
        }
        return changed;
    }

    /** Brings the stored record up to date with its live state; true if anything durable changed. */
    private static boolean copyDurable(RecordRun j, Rec r) {
        boolean dirty = false;
        String target = j.target == null ? null : j.target.toString();
        if (!Objects.equals(r.target, target)) {
            r.target = target;
            dirty = true;
        }
        Long total = j.total;
        String etag = j.etag;
        String lastModified = j.lastModified;
        if (!Objects.equals(r.total, total) || !Objects.equals(r.etag, etag)
                || !Objects.equals(r.lastModified, lastModified)) {
            r.total = total;
            r.etag = etag;
            r.lastModified = lastModified;
            dirty = true;
        }
        String why = j.isDone() ? null : j.retryReason;
        String at = why == null ? null : java.time.Instant.ofEpochMilli(j.retryAt).toString();
        if (!Objects.equals(r.networkError, why) || !Objects.equals(r.retryAt, at)) {
            r.networkError = why;
            r.retryAt = at;
            dirty = true;
        }
        ResponseInfo resp = j.response;
        if (resp != null && resp != j.storedResponse) {
            Rec.Response stored = new Rec.Response();
            stored.url = resp.url;
            stored.status = resp.status;
            stored.statusText = resp.statusText;
            stored.headers = resp.headers;
            r.response = stored;
            j.storedResponse = resp;
            dirty = true;
        }
        if (j.isDone()) {
            String path = j.path == null ? null : j.path.toString();
            if (!Objects.equals(r.result, j.result) || !Objects.equals(r.error, j.error)
                    || !Objects.equals(r.path, path)) {
                r.result = j.result;
                r.error = j.error;
                r.path = path;
                dirty = true;
            }
        }
        return dirty;
    }

    /** The byte count of each record, in index order, for the progress file. */
    long[] perRecord() {
        long[] out = new long[fetch.records.size()];
        for (RecordRun j : records) {
            out[j.index] = Math.max(0, j.downloaded.get());
        }
        return out;
    }
}
