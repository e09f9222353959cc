package dev.bgfetch.worker;

import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.Rec;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** A fetch the worker is running: its records' jobs, the group's byte count and cap. */
final class FetchRun {
    final String key;
    /** The stored fetch as last seen; options, dir and headers come from here. */
    Fetch fetch;
    final List<RecordJob> jobs = new ArrayList<>();
    final AtomicLong group = new AtomicLong();
    volatile boolean dirty = true;
    long lastFlush;
    boolean paused;
    /** Set when the group must stop: the cap was hit, or the fetch was aborted or forgotten. */
    boolean stopping;
    /** (nanoTime, group bytes) samples of the last few seconds, for a speed that bursty servers do not jerk around. */
    private final java.util.ArrayDeque<long[]> speedSamples = new java.util.ArrayDeque<>();
    /** The first failure seen by this worker, in the order results arrived. */
    String firstFailure = "";

    FetchRun(Fetch f) {
        this.key = f.key;
        this.fetch = f;
        for (Rec r : f.records) {
            jobs.add(new RecordJob(this, r, URI.create(r.request.url)));
        }
        group.set(f.records.stream().mapToLong(r -> r.downloaded).sum());
        paused = Fetch.PAUSED.equals(f.state);
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

    /** Every record has its result, or a whole body waiting only for its rename. */
    boolean allFinished() {
        return jobs.stream().allMatch(j -> j.isDone() || j.phase == RecordJob.Phase.DELIVERABLE);
    }

    boolean anyDeliverable() {
        return jobs.stream().anyMatch(j -> j.phase == RecordJob.Phase.DELIVERABLE);
    }

    long running() {
        return jobs.stream().filter(j -> j.phase == RecordJob.Phase.RUNNING).mapToLong(RecordJob::connections).sum();
    }

    /** The state the CLI shows while the fetch runs (pause is the store's business, not the run's). */
    String state() {
        boolean anyRunning = false;
        boolean anyWaiting = false;
        for (RecordJob j : jobs) {
            anyRunning |= j.phase == RecordJob.Phase.RUNNING && !j.waitingForNetwork;
            anyWaiting |= !j.isDone() && j.waitingForNetwork;
        }
        if (anyWaiting && !anyRunning) {
            return Fetch.WAITING_FOR_NETWORK;
        }
        return anyRunning || jobs.stream().anyMatch(j -> j.downloaded.get() > 0) ? Fetch.DOWNLOADING : Fetch.PENDING;
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

    /** Copies the live progress into a stored copy (called under the store lock). */
    void applyTo(Fetch f) {
        for (RecordJob j : jobs) {
            Rec r = f.records.get(j.index);
            r.downloaded = Math.max(0, j.downloaded.get());
            r.total = j.total;
            r.etag = j.etag;
            r.lastModified = j.lastModified;
            r.target = j.target == null ? null : j.target.toString();
            String why = j.isDone() ? null : j.retryReason;
            r.networkError = why;
            r.retryAt = why == null ? null : java.time.Instant.ofEpochMilli(j.retryAt).toString();
            if (j.response != null) {
                Rec.Response resp = new Rec.Response();
                resp.url = j.response.url;
                resp.status = j.response.status;
                resp.statusText = j.response.statusText;
                resp.headers = j.response.headers;
                r.response = resp;
            }
            if (j.isDone() && !f.hasSettled()) {
                r.result = j.result;
                r.error = j.error;
                r.path = j.path == null ? null : j.path.toString();
            } else if (j.isDone() && Rec.SUCCESS.equals(j.result)) {
                // Delivered just as the fetch was aborted: the file stays, so the record says so.
                r.result = j.result;
                r.path = j.path.toString();
            }
        }
        f.recount();
        f.speed = measureSpeed();
        if (!f.hasSettled()) {
            if (f.failureReason.isEmpty()) {
                f.failureReason = firstFailure;
            }
            if (!Fetch.PAUSED.equals(f.state) && !paused) {
                f.state = state();
            }
        }
    }
}
