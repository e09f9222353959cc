package dev.bgfetch.progress;

import dev.bgfetch.state.FetchResult;
import dev.bgfetch.state.FailureReason;
import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.FetchState;

/** What a progress view shows of one fetch at one instant; built from the store, rendered by pure functions. */
public final class Snapshot {
    public final String id;
    public final String title;
    public final long downloaded;
    /** downloadTotal if given, else the sum of known record totals when all are known, else -1. */
    public final long total;
    public final int files;
    public final int filesDone;
    public final long speed;
    public final FetchState state;
    public final FetchResult result;
    public final FailureReason failureReason;
    /** Why a record's last attempt failed while it waits for a retry (network trouble, 429/503), else null. */
    public final String retryReason;
    /** Seconds until that retry, else -1. */
    public final long retryIn;
    /** The files transferring now, busiest first; empty when unknown (a summary without records). */
    public final java.util.List<FileProgress> running;

    public Snapshot(String id, String title, long downloaded, long total, int files, int filesDone, long speed,
            FetchState state, FetchResult result, FailureReason failureReason) {
        this(id, title, downloaded, total, files, filesDone, speed, state, result, failureReason, null, -1);
    }

    public Snapshot(String id, String title, long downloaded, long total, int files, int filesDone, long speed,
            FetchState state, FetchResult result, FailureReason failureReason, String retryReason, long retryIn) {
        this(id, title, downloaded, total, files, filesDone, speed, state, result, failureReason, retryReason,
                retryIn, java.util.List.of());
    }

    public Snapshot(String id, String title, long downloaded, long total, int files, int filesDone, long speed,
            FetchState state, FetchResult result, FailureReason failureReason, String retryReason, long retryIn,
            java.util.List<FileProgress> running) {
        this.id = id;
        this.title = title;
        this.downloaded = downloaded;
        this.total = total;
        this.files = files;
        this.filesDone = filesDone;
        this.speed = speed;
        this.state = state;
        this.result = result;
        this.failureReason = failureReason;
        this.retryReason = retryReason;
        this.retryIn = retryIn;
        this.running = java.util.List.copyOf(running);
    }

    /** This snapshot with these running files. */
    public Snapshot withRunning(java.util.List<FileProgress> files) {
        return new Snapshot(id, title, downloaded, total, this.files, filesDone, speed, state, result, failureReason,
                retryReason, retryIn, files);
    }

    /** Seconds until done at the current speed, or -1 when the total or the speed is unknown. */
    public long eta() {
        return total > 0 && speed > 0 && state != FetchState.SETTLED ? Math.max(0, total - downloaded) / speed : -1;
    }

    /** From a whole fetch or only its summary: the counts come from the records when they are loaded. */
    public static Snapshot of(Fetch f) {
        long total = f.downloadTotal;
        String retryReason = f.retryReason;
        String retryAt = f.retryAt;
        if (!f.records.isEmpty()) {
            Fetch counted = new Fetch();
            counted.state = f.state;
            counted.records = f.records;
            counted.summarize();
            retryReason = counted.retryReason;
            retryAt = counted.retryAt;
            if (total <= 0) {
                total = counted.knownTotal;
            }
        } else if (total <= 0) {
            total = f.knownTotal;
        }
        return new Snapshot(f.id, f.title, f.downloaded, total, f.fileCount(), f.doneCount(), f.speed, f.state,
                f.result, f.failureReason, f.hasSettled() ? null : retryReason,
                f.hasSettled() || retryReason == null ? -1 : secondsUntil(retryAt));
    }

    /** Whole seconds from now until an ISO-8601 instant, rounded up, never negative; -1 if unknown. */
    public static long secondsUntil(String instant) {
        if (instant == null) {
            return -1;
        }
        try {
            long ms = java.time.Instant.parse(instant).toEpochMilli() - System.currentTimeMillis();
            return Math.max(0, (ms + 999) / 1000);
        } catch (java.time.format.DateTimeParseException e) {
            return -1;
        }
    }
}
