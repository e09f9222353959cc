package dev.bgfetch.worker;

import dev.bgfetch.http.Outcome;
import dev.bgfetch.state.Fetch;
import dev.bgfetch.state.Store;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Decides which queued records and which segments start now, within the total, per-host and per-fetch
 * connection limits and each record's backoff, reserving (durably) the names of the records it starts.
 * Loop thread only.
 */
final class Scheduler {
    /**
     * How many queued records get their names reserved along with one that starts. Each reservation
     * batch is a state write on the loop thread, so a whole group is reserved at once (measured on
     * 1000 x 64 KiB: see bench/RESULTS.md).
     */
    private static final int RESERVE_AHEAD = 100_000;
    /**
     * As many in a run's first batch: its first transfers start once their own names and these few
     * are durable, not after a whole group's (W2 on a cold worker, 6 runs each: from the pick-up to
     * the first transfer ~28 ms against ~80 with all 1000 names in the first batch).
     */
    private static final int FIRST_AHEAD = 64;

    private final Store store;
    private final Map<String, FetchRun> runs;
    private final Slots slots;
    private final Names names;
    private final StoreSync storeSync;
    private final Transfers transfers;
    private final boolean fsync;
    private final int split;
    private final long minSplitSize;
    /** The fetch that got the last connection given out: the others come first for the next one. */
    private String servedLast;

    Scheduler(Store store, Setting.Values settings, Map<String, FetchRun> runs, Slots slots, Names names,
            StoreSync storeSync, Transfers transfers) {
        this.store = store;
        this.runs = runs;
        this.slots = slots;
        this.names = names;
        this.storeSync = storeSync;
        this.transfers = transfers;
        this.fsync = settings.bool(Setting.FSYNC);
        this.split = Math.max(1, settings.integer(Setting.SPLIT));
        this.minSplitSize = Math.max(1, settings.size(Setting.MIN_SPLIT_SIZE));
    }

    void schedule(long now) {
        if (slots.running() >= slots.maxTotal && !anyYielder()) {
            return;
        }
        List<RecordRun> start = new ArrayList<>();
        // Where a record that could start now waits only for the worker's limits: its host's
        // connections (the hosts), or all connections (a null among them).
        Set<String> waiting = new HashSet<>();
        outer:
        for (FetchRun r : inTurn()) {
            if (r.paused || r.stopping) {
                continue;
            }
            int rMax = r.fetch.options.maxConnections == null ? Integer.MAX_VALUE : r.fetch.options.maxConnections;
            int rPerHost = r.fetch.options.maxPerHost == null ? Integer.MAX_VALUE : r.fetch.options.maxPerHost;
            int rRunning = (int) r.running();
            Map<String, Integer> rHosts = new HashMap<>();
            for (RecordRun j : r.runningRecords()) {
                rHosts.merge(j.host, j.connections(), Integer::sum);
            }
            // Hosts found full in this pass: once all of the run's are, no later record can start.
            Set<String> full = new HashSet<>();
            for (int i = r.firstQueued(); i < r.records.size(); i++) {
                RecordRun j = r.records.get(i);
                if (rRunning >= rMax || full.size() >= r.hostCount) {
                    break;
                }
                if (j.phase() != RecordRun.Phase.QUEUED || j.notBefore > now) {
                    continue;
                }
                boolean fetchAllows = rHosts.getOrDefault(j.host, 0) < rPerHost;
                if (slots.running() >= slots.maxTotal) {
                    if (fetchAllows && slots.onHost(j.host) < slots.maxPerHost) {
                        waiting.add(null);
                    }
                    break outer;
                }
                if (slots.onHost(j.host) >= slots.maxPerHost || !fetchAllows) {
                    if (fetchAllows) {
                        waiting.add(j.host);
                    }
                    full.add(j.host);
                    continue;
                }
                j.start();
                servedLast = r.key;
                slots.take(j.host);
                rHosts.merge(j.host, 1, Integer::sum);
                rRunning++;
                start.add(j);
            }
        }
        makeRoom(waiting);
        if (start.isEmpty()) {
            splitMore(now);
            return;
        }
        // Reserve final names and make the reservations durable before the first byte, so a crash
        // never leaves a .part that no record owns. Names are reserved for the queued records too,
        // so a group of many small files costs one state write, not one per file.
        Map<FetchRun, Boolean> toPersist = new LinkedHashMap<>();
        for (RecordRun j : start) {
            if (j.target == null) {
                names.reserve(j);
                if (toPersist.put(j.run, true) == null) {
                    int ahead = j.run.reservedAhead ? RESERVE_AHEAD : FIRST_AHEAD;
                    j.run.reservedAhead = true;
                    for (RecordRun next : j.run.records) {
                        if (ahead == 0) {
                            break;
                        }
                        if (next.phase() == RecordRun.Phase.QUEUED && next.target == null) {
                            names.reserve(next);
                            ahead--;
                        }
                    }
                }
            }
        }
        for (FetchRun r : toPersist.keySet()) {
            Optional<Fetch> stored = storeSync.persist(r, f -> { });
            if (stored.isEmpty() || stored.get().hasSettled()) {
                // gone without an abort (not settled): damaged or unreadable, its data kept (see Worker#stopGone)
                r.lost = stored.isEmpty() && !store.isSettled(r.key);
                r.stopping = true;
            }
            r.dirty = false;
        }
        names.newPass();
        for (RecordRun j : start) {
            // The write above may have brought a pause (or an abort) made since the last sync.
            if (j.run.stopping || j.run.paused) {
                transfers.finished(j, Outcome.of(Outcome.Kind.CANCELLED, "stopped"));
            } else {
                transfers.launch(j);
            }
        }
        splitMore(now);
    }

