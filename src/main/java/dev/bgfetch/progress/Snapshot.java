package dev.bgfetch.progress;

import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.Rec;

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
    public final String state;
    public final String result;
    public final String failureReason;

    public Snapshot(String id, String title, long downloaded, long total, int files, int filesDone, long speed,
            String state, String result, String failureReason) {
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
    }

    public static Snapshot of(Fetch f) {
        long total = f.downloadTotal;
        if (total <= 0) {
            boolean allKnown = f.records.stream().allMatch(r -> r.total != null);
            total = allKnown ? f.records.stream().mapToLong(r -> r.total).sum() : -1;
        }
        int done = (int) f.records.stream().filter(r -> Rec.SUCCESS.equals(r.result)).count();
        return new Snapshot(f.id, f.title, f.downloaded, total, f.records.size(), done, f.speed, f.state,
                f.result, f.failureReason);
    }
}
