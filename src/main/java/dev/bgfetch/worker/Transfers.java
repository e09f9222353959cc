package dev.bgfetch.worker;

import dev.bgfetch.http.Digests;
import dev.bgfetch.http.Outcome;
import dev.bgfetch.http.RateLimit;
import dev.bgfetch.http.ResponseInfo;
import dev.bgfetch.http.Transfer;
import dev.bgfetch.http.TransferListener;
import dev.bgfetch.state.Rec;
import dev.bgfetch.state.RecordResult;
import dev.bgfetch.state.Store;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs a record's transfers on the pool (the whole file, a segment, or the finish step of segments)
 * and applies each outcome to the record by the retry policy: deliverable, retried after a backoff,
 * failed, or aborted. Outcomes come back through the worker's events queue, so everything here but
 * the transfers themselves runs on the loop thread.
 */
final class Transfers {
    private final Store store;
    private final ExecutorService pool;
    private final BlockingQueue<Runnable> events;
    private final Slots slots;
    private final Engines engines;
    private final Delivery delivery;
    /** The worker's runs: a stopped record of a run no longer there is not aborted here (the settling does it). */
    private final Map<String, FetchRun> runs;
    /** The limit-rate setting: one bucket for every transfer of the worker; null = unlimited. */
    private final RateLimit workerRate;
    private final long retryCapMs;
    private final int statusRetries;
    private final long minFree;
    private final boolean fsync;
    private final int split;

    Transfers(Store store, Setting.Values settings, ExecutorService pool, BlockingQueue<Runnable> events, Slots slots,
            Engines engines, Delivery delivery, Map<String, FetchRun> runs) {
        this.store = store;
        this.pool = pool;
        this.events = events;
        this.slots = slots;
        this.engines = engines;
        this.delivery = delivery;
        this.runs = runs;
        this.retryCapMs = Math.max(100, settings.duration(Setting.RETRY_MAX_DELAY).toMillis());
        this.statusRetries = settings.integer(Setting.STATUS_RETRIES);
        this.minFree = settings.size(Setting.MIN_FREE);
        long rate = settings.size(Setting.LIMIT_RATE);
        this.workerRate = rate > 0 ? new RateLimit(rate) : null;
        this.fsync = settings.bool(Setting.FSYNC);
        this.split = Math.max(1, settings.integer(Setting.SPLIT));
    }

    /** Starts a record the scheduler gave a connection: one transfer, the first segment, or the finish step. */
    void launch(RecordRun j) {
        FetchRun r = j.run;
        j.planSegments(r.fetch.options.split == null ? split : r.fetch.options.split);
        Segments s = j.segments;
        if (s == null) {
            start(j, null);
        } else if (s.allComplete()) {
            verify(j); // stopped (a pause) just as its last segment ended
        } else {
            Segments.Piece p = s.idle(Long.MAX_VALUE, List.of());
            start(j, p);
        }
    }

    /** The finish step of a record fetched in segments: whole length and checksum, on a pool thread. */
    private void verify(RecordRun j) {
        j.segments.verifying = true;
        Transfer t = new Transfer(null, transferSpec(j), j);
        long total = j.total == null ? -1 : j.total;
        pool.execute(() -> {
            Outcome o = guarded(() -> t.verify(total));
            Object partKey = t.partKey();
            events.add(() -> {
                j.segments.verifying = false;
                j.wrote(partKey);
                finished(j, o);
            });
        });
    }

    /**
     * A transfer's step on a pool thread, whose failure of any kind is its outcome: an error left to
     * kill the thread left the record running for good.
     */
    private static Outcome guarded(java.util.function.Supplier<Outcome> step) {
        try {
            return step.get();
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
            return Outcome.of(Outcome.Kind.FETCH_ERROR, "internal error: " + e);
        }
    }

