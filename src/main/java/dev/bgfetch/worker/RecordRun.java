package dev.bgfetch.worker;

import dev.bgfetch.state.FailureReason;
import dev.bgfetch.http.ResponseInfo;
import dev.bgfetch.http.Transfer;
import dev.bgfetch.http.TransferListener;
import dev.bgfetch.state.Rec;
import dev.bgfetch.state.RecordResult;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntToLongFunction;

/**
 * The live state of one record inside the worker, and the steps of its life (started, back, whole,
 * waiting, failed, delivered) as methods. Fields written by the transfer thread are volatile or
 * atomic; everything else belongs to the worker's loop thread.
 */
final class RecordRun implements TransferListener {
    /** DELIVERABLE: the whole body is in the .part, to be renamed under the store lock (see StoreSync#persist). */
    enum Phase { QUEUED, RUNNING, DELIVERABLE, DONE }

    final FetchRun run;
    final int index;
    final URI url;
    final String host;

    /** Changed only through {@link #to}, which keeps the run's counts (see FetchRun#moved). */
    private Phase phase = Phase.QUEUED;
    Path target;
    RecordResult result = RecordResult.NONE;
    String error;
    Path path;
    /** Network failures in a row without progress; drives the backoff. */
    int networkFailures;
    /** The byte count when the current attempt started, to tell whether it made progress. */
    long downloadedAtLaunch;
    int statusRetries;
    long notBefore;
    /** Set by the loop when the network failed; cleared by the transfer thread when bytes flow again. */
    volatile boolean waitingForNetwork;
    volatile Transfer transfer;
    /** Why the last attempt failed and is retried (network trouble, 429/503), and when (epoch ms): shown by get. */
    volatile String retryReason;
    volatile long retryAt;
    /** The identity of the .part file the finished transfer wrote and checked. */
    Object partKey;
    /**
     * Named by this worker where no .part was (not adopted, not taken over from a killed worker), and
     * no transfer of it has made one yet: see Transfer.Spec#fresh.
     */
    boolean fresh;

    /** The segments when the record may be fetched over several connections; null for one connection. */
    Segments segments;
    /** A segment's answer did not fit (the resource changed): one connection from now on. */
    boolean noSplit;

    final AtomicLong downloaded = new AtomicLong();
    volatile Long total;
    volatile String etag;
    volatile String lastModified;
    volatile ResponseInfo response;
    /** The response last written to the journal (loop thread), so each one is written once. */
    ResponseInfo storedResponse;
    /** The Content-Disposition name of the response, when the fetch asked for it. */
    volatile String dispositionName;

    RecordRun(FetchRun run, Rec rec, URI url) {
        this.run = run;
        this.index = rec.index;
        this.url = url;
        this.host = url.getHost() + ":" + url.getPort();
        this.target = rec.target == null ? null : Path.of(rec.target);
        this.total = rec.total;
        this.etag = rec.etag;
        this.lastModified = rec.lastModified;
        this.downloaded.set(rec.downloaded);
        if (rec.isDone()) {
            phase = Phase.DONE; // before the run counts its records
            result = rec.result;
            path = rec.path == null ? null : Path.of(rec.path);
            error = rec.error;
        }
    }

    @Override
    public void onResponse(ResponseInfo r) {
        response = r;
        if (run.fetch.options.contentDisposition) {
            String cd = r.headers.entrySet().stream()
                    .filter(e -> e.getKey().equalsIgnoreCase("Content-Disposition"))
                    .map(java.util.Map.Entry::getValue).findFirst().orElse(null);
            dispositionName = Naming.fromContentDisposition(cd);
        }
    }

    @Override
    public void onBinding(String etag, String lastModified, long total, long start) {
        this.etag = etag;
        this.lastModified = lastModified;
        this.total = total < 0 ? null : total;
        long before = downloaded.getAndSet(start);
        run.group.addAndGet(start - before);
        run.dirty = true;
    }

    @Override
    public boolean reserve(long n) {
        if (!run.tryConsume(n)) {
            return false;
        }
        downloaded.addAndGet(n);
        waitingForNetwork = false;
        if (retryReason != null) {
            retryReason = null;
        }
        return true;
    }

    @Override
    public void restarted(long dropped) {
        downloaded.addAndGet(-dropped);
        run.group.addAndGet(-dropped);
        run.dirty = true;
    }

    /** Took its name: the final file, next to which its .part is written. */
    void named(Path target) {
        this.target = target;
    }

    /**
     * Takes over the {@code size} bytes a settled quota-exceeded record {@code kept} of the same URL
     * left in the .part, with its validators and total, so the transfer resumes it.
     */
    void adopt(Rec kept, long size) {
        fresh = false;
        etag = kept.etag;
        lastModified = kept.lastModified;
        total = kept.total;
        downloaded.set(size);
        run.group.addAndGet(size);
    }

    /** Resumes the segments a killed worker's map kept, {@code kept} bytes in all (see Segments#resume). */
    void resumeSegments(Segments s, long kept) {
        run.group.addAndGet(kept - downloaded.get());
        downloaded.set(kept);
        segments = s;
    }

