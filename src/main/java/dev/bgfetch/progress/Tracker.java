package dev.bgfetch.progress;

import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.Rec;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Makes the snapshots a view shows, with each running file's speed. The worker publishes only the
 * group's speed, and a file's byte count moves in bursts (a throttled server sends a chunk a second),
 * so a file's speed is its share of the group's speed, by the bytes it got in the last 5 seconds:
 * smooth, and the files always add up to the group.
 */
public final class Tracker {
    private static final long WINDOW_NS = 5_000_000_000L;
    /** Per fetch key and record index: (nanos, bytes) samples of the last {@link #WINDOW_NS}. */
    private final Map<String, Map<Integer, ArrayDeque<long[]>>> samples = new HashMap<>();
    private final Map<String, Long> lastPoll = new HashMap<>();

    /** The snapshot of a whole fetch (records loaded), with its running files busiest first. */
    public Snapshot snapshot(Fetch f) {
        Snapshot s = Snapshot.of(f);
        if (f.hasSettled()) {
            samples.remove(f.key);
            lastPoll.remove(f.key);
            return s;
        }
        return s.withRunning(running(f, System.nanoTime()));
    }

    /** The files of an active fetch that have bytes and are not done, busiest first, as of {@code now}. */
    List<FileProgress> running(Fetch f, long now) {
        Map<Integer, ArrayDeque<long[]>> byIndex = samples.computeIfAbsent(f.key, k -> new HashMap<>());
        Long previous = lastPoll.put(f.key, now);
        List<Rec> live = new ArrayList<>();
        List<Long> moved = new ArrayList<>();
        long sum = 0;
        for (Rec r : f.records) {
            if (r.isDone() || r.downloaded <= 0 && !byIndex.containsKey(r.index)) {
                byIndex.remove(r.index);
                continue;
            }
            ArrayDeque<long[]> q = byIndex.get(r.index);
            if (q == null) {
                q = new ArrayDeque<>();
                if (previous != null) {
                    // It had no bytes at the last poll: all it has came since, burst or not.
                    q.addLast(new long[] {previous, 0});
                }
                byIndex.put(r.index, q);
            }
            q.addLast(new long[] {now, r.downloaded});
            while (q.size() > 2 && now - second(q)[0] >= WINDOW_NS) {
                q.removeFirst(); // the oldest kept sample is the last one at least a window old
            }
            long delta = Math.max(0, r.downloaded - q.peekFirst()[1]);
            live.add(r);
            moved.add(delta);
            sum += delta;
        }
        List<FileProgress> out = new ArrayList<>(live.size());
        for (int i = 0; i < live.size(); i++) {
            Rec r = live.get(i);
            long speed = sum > 0 ? (long) ((double) f.speed * moved.get(i) / sum) : 0;
            out.add(new FileProgress(r.index, name(r), r.downloaded, r.total == null ? -1 : r.total, speed));
        }
        out.sort(Comparator.comparingLong(FileProgress::speed).thenComparingLong(FileProgress::downloaded).reversed());
        return out;
    }

    private static long[] second(ArrayDeque<long[]> q) {
        java.util.Iterator<long[]> it = q.iterator();
        it.next();
        return it.next();
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
