package dev.bgfetch.worker;

import dev.bgfetch.http.ResponseInfo;
import dev.bgfetch.http.Transfer;
import dev.bgfetch.http.TransferListener;
import dev.bgfetch.state.Rec;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The live state of one record inside the worker. Fields written by the transfer thread are volatile
 * or atomic; everything else belongs to the worker's loop thread.
 */
final class RecordJob implements TransferListener {
    /** DELIVERABLE: the whole body is in the .part, to be renamed under the store lock (see Worker#persist). */
    enum Phase { QUEUED, RUNNING, DELIVERABLE, DONE }

    final FetchRun run;
    final int index;
    final URI url;
    final String host;

    Phase phase = Phase.QUEUED;
    Path target;
    String result = "";
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

    RecordJob(FetchRun run, Rec rec, URI url) {
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
            phase = Phase.DONE;
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

    /** The attempt failed and is retried at {@code at}: what get and the progress line show meanwhile. */
    void retrying(String reason, long at) {
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
}
