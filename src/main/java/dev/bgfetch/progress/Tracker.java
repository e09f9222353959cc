package dev.bgfetch.progress;

import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.Rec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Measures each running file's speed from the byte counts of successive polls (the worker publishes
 * only the group's speed) and makes the snapshots a view shows.
 */
public final class Tracker {
    private final Map<String, Map<Integer, long[]>> lastBytes = new HashMap<>(); // key → index → {bytes, nanos, speed}

    /** The snapshot of a whole fetch (records loaded), with its running files busiest first. */
    public Snapshot snapshot(Fetch f) {
        Snapshot s = Snapshot.of(f);
        if (f.hasSettled()) {
            lastBytes.remove(f.key);
            return s;
        }
        return s.withRunning(running(f));
    }

    /** The files of an active fetch that have bytes and are not done, busiest first. */
    public List<FileProgress> running(Fetch f) {
        long now = System.nanoTime();
        Map<Integer, long[]> prev = lastBytes.computeIfAbsent(f.key, k -> new HashMap<>());
        List<FileProgress> out = new ArrayList<>();
        for (Rec r : f.records) {
            if (r.isDone() || r.downloaded <= 0 && !prev.containsKey(r.index)) {
                prev.remove(r.index);
                continue;
            }
            long[] p = prev.get(r.index);
            long speed = 0;
            if (p != null) {
                double secs = (now - p[1]) / 1e9;
                if (r.downloaded == p[0] && secs < 1.0) {
                    continue; // the worker publishes 4 times a second: no new count yet is not a stall
                }
                long inst = secs > 0.05 ? (long) ((r.downloaded - p[0]) / secs) : p[2];
                // Smoothed like the worker's group speed, so a file's number does not jump every frame.
                speed = Math.max(0, secs > 0.05 ? (p[2] == 0 ? inst : (p[2] * 2 + inst) / 3) : p[2]);
                if (secs <= 0.05) {
                    continue; // too soon to measure: keep the last sample, show it below
                }
            }
            prev.put(r.index, new long[] {r.downloaded, now, speed});
        }
        for (Rec r : f.records) {
            long[] p = prev.get(r.index);
            if (p != null && !r.isDone()) {
                out.add(new FileProgress(r.index, name(r), r.downloaded, r.total == null ? -1 : r.total, p[2]));
            }
        }
        out.sort(Comparator.comparingLong(FileProgress::speed).thenComparingLong(FileProgress::downloaded).reversed());
        return out;
    }

    /** The file name a record writes to, else the last segment of its URL. */
    static String name(Rec r) {
        if (r.target != null) {
            Path p = Path.of(r.target).getFileName();
            if (p != null) {
                return p.toString();
            }
        }
        if (r.out != null) {
            return r.out;
        }
        String u = r.request.url == null ? "" : r.request.url.replaceAll("[?#].*$", "");
        int slash = u.lastIndexOf('/');
        return slash >= 0 && slash < u.length() - 1 ? u.substring(slash + 1) : u;
    }
}