    /**
     * The runs in the order they may take free connections: starting after the one served last, so
     * fetches take turns as connections come free (a fetch registered while a group of 1,000 files
     * ran waited for all of them to start), while records of one fetch start in their order.
     */
    private Iterable<FetchRun> inTurn() {
        if (servedLast == null || runs.size() < 2 || !runs.containsKey(servedLast)) {
            return runs.values();
        }
        List<FetchRun> after = new ArrayList<>(runs.size());
        List<FetchRun> upTo = new ArrayList<>(runs.size());
        List<FetchRun> into = upTo;
        for (FetchRun r : runs.values()) {
            into.add(r);
            if (r.key.equals(servedLast)) {
                into = after;
            }
        }
        after.addAll(upTo);
        return after;
    }

    /** Whether a running record holds more than one connection, so it could give one to a waiting record. */
    private boolean anyYielder() {
        for (FetchRun r : runs.values()) {
            if (r.widestRunning() > 1) {
                return true;
            }
        }
        return false;
    }

    /**
     * Records wait for connections that segments of other records hold (a split takes only connections
     * nobody queued wanted, but a record queued later found them all held for as long as a large file
     * took): one segment a host gives its connection back, or one in all when every connection is taken.
     */
    private void makeRoom(Set<String> waiting) {
        if (waiting.isEmpty() || !anyYielder()) {
            return; // a group of small files waits for its host on every pass: no segments, no list
        }
        List<Segments> yielders = new ArrayList<>();
        for (FetchRun r : runs.values()) {
            for (RecordRun j : r.runningRecords()) {
                if (j.segments != null && j.segments.live > 0) {
                    yielders.add(j.segments);
                }
            }
        }
        for (String host : waiting) {
            boolean coming = false;
            for (Segments s : yielders) {
                coming |= s.yielding > 0 && (host == null || s.record.host.equals(host));
            }
            if (coming) {
                continue; // one at a time: the connection on its way goes to the first record waiting
            }
            for (Segments s : yielders) {
                if ((host == null || s.record.host.equals(host)) && !s.record.noSplit && s.yieldOne()) {
                    Log.info("'" + s.record.run.fetch.id + "' #" + s.record.index
                            + " gives a connection to a record waiting for " + (host == null ? "one" : host));
                    break;
                }
            }
        }
    }

    /**
     * Gives connections still free (within the total, per-host and per-fetch limits) to running
     * records that may be fetched in segments: first to their segments waiting to be restarted,
     * then by splitting the largest unclaimed rest (aria2's work stealing).
     */
    private void splitMore(long now) {
        for (FetchRun r : runs.values()) {
            if (r.paused || r.stopping) {
                continue;
            }
            int rMax = r.fetch.options.maxConnections == null ? Integer.MAX_VALUE : r.fetch.options.maxConnections;
            int rPerHost = r.fetch.options.maxPerHost == null ? Integer.MAX_VALUE : r.fetch.options.maxPerHost;
            int limit = r.fetch.options.split == null ? split : r.fetch.options.split;
            long min = r.fetch.options.minSplitSize == null ? minSplitSize : r.fetch.options.minSplitSize;
            for (RecordRun j : r.runningRecords()) {
                Segments s = j.segments;
                if (s == null || j.phase() != RecordRun.Phase.RUNNING || s.verifying || s.live == 0 || s.ending()
                        || !s.couldGrow(now, min, !j.noSplit && !s.waiting(now))) {
                    continue;
                }
                long rRunning = r.running();
                int rHost = r.runningOn(j.host);
                boolean wasWide = s.wide();
                int width = s.width(limit, now);
                if (!wasWide && s.wide() && width > s.live) {
                    Log.info("'" + r.fetch.id + "' #" + j.index + " may use " + limit
                            + " connections: each of its connections ran under "
                            + (SplitWidth.FAST_PER_SECOND >> 20) + " MiB/s");
                }
                List<Segments.Piece> go = new ArrayList<>();
                while (slots.running() + go.size() < slots.maxTotal
                        && slots.onHost(j.host) + go.size() < slots.maxPerHost
                        && rRunning + go.size() < rMax && rHost + go.size() < rPerHost && s.live + go.size() < width) {
                    Segments.Piece p = s.idle(now, go);
                    if (p == null && !j.noSplit && !s.waiting(now)) {
                        p = s.split(min);
                    }
                    if (p == null) {
                        break;
                    }
                    go.add(p);
                }
                if (go.isEmpty()) {
                    continue;
                }
                if (s.needsSave()) {
                    try {
                        s.saveNow(store, fsync);
                        Log.info("'" + r.fetch.id + "' #" + j.index + " in " + s.pieces.size() + " segments");
                    } catch (IOException e) {
                        // Without the map a crash would leave a sparse .part taken for a whole prefix.
                        s.notSaved(e);
                        j.splitNoMore();
                        continue;
                    }
                }
                for (Segments.Piece p : go) {
                    slots.take(j.host);
                    transfers.start(j, p);
                }
            }
        }
    }
}