    private Transfer.Spec transferSpec(RecordRun j) {
        Rec rec = j.run.fetch.records.get(j.index);
        Transfer.Spec tj = new Transfer.Spec();
        tj.url = j.url;
        tj.headers = rec.request.headers;
        tj.part = Naming.part(j.target);
        tj.knownTotal = j.total == null ? -1 : j.total;
        tj.etag = j.etag;
        tj.lastModified = j.lastModified;
        tj.checksum = rec.checksum;
        tj.rateLimit = j.run.rateLimit;
        tj.workerRateLimit = workerRate;
        // What the server said of the whole file, for the finish step of segments (RFC 9530 digests).
        if (j.response != null) {
            tj.serverDigests = Digests.fromResponse(j.response.status, j.response.headers);
        } else if (rec.response != null) {
            tj.serverDigests = Digests.fromResponse(rec.response.status, rec.response.headers);
        }
        tj.minFree = minFree;
        tj.fsync = fsync;
        tj.fresh = j.fresh;
        return tj;
    }

    /** Starts one transfer of {@code j}, whose connection slot is taken: the whole file, or the segment {@code p}. */
    void start(RecordRun j, Segments.Piece p) {
        Transfer.Spec tj = transferSpec(j);
        tj.segment = p == null ? null : p.range;
        Transfer t;
        AtomicBoolean lent = new AtomicBoolean();
        TransferListener listener = new SlotLender(p == null ? j : j.segments.listener(p), () -> {
            lent.set(true);
            events.add(() -> slots.give(j.host));
        });
        try {
            t = new Transfer(engines.forFetch(j.run.fetch.options), tj, listener);
        } catch (IllegalStateException e) {
            finished(j, Outcome.of(Outcome.Kind.FETCH_ERROR, e.getMessage()));
            return;
        }
        if (p == null) {
            j.launched(t);
        } else {
            j.launched(p, t);
        }
        pool.execute(() -> {
            Outcome outcome = guarded(t::run);
            Object partKey = t.partKey();
            events.add(() -> {
                if (lent.get()) {
                    slots.take(j.host); // given back while the bytes were synced; the outcome gives it for good
                }
                j.wrote(partKey);
                if (p == null) {
                    finished(j, outcome);
                } else {
                    finishedPiece(j, p, outcome);
                }
            });
        });
    }

    /** One segment's transfer is back; the record's own outcome waits for its last one. */
    private void finishedPiece(RecordRun j, Segments.Piece p, Outcome o) {
        Segments s = j.segments;
        Outcome last = s.finished(p, o, System.currentTimeMillis(), this::backoff);
        if (last == null) {
            slots.give(j.host);
            j.run.dirty = true;
            if (!s.pieces.contains(p)) {
                Log.info("'" + j.run.fetch.id + "' #" + j.index + " segment at " + p.range.next() + " refused ("
                        + o.message + "): its range goes back to the connection it was split from");
            } else if (o.kind == Outcome.Kind.NETWORK || o.kind == Outcome.Kind.RETRY_LATER) {
                Log.info("'" + j.run.fetch.id + "' #" + j.index + " segment at " + p.range.next() + " retries: " + o.message);
            }
            return;
        }
        if (last.kind == Outcome.Kind.SEGMENT_DONE) {
            verify(j); // keeps the connection slot until the finish step is back
            return;
        }
        if (last.kind == Outcome.Kind.CHANGED) {
            // Never spliced: the record's data goes and it starts over on one connection.
            Log.info("'" + j.run.fetch.id + "' #" + j.index + " starts over on one connection: " + last.message);
            s.forget(store);
            Parts.delete(Naming.part(j.target));
            j.startOverOnOneConnection();
            last = Outcome.of(Outcome.Kind.CANCELLED, "restarting");
        } else if (last.kind != Outcome.Kind.COMPLETE) {
            s.saveLater(store, fsync, pool);
        }
        finished(j, last);
    }

