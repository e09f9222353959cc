package dev.bgfetch.http;

/** How one transfer attempt ended; the worker turns it into a record result or a retry. */
public final class Outcome {
    public enum Kind {
        /** The .part file holds the whole body (length and checksum checked). */
        COMPLETE,
        /** A non-2xx answer that is final (not 408/429/503). */
        BAD_STATUS,
        /** TLS, redirect loop, bad redirect target, a resume answer that does not fit, checksum mismatch. */
        FETCH_ERROR,
        /** The network went away (refused, reset, timeout, DNS, cut short, stalled): wait and resume. */
        NETWORK,
        /** 408/429/503: try again after {@link #retryAfterMillis} (or the backoff when -1). */
        RETRY_LATER,
        /** The disk is full or below the reserve. */
        QUOTA,
        /** The next chunk would take the group over its downloadTotal. */
        CAP,
        /** Stopped on request (abort, pause, another record's failure). */
        CANCELLED,
        /** A segment of a file fetched over several connections is on disk; the record goes on. */
        SEGMENT_DONE,
        /**
         * A segment's answer does not belong to the data on disk (a 200, another range, total or
         * validator): the record starts over on one connection, nothing is spliced.
         */
        CHANGED,
        /**
         * The record's new .part could not be created: something appeared at its name since the
         * name was chosen (another program, another store's worker). No byte was written; the
         * record takes the next free name.
         */
        NAME_TAKEN
    }

    public final Kind kind;
    public final String message;
    public final long retryAfterMillis;

    private Outcome(Kind kind, String message, long retryAfterMillis) {
        this.kind = kind;
        this.message = message;
        this.retryAfterMillis = retryAfterMillis;
    }

    public static Outcome of(Kind kind, String message) {
        return new Outcome(kind, message, -1);
    }

    public static Outcome retryLater(String message, long retryAfterMillis) {
        return new Outcome(Kind.RETRY_LATER, message, retryAfterMillis);
    }

    @Override
    public String toString() {
        return kind + (message == null ? "" : ": " + message);
    }
}
