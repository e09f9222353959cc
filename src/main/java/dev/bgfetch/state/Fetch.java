package dev.bgfetch.state;

import java.util.ArrayList;
import java.util.List;

/**
 * One background fetch as stored: the web API's registration fields, the CLI extras, and what the
 * worker needs to resume (per record). Mutable on purpose: the store hands a fresh copy to each update.
 */
public final class Fetch {
    public int schema = Store.DISK_SCHEMA;
    /** Internal, unique for ever in this store (ids are reused once a fetch settles). */
    public String key;
    public String id;
    public String title = "";
    public List<Icon> icons = new ArrayList<>();
    public long uploadTotal;
    public long uploaded;
    public long downloadTotal;
    public long downloaded;
    /** Bytes per second, smoothed, as the worker last measured it (0 when idle). */
    public long speed;
    public FetchResult result = FetchResult.NONE;
    public FailureReason failureReason = FailureReason.NONE;
    public FetchState state = FetchState.PENDING;
    public String dir;
    public String created;
    public String settled;
    public Options options = new Options();
    public List<Rec> records = new ArrayList<>();
    /** The settle hook has run (or there was none to run); a restarted worker runs a pending one. */
    public boolean hookDone;

    // What readers show without loading the records: kept in the summary, recounted from the records.
    public int files;
    public int filesDone;
    /** The sum of the record totals when every one is known, else -1. */
    public long knownTotal = -1;
    /** The first unfinished record's retry reason and time, while one waits for a retry. */
    public String retryReason;
    public String retryAt;

    /** Whether any record carries a checksum to verify (the records must be loaded). */
    public boolean verifiesChecksums() {
        for (Rec r : records) {
            if (r.checksum != null) {
                return true;
            }
        }
        return false;
    }

    /** Recounts the summary's numbers from the records (which must be loaded). */
    public void summarize() {
        // one loop, no streams: this runs in every cold get (streams and their lambdas were ~4 ms of it)
        files = records.size();
        int done = 0;
        long total = 0;
        boolean allKnown = true;
        Rec retrying = null;
        for (Rec r : records) {
            if (r.result == RecordResult.SUCCESS) {
                done++;
            }
            if (r.total == null) {
                allKnown = false;
            } else {
                total += r.total;
            }
            if (retrying == null && !hasSettled() && !r.isDone() && r.networkError != null) {
                retrying = r;
            }
        }
        filesDone = done;
        knownTotal = allKnown ? total : -1;
        retryReason = retrying == null ? null : retrying.networkError;
        retryAt = retrying == null ? null : retrying.retryAt;
    }

    /** The number of records; for a fetch built in memory (records only, no summary) from the records. */
    public int fileCount() {
        return records.isEmpty() ? files : records.size();
    }

    public int doneCount() {
        if (records.isEmpty()) {
            return filesDone;
        }
        int done = 0;
        for (Rec r : records) {
            if (r.result == RecordResult.SUCCESS) {
                done++;
            }
        }
        return done;
    }

    public boolean hasSettled() {
        return state == FetchState.SETTLED;
    }

    public boolean isActive() {
        return !hasSettled();
    }

    /** Sets a record's final result; the first record to fail sets the fetch's failureReason (§4.12). */
    public void finishRecord(Rec r, RecordResult recordResult) {
        r.result = recordResult;
        if (recordResult != RecordResult.SUCCESS && failureReason == FailureReason.NONE) {
            failureReason = recordResult.failureReason();
        }
    }

    /** Settles with the result the records imply: failure if any failed, else success. */
    public void settle() {
        result = failureReason == FailureReason.NONE ? FetchResult.SUCCESS : FetchResult.FAILURE;
        state = FetchState.SETTLED;
        speed = 0;
        settled = Timestamps.now();
    }

    /** Aborts: unfinished records become aborted, and abort wins over any earlier failure (§4.12). */
    public void abort() {
        for (Rec r : records) {
            if (!r.isDone()) {
                r.result = RecordResult.ABORTED;
            }
        }
        failureReason = FailureReason.ABORTED;
        settle();
    }

    /** Work for a worker: active and not paused, or settled with its hook still to run. */
    public boolean needsWorker() {
        return isActive() ? state != FetchState.PAUSED : pendingHook() != null;
    }

    /** The settle hook this fetch still owes, or null. */
    public String pendingHook() {
        if (!hasSettled() || hookDone) {
            return null;
        }
        if (result == FetchResult.SUCCESS) {
            return options.onSuccess;
        }
        return failureReason == FailureReason.ABORTED ? options.onAbort : options.onFail;
    }

    public static final class Icon {
        public String src;
        public String sizes = "";
        public String type = "";

        public Icon() {
        }

        public Icon(String src, String sizes, String type) {
            this.src = src;
            this.sizes = sizes;
            this.type = type;
        }
    }

    /** Per-fetch options given at registration. */
    public static final class Options {
        public String onSuccess;
        public String onFail;
        public String onAbort;
        public boolean contentDisposition;
        public Integer maxConnections;
        public Integer maxPerHost;
        /** Connections one file may use at once ({@code --split}); null: the worker's setting. */
        public Integer split;
        /** Segments are at least this many bytes ({@code --min-split-size}); null: the worker's setting. */
        public Long minSplitSize;
        /**
         * The PEM text of {@code --ca-certificate}, read at registration, so the fetch trusts the same
         * CA after the file moves or changes (and a resume never re-reads a file the user may have
         * swapped); null: only the defaults and the ca-certificate setting.
         */
        public String caCertificate;
        /** {@code --limit-rate} in bytes per second over all of the fetch's connections; null: unlimited. */
        public Long limitRate;
        /**
         * Proxies, fixed at registration from --proxy or the CLI's http_proxy / https_proxy /
         * no_proxy (the worker may have been started from another environment); null: direct.
         */
        public String httpProxy;
        public String httpsProxy;
        public String noProxy;
    }
}