    /** The record's attempt is over with {@code o}: its slot is given back and the retry policy decides what next. */
    void finished(RecordRun j, Outcome o) {
        slots.give(j.host);
        j.transferEnded();
        FetchRun r = j.run;
        r.dirty = true;
        String id = r.fetch.id;
        switch (o.kind) {
            case COMPLETE:
                j.bodyComplete();
                break;
            case BAD_STATUS:
                delivery.fail(j, RecordResult.BAD_STATUS, o.message);
                break;
            case FETCH_ERROR:
                delivery.fail(j, RecordResult.FETCH_ERROR, o.message);
                break;
            case QUOTA:
                delivery.fail(j, RecordResult.QUOTA_EXCEEDED, o.message);
                break;
            case CAP:
                delivery.fail(j, RecordResult.DOWNLOAD_TOTAL_EXCEEDED, o.message);
                stopGroup(r);
                break;
            case NAME_TAKEN:
                Log.info("'" + id + "' #" + j.index + " " + o.message + ": takes the next free name");
                delivery.nameTaken(j);
                break;
            case NETWORK: {
                String before = j.retryReason;
                j.waitForNetwork(o.message, this::backoff);
                if (j.networkFailures == 1 || !java.util.Objects.equals(before, o.message)) {
                    // once per outage and reason: offline, each record retries every retry-max-delay for
                    // hours, and a line each time filled worker.log (5,000 records: ~27 KB a second)
                    Log.info("'" + id + "' #" + j.index + " waiting for the network: " + o.message);
                }
                break;
            }
            case RETRY_LATER:
                if (j.statusRetried() > statusRetries) {
                    delivery.fail(j, RecordResult.BAD_STATUS, o.message + " after " + statusRetries + " retries");
                } else {
                    long wait = o.retryAfterMillis >= 0 ? Math.min(o.retryAfterMillis, 10 * retryCapMs)
                            : backoff(j.statusRetries);
                    j.retryLater(o.message, System.currentTimeMillis() + wait);
                    Log.info("'" + id + "' #" + j.index + " " + o.message + "; retry in " + wait + " ms");
                }
                break;
            case CANCELLED:
            default:
                if (r.stopping && !r.lost && runs.containsKey(r.key) && !j.isDone()) {
                    delivery.abort(j);
                } else if (!j.isDone()) {
                    j.requeue();
                }
                break;
        }
        if (o.kind != Outcome.Kind.CANCELLED && o.kind != Outcome.Kind.NETWORK && o.kind != Outcome.Kind.RETRY_LATER
                && o.kind != Outcome.Kind.COMPLETE && o.kind != Outcome.Kind.NAME_TAKEN) {
            Log.info("'" + id + "' #" + j.index + " " + (j.result == RecordResult.NONE ? o.kind : j.result)
                    + (o.message == null ? "" : ": " + o.message));
        }
    }

    /**
     * Lends a transfer's connection slot to the scheduler once its body is in: the fsync that follows
     * waits for the disk, not the server, and on 100 files of 10 MiB each connection's file-by-file
     * fsyncs left it idle for about a fifth of the run. The HTTP connection is back in its pool by
     * then, so the per-host and total limits on connections still hold; only the record stays running.
     */
    private static final class SlotLender implements TransferListener {
        private final TransferListener to;
        private final Runnable free;

        SlotLender(TransferListener to, Runnable free) {
            this.to = to;
            this.free = free;
        }

        @Override
        public void onResponse(ResponseInfo response) {
            to.onResponse(response);
        }

        @Override
        public void onBinding(String etag, String lastModified, long total, long start) {
            to.onBinding(etag, lastModified, total, start);
        }

        @Override
        public boolean reserve(long n) {
            return to.reserve(n);
        }

        @Override
        public void restarted(long dropped) {
            to.restarted(dropped);
        }

        @Override
        public void connectionFree() {
            free.run();
        }
    }

    /** downloadTotal was exceeded: the other records stop and count as aborted (as in the web API). */
    private void stopGroup(FetchRun r) {
        for (RecordRun other : r.records) {
            if (other.phase() == RecordRun.Phase.QUEUED) {
                delivery.abort(other);
            }
        }
        r.stop();
    }

    /** The wait before attempt {@code failures} + 1: exponential from half a second, capped by retry-max-delay. */
    private long backoff(int failures) {
        long base = Math.min(retryCapMs, 500L << Math.min(16, failures - 1));
        // Full jitter in the upper half keeps many waiting workers from hammering a server in step.
        return base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
    }
}
