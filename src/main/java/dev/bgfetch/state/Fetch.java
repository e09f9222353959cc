package dev.bgfetch.state;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.ArrayList;
import java.util.List;

/**
 * One background fetch as stored: the web API's registration fields, the CLI extras, and what the
 * worker needs to resume (per record). Mutable on purpose: the store hands a fresh copy to each update.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public final class Fetch {
    public static final String PENDING = "pending";
    public static final String DOWNLOADING = "downloading";
    public static final String PAUSED = "paused";
    public static final String WAITING_FOR_NETWORK = "waiting-for-network";
    public static final String SETTLED = "settled";

    public int schema = Store.SCHEMA;
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
    public String result = "";
    public String failureReason = "";
    public String state = PENDING;
    public String dir;
    public String created;
    public String settled;
    public Options options = new Options();
    public List<Rec> records = new ArrayList<>();
    /** The settle hook has run (or there was none to run); a restarted worker runs a pending one. */
    public boolean hookDone;

    @JsonIgnore
    public boolean hasSettled() {
        return SETTLED.equals(state);
    }

    @JsonIgnore
    public boolean isActive() {
        return !hasSettled();
    }

    /** Sets a record's final result; the first record to fail sets the fetch's failureReason (§4.12). */
    public void finishRecord(Rec r, String recordResult) {
        r.result = recordResult;
        if (!Rec.SUCCESS.equals(recordResult) && failureReason.isEmpty()) {
            failureReason = recordResult;
        }
    }

    /** Settles with the result the records imply: failure if any failed, else success. */
    public void settle() {
        result = failureReason.isEmpty() ? "success" : "failure";
        state = SETTLED;
        speed = 0;
        settled = java.time.Instant.now().toString();
    }

    /** Aborts: unfinished records become aborted, and abort wins over any earlier failure (§4.12). */
    public void abort() {
        for (Rec r : records) {
            if (!r.isDone()) {
                r.result = Rec.ABORTED;
            }
        }
        failureReason = Rec.ABORTED;
        settle();
    }

    /** The sum of what the records hold. */
    public void recount() {
        downloaded = records.stream().mapToLong(r -> r.downloaded).sum();
    }

    /** The settle hook this fetch still owes, or null. */
    @JsonIgnore
    public String pendingHook() {
        if (!hasSettled() || hookDone) {
            return null;
        }
        if ("success".equals(result)) {
            return options.onSuccess;
        }
        return "aborted".equals(failureReason) ? options.onAbort : options.onFail;
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
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
    @JsonIgnoreProperties(ignoreUnknown = true)
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
    }
}
