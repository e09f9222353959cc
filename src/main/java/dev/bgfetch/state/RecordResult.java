package dev.bgfetch.state;

/** How one record ended: success, or the failure reason it gives its fetch; {@link #NONE} while it runs. */
public enum RecordResult implements WireNames.Named {
    NONE(""),
    SUCCESS("success"),
    ABORTED("aborted"),
    BAD_STATUS("bad-status"),
    FETCH_ERROR("fetch-error"),
    QUOTA_EXCEEDED("quota-exceeded"),
    DOWNLOAD_TOTAL_EXCEEDED("download-total-exceeded");

    private final String wire;

    RecordResult(String wire) {
        this.wire = wire;
    }

    /** The name in the state files, JSON output and human output ("" for none). */
    @Override
    public String wire() {
        return wire;
    }

    /** The value with this wire name (null reads as none); an unknown one is damage the reader reports. */
    public static RecordResult of(String wire) {
        return WireNames.of(values(), wire, "record result");
    }

    @Override
    public String toString() {
        return wire;
    }

    /** The fetch's failure reason this record's result gives (NONE for success or none). */
    public FailureReason failureReason() {
        return this == NONE || this == SUCCESS ? FailureReason.NONE : FailureReason.of(wire);
    }
}