    /** A delivery cut short by a crash: the final file is there, whole. */
    void recovered() {
        to(Phase.DONE);
        result = RecordResult.SUCCESS;
        path = target;
        // its whole length, as a delivery counts it: the persisted count lags the bytes by a flush,
        // and such records showed success with "downloaded": 0 and a fetch short by their sizes
        long before = downloaded.getAndSet(total);
        run.group.addAndGet(total - before);
    }

    /** The scheduler gave it a connection; its transfers start in the same pass. */
    void start() {
        to(Phase.RUNNING);
    }

    /** May be fetched in segments from now on, when the fetch or the setting allows more than one connection. */
    void planSegments(int split) {
        if (segments == null && !noSplit && split > 1) {
            segments = Segments.fresh(this);
        }
    }

    /** Its one transfer (the whole file) started. */
    void launched(Transfer t) {
        transfer = t;
        downloadedAtLaunch = downloaded.get();
    }

    /** A transfer of segment {@code p} started; the first of a run marks where the attempt began. */
    void launched(Segments.Piece p, Transfer t) {
        if (segments.live == 0) {
            downloadedAtLaunch = downloaded.get();
        }
        segments.launched(p, t);
    }

    /** A transfer is back from the pool, with the identity of the .part it wrote and checked. */
    void wrote(Object partKey) {
        this.partKey = partKey;
        if (partKey != null) {
            fresh = false; // a .part was made (or found taken): a later attempt that fails to connect reports none
        }
    }

    /** Its one transfer ended (any outcome). */
    void transferEnded() {
        transfer = null;
    }

    /** The whole body is in the .part, checked: the rename waits for the next write under the store lock. */
    void bodyComplete() {
        to(Phase.DELIVERABLE);
        waitingForNetwork = false;
    }

    /** Renamed to its final name {@code delivered} (which Content-Disposition may have chosen). */
    void delivered(Path delivered) {
        path = delivered;
        to(Phase.DONE);
        result = RecordResult.SUCCESS;
    }

    /** Ends with a failure; the first of the run becomes the fetch's failure reason. */
    void failed(RecordResult result, String message) {
        to(Phase.DONE);
        this.result = result;
        error = message;
        if (run.firstFailure == FailureReason.NONE) {
            run.firstFailure = result.failureReason();
        }
    }

    /** Stopped for good with the rest of its fetch (an abort, the group's cap). */
    void aborted() {
        to(Phase.DONE);
        result = RecordResult.ABORTED;
    }

    /** Back in the queue, to start again when a connection is free. */
    void requeue() {
        to(Phase.QUEUED);
    }

    /**
     * The network failed: queued again after {@code backoff} of the failures in a row. A connection
     * that failed after making progress starts the backoff over, so only failures without a byte
     * push it towards the cap.
     */
    void waitForNetwork(String why, IntToLongFunction backoff) {
        networkFailures = downloaded.get() > downloadedAtLaunch ? 1 : networkFailures + 1;
        waitingForNetwork = true;
        to(Phase.QUEUED);
        notBefore = System.currentTimeMillis() + backoff.applyAsLong(networkFailures);
        retrying(why, notBefore);
    }

    /**
     * One more retry of a status the server asked to retry (429, 503); returns how many in a row. An
     * attempt that brought bytes (a segmented one whose other connections were served) starts the
     * count over, as a network failure after progress does.
     */
    int statusRetried() {
        statusRetries = downloaded.get() > downloadedAtLaunch ? 1 : statusRetries + 1;
        return statusRetries;
    }

    /** Queued again, not to start before {@code at} (epoch ms). */
    void retryLater(String why, long at) {
        to(Phase.QUEUED);
        notBefore = at;
        retrying(why, at);
    }

    /** Its fetch was resumed: no backoff left over from before the pause. */
    void retryNow() {
        notBefore = 0;
    }

    /** A segment's answer did not fit (the resource changed): its bytes go, and one connection from now on. */
    /** Its new .part's name was taken before it could create it: queued again, to be named afresh. */
    void nameTaken() {
        target = null;
        partKey = null;
        segments = null;
        notBefore = 0;
        to(Phase.QUEUED);
    }

    void startOverOnOneConnection() {
        restarted(downloaded.get());
        segments = null;
        noSplit = true;
        notBefore = 0;
    }

    /** Its segment map could not be written: no further splits, as a crash would leave a .part nobody can trust. */
    void splitNoMore() {
        noSplit = true;
    }

    /** The attempt failed and is retried at {@code at}: what get and the progress line show meanwhile. */
    private void retrying(String reason, long at) {
        retryAt = at;
        retryReason = reason;
    }

    /** Connections this record holds while it runs. */
    int connections() {
        return segments == null ? 1 : Math.max(1, segments.live);
    }

    boolean isDone() {
        return phase == Phase.DONE;
    }

    Phase phase() {
        return phase;
    }

    private void to(Phase next) {
        Phase before = phase;
        phase = next;
        if (before != next) {
            run.moved(this, before, next);
        }
    }
}
